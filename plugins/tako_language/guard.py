"""The ``language`` guard: identifies the language of a text and enforces allowed/blocked lists.

Language identification uses py3langid (the ``language`` extra; its model ships inside the
PyPI package, nothing is downloaded), loaded once when the guard is built. The detected ISO 639-1
code and its probability go into the Verdict's details, and on the input stage into
``context.request.language``, where later rails read it (the lexicon guard's
``language_scoped`` lists, a policy's per-language rails). Short or ambiguous text is ``und``
(undetermined) rather than a guess: a two-word query carries too little signal. ``und`` is
recorded in the details but NOT stored in the request, so rails filtered by ``languages`` all
run on such text (failing safe: a short text cannot dodge every language-routed rail).
"""

from __future__ import annotations

import functools
import unicodedata
from typing import Any

from pydantic import Field, field_validator

from guardrails.errors import ModelError
from guardrails.protocol import BaseGuard, CheckContext, GuardConfig, Resources
from guardrails.results import Verdict

__all__ = ["UNDETERMINED", "LanguageGuard", "detect_language"]

UNDETERMINED = "und"
"""ISO 639-2 code for "undetermined": too short, too ambiguous, or no letters at all."""

_ALIASES = {"ms": "id", "yue": "zh"}
"""Labels folded together: py3langid calls much Indonesian Malay and short Chinese Cantonese."""
_MAX_CHARS = 2000


@functools.lru_cache(maxsize=1)
def _model_arrays() -> tuple[Any, ...]:
    """py3langid's model, decompressed once per process (about a second)."""
    try:
        from py3langid import langid
    except ImportError as exc:
        raise ModelError(
            "the language guard needs py3langid: pip install 'tako-guardrails[language]'"
        ) from exc
    return langid._load_model_file(langid.MODEL_DIR / langid.MODEL_FILE)


def _load_identifier(candidates: list[str] | None) -> Any:
    """A private identifier per guard (``set_languages`` mutates it) over the shared arrays."""
    import numpy as np
    from py3langid.langid import LanguageIdentifier

    ptc, pc, classes, nextmove, row, output = _model_arrays()
    identifier = LanguageIdentifier(
        np.asarray(ptc), np.asarray(pc), list(classes), nextmove, output, norm_probs=True, tk_row=row
    )
    if candidates:
        known = set(identifier.labels)
        unknown = sorted(set(candidates) - known)
        if unknown:
            raise ModelError(f"py3langid does not know language codes {unknown}")
        identifier.set_languages(candidates)
    return identifier


def _cjk_weighted_letters(text: str) -> int:
    """Letters, counting a Han/kana/Hangul character as three (one carries a word's worth)."""
    n = 0
    for ch in text:
        if unicodedata.category(ch).startswith("L"):
            n += 3 if ord(ch) >= 0x2E80 else 1
    return n


def detect_language(
    identifier: Any, text: str, *, min_confidence: float = 0.3, min_letters: int = 6
) -> tuple[str, float]:
    """``(code, probability)`` for ``text``; ``("und", p)`` when short or below ``min_confidence``."""
    sample = text[:_MAX_CHARS]
    if _cjk_weighted_letters(sample) < min_letters:
        return UNDETERMINED, 0.0
    code, prob = identifier.classify(sample)
    code = _ALIASES.get(code, code)
    if prob < min_confidence:
        return UNDETERMINED, float(prob)
    return code, float(prob)


class LanguageGuard(BaseGuard):
    """Identifies the text's language (py3langid) and flags languages the policy does not serve.

    Scores category ``language`` 1.0 when the detected language is in ``blocked``, or when
    ``allowed`` is set and the language is not in it (``und`` passes unless
    ``block_undetermined``). The Verdict's details carry ``{"language": code, "confidence": p}``;
    on the input stage a determined code is also stored in ``context.request.language``.
    """

    name = "language"
    stages = frozenset({"input", "output", "context"})
    categories = ("language",)

    class Config(GuardConfig):
        """Which languages pass, and how sure the identifier must be."""

        allowed: list[str] | None = None
        """ISO 639-1 codes served; anything else scores 1.0. None: every language passes."""
        blocked: list[str] = Field(default_factory=list)
        """ISO 639-1 codes that always score 1.0."""
        candidates: list[str] | None = None
        """Restrict identification to these codes (sharper on short text when you know the mix)."""
        min_confidence: float = Field(0.3, ge=0.0, le=1.0)
        """Below this probability the language is ``und``."""
        min_letters: int = Field(6, ge=0)
        """Texts with fewer letters (a CJK character counts three) are ``und``."""
        block_undetermined: bool = False
        """With ``allowed`` set, also flag text whose language is ``und``."""
        set_request_language: bool = True
        """Store the detected code in ``context.request.language`` on the input stage."""

        @field_validator("allowed", "blocked", "candidates")
        @classmethod
        def _lower(cls, value: list[str] | None) -> list[str] | None:
            return None if value is None else [v.strip().lower() for v in value]

    def __init__(self, config: LanguageGuard.Config, resources: Resources | None = None) -> None:
        super().__init__(config, resources)
        self._identifier = _load_identifier(config.candidates)
        self._allowed = frozenset(config.allowed) if config.allowed is not None else None
        self._blocked = frozenset(config.blocked)

    def detect(self, text: str) -> tuple[str, float]:
        """``(code, probability)`` of ``text`` under this guard's settings."""
        return detect_language(
            self._identifier, text,
            min_confidence=self.config.min_confidence, min_letters=self.config.min_letters,
        )

    def _flagged(self, code: str) -> bool:
        if code in self._blocked:
            return True
        if self._allowed is None:
            return False
        if code == UNDETERMINED:
            return self.config.block_undetermined
        return code not in self._allowed

    def check(self, text: str, context: CheckContext) -> Verdict:
        """Detect the language of the raw text (not the normalised view: folding confusables
        to Latin would hide Cyrillic or Greek)."""
        code, prob = self.detect(text)
        if self.config.set_request_language and context.stage == "input" and code != UNDETERMINED:
            context.request.language = code
        return Verdict(
            categories={"language": 1.0 if self._flagged(code) else 0.0},
            details={"language": code, "confidence": round(prob, 4)},
        )
