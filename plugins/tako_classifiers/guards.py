"""Model guards: prompt injection, jailbreak, moderation and custom heads on the shared encoder.

Each guard embeds the detection view of the text (``context.view(text)``) and any decoded blobs
(``context.decoded``) in overlapping token windows through ``resources.encoder(head.encoder)``;
a category's score is its head's calibrated probability, maximised over windows and texts.
``check_batch`` sends all texts of a batch through the encoder together.
"""

from __future__ import annotations

import functools
import re
import threading
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from pydantic import Field

from guardrails.errors import ModelError
from guardrails.protocol import BaseGuard, CheckContext, EncoderLike, GuardConfig, Resources
from guardrails.results import Verdict
from guardrails.runtime.heads import Head

from ._minors import MinorsRule

__all__ = [
    "HARM_CATEGORIES", "HeadGuard", "JailbreakGuard", "ModerationGuard", "PromptInjectionGuard",
    "shipped_head_path",
]

HARM_CATEGORIES = ("hate", "harassment", "sexual", "sexual_minors", "self_harm", "violence", "illicit",
                   "privacy")
"""The moderation guard's categories. ``sexual_minors`` is the maximum of the head's output and a
reviewed lexicon rule; ``privacy`` covers requests to locate, track, expose or dox a private person."""

SAFETY_HEAD = "safety"
"""The shipped multi-task head: every category of the three model guards, on one encoder pass."""
RETRAIN_HINT = "retrain it on this encoder: guardrails train-head DATA.jsonl --out HEAD (docs/custom-heads.md)"

SEXUAL_MINORS_THRESHOLD = 0.4
"""Threshold of the sexual_minors rule for heads without a calibrated sexual_minors output."""


HEADS_DIR = Path(__file__).resolve().parent / "heads"
"""The shipped head on the default encoder (package data of this plugin)."""


def shipped_head_path(name: str = SAFETY_HEAD) -> Path:
    """Path of a shipped head in this plugin's package (``safety``: the one multi-task head)."""
    return HEADS_DIR / f"{name}.head.json"


def _load_head(path: str | Path) -> Head:
    p = Path(path).expanduser()
    if not p.name.endswith(".head.json") and not p.is_file():
        p = p.with_name(p.name + ".head.json")
    p = p.resolve()
    stat = p.stat() if p.is_file() else None
    return _cached_head(str(p), stat.st_mtime_ns if stat else 0)


@functools.lru_cache(maxsize=32)
def _cached_head(path: str, mtime_ns: int) -> Head:
    """One Head object per file (and version of it), shared by every guard that uses it."""
    return Head.load(path)


def _encoder_for(head: Head, resources: Resources) -> EncoderLike:
    enc = resources.encoder(head.encoder)
    dim = getattr(enc, "dim", head.dim)
    if dim != head.dim:
        raise ModelError(
            f"head {head.name!r} expects {head.dim}-dim embeddings but encoder {head.encoder!r} gives {dim}: "
            + RETRAIN_HINT
        )
    trained_on, actual = head.provenance.get("encoder_sha256"), getattr(enc, "fingerprint", None)
    if trained_on and actual and trained_on != actual:
        raise ModelError(
            f"head {head.name!r} was trained on another encoder (model sha256 {trained_on[:12]}...) than "
            f"encoder {head.encoder!r} ({actual[:12]}...): " + RETRAIN_HINT
        )
    return enc


class _ScoreMemo:
    """Head outputs per window array, so guards sharing one head score each window once.

    Keyed by the array's identity (the encoder's cached arrays are read-only and long-lived); a
    weak reference checks the entry still belongs to the same array.
    """

    def __init__(self, size: int = 256) -> None:
        self._items: OrderedDict[tuple[int, int], tuple[weakref.ref, dict[str, float]]] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def scores(self, head: Head, windows: np.ndarray) -> dict[str, float]:
        key = (id(head), id(windows))
        with self._lock:
            hit = self._items.get(key)
            if hit is not None and hit[0]() is windows:
                return hit[1]
        out = head.score_windows(windows)
        try:
            ref = weakref.ref(windows)
        except TypeError:  # not weak-referenceable: do not memoise
            return out
        with self._lock:
            self._items[key] = (ref, out)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return out


_MEMO = _ScoreMemo()


class _HeadsGuard(BaseGuard):
    """Shared machinery: embed views (+ decoded blobs) in windows, score with heads, max-pool."""

    heads: tuple[Head, ...]
    encoder: EncoderLike
    recommended_thresholds: dict[str, float]
    """Per category, the threshold calibrated with the head (used where a policy sets none)."""

    def _texts(self, text: str, context: CheckContext) -> list[tuple[str, bool]]:
        """(text, is_segment) pairs to embed: the view, decoded blobs, and any extra segments."""
        view = context.view(text)
        return [(t, False) for t in (view, *(d for d in context.decoded if d and d != view))]

    def _raw(self, windows: np.ndarray) -> dict[str, float]:
        scores: dict[str, float] = {}
        for head in self.heads:
            scores.update(_MEMO.scores(head, windows))
        return scores

    def _finish(self, raws: list[dict[str, float]], texts: list[tuple[str, bool]], stage: str) -> Verdict:
        """Turn per-text raw head scores into the guard's categories (max over texts)."""
        out: dict[str, float] = {}
        for raw, (text, segment) in zip(raws, texts, strict=True):
            for cat, score in self._categories(raw, text, stage, segment).items():
                out[cat] = max(out.get(cat, 0.0), float(score))
        return Verdict(categories=out, details={"texts_scored": len(texts)})

    def _categories(self, raw: dict[str, float], text: str, stage: str, segment: bool = False) -> dict[str, float]:
        raise NotImplementedError

    def check(self, text: str, context: CheckContext) -> Verdict:
        """Score ``text`` (and decoded blobs in ``context``): category -> probability 0..1."""
        texts = self._texts(text, context)
        windows = self.encoder.embed_windows_batch([t for t, _ in texts])
        return self._finish([self._raw(w) for w in windows], texts, context.stage)

    def check_batch(self, texts: Sequence[str], contexts: Sequence[CheckContext]) -> list[Verdict]:
        """``check`` for many texts, embedded through the encoder in one batch."""
        groups = [self._texts(t, c) for t, c in zip(texts, contexts, strict=True)]
        flat = [t for g in groups for t, _ in g]
        windows = self.encoder.embed_windows_batch(flat) if flat else []
        out: list[Verdict] = []
        i = 0
        for group, ctx in zip(groups, contexts, strict=True):
            raws = [self._raw(w) for w in windows[i:i + len(group)]]
            out.append(self._finish(raws, group, ctx.stage))
            i += len(group)
        return out

    def score_windows(self, windows: np.ndarray, text: str, stage: str = "input") -> dict[str, float]:
        """Category scores from precomputed window embeddings (training and evaluation use this)."""
        return self._categories(self._raw(windows), text, stage)


_SENTENCE = re.compile(r"[^\n.!?]*(?:[.!?]+|\n|$)")


def segments(text: str, min_chars: int = 40, max_chars: int = 300, limit: int = 32) -> list[str]:
    """Sentence-sized pieces of a long text (a short fragment joins the piece before it, long
    sentences are cut at ``max_chars``); at most ``limit``, keeping the first, the last and an
    even sample of the middle ones."""
    pieces: list[str] = []
    for m in _SENTENCE.finditer(text):
        part = m.group(0).strip()
        if not part:
            continue
        if len(part) < min_chars and pieces and len(pieces[-1]) + len(part) <= max_chars:
            pieces[-1] = f"{pieces[-1]} {part}"
            continue
        while len(part) > max_chars:
            pieces.append(part[:max_chars])
            part = part[max_chars:]
        pieces.append(part)
    if len(pieces) > limit:
        third = limit // 3
        step = (len(pieces) - 2 * third) / third
        middle = [pieces[third + int(i * step)] for i in range(third)]
        pieces = pieces[:third] + middle + pieces[-(limit - 2 * third):]
    return pieces


class PromptInjectionGuard(_HeadsGuard):
    """Finds attempts to override the system's instructions, typed by the user or hidden in
    retrieved documents and tool output.

    On the ``context`` stage the score is the maximum of the direct-injection and the
    indirect (instructions planted in a document) outputs of the injection head; on ``input``
    only the direct output is used unless ``indirect_on_input`` is set.
    """

    name = "prompt_injection"
    stages = frozenset({"input", "context"})
    categories = ("prompt_injection",)

    class Config(GuardConfig):
        """Options of the prompt_injection guard."""

        head: str | None = None
        """Path of a replacement injection head (default: the shipped one)."""
        indirect_on_input: bool = False
        """Also use the document-injection output on user input (more recall, more false positives)."""
        segment_chars: int = Field(400, ge=0)
        """Texts longer than this are also scored sentence by sentence with the direct-injection
        output, so one planted instruction is not diluted by a long window (0: off)."""

    def __init__(self, config: PromptInjectionGuard.Config, resources: Resources) -> None:
        super().__init__(config, resources)
        head = _load_head(config.head or shipped_head_path(SAFETY_HEAD))
        self.heads = (head,)
        self.encoder = _encoder_for(head, resources)
        self._t_direct = float(head.thresholds.get("prompt_injection", 0.5))
        self._t_context = float(head.thresholds.get("indirect_injection")
                                or head.provenance.get("context_threshold", self._t_direct))
        self.recommended_thresholds = {"prompt_injection": self._t_direct}

    def _to_direct_scale(self, s: float) -> float:
        """Map the document score so its own threshold lands on the direct threshold (monotone)."""
        t_c, t_d = self._t_context, self._t_direct
        if s <= t_c:
            return s * t_d / t_c if t_c > 0 else t_d
        return t_d + (s - t_c) * (1.0 - t_d) / (1.0 - t_c) if t_c < 1 else 1.0

    def _texts(self, text: str, context: CheckContext) -> list[tuple[str, bool]]:
        texts = super()._texts(text, context)
        view = texts[0][0]
        if self.config.segment_chars and len(view) > self.config.segment_chars:
            texts += [(seg, True) for seg in segments(view)]
        return texts

    def _categories(self, raw: dict[str, float], text: str, stage: str, segment: bool = False) -> dict[str, float]:
        score = raw.get("prompt_injection", 0.0)
        if segment:
            return {"prompt_injection": score}
        if stage == "context" or self.config.indirect_on_input:
            score = self._to_direct_scale(max(score, raw.get("indirect_injection", 0.0)))
        return {"prompt_injection": score}


class JailbreakGuard(_HeadsGuard):
    """Finds attempts to make the model ignore its safety rules: role-play and DAN-style
    personas, hypothetical framing, "developer mode", adversarial suffixes."""

    name = "jailbreak"
    stages = frozenset({"input"})
    categories = ("jailbreak",)

    class Config(GuardConfig):
        """Options of the jailbreak guard."""

        head: str | None = None
        """Path of a replacement jailbreak head (default: the shipped one)."""

    def __init__(self, config: JailbreakGuard.Config, resources: Resources) -> None:
        super().__init__(config, resources)
        self.heads = (_load_head(config.head or shipped_head_path(SAFETY_HEAD)),)
        self.encoder = _encoder_for(self.heads[0], resources)
        self.recommended_thresholds = {"jailbreak": float(self.heads[0].thresholds["jailbreak"])}

    def _categories(self, raw: dict[str, float], text: str, stage: str, segment: bool = False) -> dict[str, float]:
        return {"jailbreak": raw.get("jailbreak", 0.0)}


class ModerationGuard(_HeadsGuard):
    """Scores harmful content for input and output: hate, harassment, sexual, sexual_minors,
    self_harm, violence, illicit, privacy (scores in [0, 1]).

    Every category comes from the shared multi-task head; ``sexual_minors`` is the maximum of the
    head's output and a reviewed lexicon rule (minor-indicating terms together with sexual content,
    damped in protective or educational context).
    """

    name = "moderation"
    stages = frozenset({"input", "output"})
    categories = HARM_CATEGORIES

    class Config(GuardConfig):
        """Options of the moderation guard."""

        head: str | None = None
        """Path of a replacement moderation head (default: the shipped one)."""
        categories: list[str] | None = Field(None)
        """Only report these categories (default: all eight)."""
        lexicon: str | None = None
        """Path of a replacement sexual_minors lexicon (JSON, same shape as the shipped one)."""

    def __init__(self, config: ModerationGuard.Config, resources: Resources) -> None:
        super().__init__(config, resources)
        unknown = set(config.categories or ()) - set(HARM_CATEGORIES)
        if unknown:
            raise ModelError(f"moderation: unknown categories {sorted(unknown)}; known: {HARM_CATEGORIES}")
        self.heads = (_load_head(config.head or shipped_head_path(SAFETY_HEAD)),)
        self.encoder = _encoder_for(self.heads[0], resources)
        self.rule = MinorsRule.load(config.lexicon) if config.lexicon else MinorsRule.load()
        self._wanted = tuple(config.categories or HARM_CATEGORIES)
        head = self.heads[0]
        rule_thr = head.provenance.get("rule_thresholds", {}).get("sexual_minors", SEXUAL_MINORS_THRESHOLD)
        recommended = {"sexual_minors": float(rule_thr), **head.thresholds}
        self.recommended_thresholds = {c: float(recommended[c]) for c in self._wanted if c in recommended}

    def _categories(self, raw: dict[str, float], text: str, stage: str, segment: bool = False) -> dict[str, float]:
        out = {c: raw.get(c, 0.0) for c in HARM_CATEGORIES}
        out["sexual_minors"] = max(out["sexual_minors"], self.rule.score(text, out["sexual"]))
        return {c: out[c] for c in self._wanted}


class HeadGuard(_HeadsGuard):
    """Runs a custom head (trained with ``guardrails train-head``) from ``config.path``.

    Its categories are the head's own; set their thresholds and actions on the rail, e.g.
    ``{guard: head, config: {path: ./refunds.head.json}, thresholds: {refund_request: 0.6}}``.
    """

    name = "head"
    stages = frozenset({"input", "output", "context"})
    categories = ()

    class Config(GuardConfig):
        """Options of the head guard."""

        path: str
        """Path of the head's ``NAME.head.json`` (relative paths are relative to the working directory)."""

    def __init__(self, config: HeadGuard.Config, resources: Resources) -> None:
        super().__init__(config, resources)
        try:
            head = _load_head(config.path)
        except ModelError as exc:
            raise ModelError(f"head guard: {exc}") from exc
        self.heads = (head,)
        self.encoder = _encoder_for(head, resources)
        self.head_categories = head.categories
        self.recommended_thresholds = {c: float(head.thresholds[c]) for c in head.categories}

    def _categories(self, raw: dict[str, float], text: str, stage: str, segment: bool = False) -> dict[str, float]:
        return {c: raw.get(c, 0.0) for c in self.head_categories}
