"""Helpers shared by the rule guards: span merging, text replacement, data files, scores."""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from importlib import resources as importlib_resources
from pathlib import Path
from typing import Any

import yaml

from guardrails.errors import PolicyError
from guardrails.protocol import EncoderLike, Resources
from guardrails.results import Span

__all__ = [
    "IntervalSet",
    "apply_spans",
    "calibrate",
    "load_data_file",
    "load_yaml_path",
    "resolve_overlaps",
    "shannon_entropy",
    "similarity_encoder",
]


def similarity_encoder(resources: Resources, name: str, guard: str) -> EncoderLike:
    """The encoder ``name`` of a similarity rule (``topic``, ``relevance``), built now (when the
    Guard is built). PolicyError naming ``guard``, the encoder and the fix when the encoder says
    it is not a similarity space (``similarity_space`` false: its MANIFEST has ``"similarity":
    false``); an encoder that says nothing counts as one. ModelError for an unknown name."""
    encoder = resources.encoder(name)
    if getattr(encoder, "similarity_space", True) is False:
        raise PolicyError(
            f"guard {guard!r}: encoder {name!r} ({getattr(encoder, 'name', name)}) is not a similarity space: it "
            "is a classifier's fine-tuned encoder, on which unrelated texts score 0.5-0.9 cosine against each other, "
            f"so the {guard} rule would flag (or pass) nearly every text. Set the rail's config `encoder:` to a "
            "general-purpose sentence encoder (all-MiniLM-L6-v2, say) registered through the register_encoders "
            "hook (docs/hooks.md, docs/lexicon-and-topics.md), or train a custom head for the topic "
            "(docs/custom-heads.md)"
        )
    return encoder


def load_data_file(name: str) -> Any:
    """Parse a YAML file shipped in ``tako_rules/data`` (with libyaml when PyYAML has it: several
    times faster than the pure-Python parser, and the same objects for these files)."""
    text = importlib_resources.files("tako_rules").joinpath("data").joinpath(name).read_text("utf-8")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def load_yaml_path(path: str | Path, *, what: str) -> Any:
    """Parse a user-supplied YAML file, raising PolicyError naming ``what`` on failure."""
    p = Path(path).expanduser()
    try:
        return yaml.safe_load(p.read_text("utf-8"))
    except OSError as exc:
        raise PolicyError(f"{what}: cannot read {str(p)!r}: {exc}", source=str(p)) from exc
    except yaml.YAMLError as exc:
        raise PolicyError(f"{what}: {str(p)!r} is not valid YAML: {exc}", source=str(p)) from exc


def resolve_overlaps(spans: Iterable[Span]) -> list[Span]:
    """Keep non-overlapping spans, preferring earlier starts, then longer spans."""
    kept: list[Span] = []
    last_end = -1
    for span in sorted(spans, key=lambda s: (s.start, -(s.end - s.start))):
        if span.start >= last_end:
            kept.append(span)
            last_end = span.end
    return kept


class IntervalSet:
    """Disjoint [start, end) intervals with O(log n) overlap checks (for greedy span selection)."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []

    def overlaps(self, start: int, end: int) -> bool:
        """True when [start, end) overlaps a stored interval."""
        i = bisect_left(self._starts, end)
        return i > 0 and self._ends[i - 1] > start

    def add(self, start: int, end: int) -> None:
        """Store [start, end) (the caller checked it does not overlap)."""
        i = bisect_left(self._starts, start)
        self._starts.insert(i, start)
        self._ends.insert(i, end)


def apply_spans(text: str, spans: Iterable[Span]) -> str:
    """``text`` with each (non-overlapping, sorted) span replaced by its ``replacement``."""
    out: list[str] = []
    pos = 0
    for span in spans:
        if span.replacement is None:
            continue
        out.append(text[pos : span.start])
        out.append(span.replacement)
        pos = span.end
    out.append(text[pos:])
    return "".join(out)


def shannon_entropy(value: str) -> float:
    """Shannon entropy of ``value`` in bits per character."""
    if not value:
        return 0.0
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values())


def calibrate(similarity: float, threshold: float) -> float:
    """Map a similarity to a 0..1 score that crosses 0.5 exactly at ``threshold``."""
    s = max(0.0, min(1.0, similarity))
    if threshold <= 0.0:
        return 1.0
    if threshold >= 1.0:
        return 0.5 * s
    if s >= threshold:
        return 0.5 + 0.5 * (s - threshold) / (1.0 - threshold)
    return 0.5 * s / threshold
