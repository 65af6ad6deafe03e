"""The pre-pass over long texts: which segments need the encoder, most suspicious first.

A triage model is a logistic regression over hashed word unigrams and bigrams (NFKC,
lower-cased; CJK, Thai and Hangul runs as character bigrams), independent of the encoder and its
tokenizer. A segment's score is the best mean word weight over any ``window`` consecutive words
in it, plus the bias: an instruction planted in a sentence of prose is not averaged away. It costs
about a millisecond for a 20,000-character text (numpy over the whole text at once).

Two files, written by ``python -m training.triage``: ``NAME.triage.json`` (format, buckets,
window, bias, threshold, provenance, the weights file's sha256) and ``NAME.triage.npz`` (``w``:
float16 weights, one per bucket). The threshold was chosen on a held-out split of the training
pool for a stated recall of planted injections; scores are logits (not probabilities).
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from guardrails.errors import ModelError, ModelIntegrityError
from guardrails.runtime._files import sha256_file
from guardrails.runtime.segments import Segment

__all__ = ["FORMAT_VERSION", "Triage", "Words", "shipped_triage_path", "word_buckets"]

FORMAT_VERSION = 1
_WORD = re.compile(r"\w+")
_BIGRAM_SCRIPTS = r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]"


@functools.cache
def _bigram_scripts() -> re.Pattern[str]:
    """Thai, kana, Han and Hangul: compiled on first use (a class this wide takes milliseconds)."""
    return re.compile(_BIGRAM_SCRIPTS)

_MUL = np.uint64(0x9E3779B97F4A7C15)


def shipped_triage_path(name: str = "injection") -> Path:
    """The shipped triage model ``NAME`` (``guardrails/models/triage/NAME.triage.json``)."""
    return Path(__file__).resolve().parent.parent / "models" / "triage" / f"{name}.triage.json"


class Words(NamedTuple):
    """The hashed words of a text: unigram buckets (n,), bigram buckets (n - 1,), and each word's
    character ``starts`` and ``ends`` (n,)."""

    uni: np.ndarray
    bi: np.ndarray
    starts: np.ndarray
    ends: np.ndarray


def _words(text: str) -> tuple[list[str], list[int], list[int]]:
    """Lower-cased NFKC words of ``text`` with their character starts and ends."""
    if text.isascii():  # the common case, without a Python step per word beyond slicing
        spans = [m.span() for m in _WORD.finditer(text)]
        low = text.lower()
        return [low[a:b] for a, b in spans], [a for a, _ in spans], [b for _, b in spans]
    words, starts, ends = [], [], []
    bigram = _bigram_scripts()
    for m in _WORD.finditer(text):
        w = m.group(0)
        w = w.lower() if w.isascii() else unicodedata.normalize("NFKC", w).lower()
        if len(w) > 2 and bigram.search(w):
            words += [w[i : i + 2] for i in range(len(w) - 1)]
            starts += [m.start() + i for i in range(len(w) - 1)]
            ends += [min(m.start() + i + 2, m.end()) for i in range(len(w) - 1)]
        else:
            words.append(w)
            starts.append(m.start())
            ends.append(m.end())
    return words, starts, ends


def word_buckets(text: str, bits: int) -> Words:
    """The hashed unigrams and bigrams of ``text`` in ``2**bits`` buckets, with word offsets."""
    words, starts, ends = _words(text)
    mask = np.uint64((1 << bits) - 1)
    h = np.fromiter((zlib.crc32(w.encode("utf-8", "replace")) for w in words), dtype=np.uint64, count=len(words))
    uni = ((h * _MUL) >> np.uint64(40)) & mask
    bi = h[:-1] * np.uint64(1000003) + h[1:] + np.uint64(7)
    bi ^= bi >> np.uint64(31)
    bi = ((bi * _MUL) >> np.uint64(40)) & mask
    return Words(uni.astype(np.int64), bi.astype(np.int64), np.asarray(starts, dtype=np.int64),
                 np.asarray(ends, dtype=np.int64))


@dataclass
class Triage:
    """Scores segments of a text (logits); :meth:`needs_encoder` applies the threshold."""

    name: str
    weights: np.ndarray
    bias: float
    threshold: float
    bits: int = 18
    window: int = 24
    provenance: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.weights = np.asarray(self.weights, dtype=np.float32).reshape(-1)
        if self.weights.shape[0] != 1 << self.bits:
            raise ModelError(f"triage {self.name!r}: {self.weights.shape[0]} weights for {self.bits} bits")

    def _sums(self, words: Words) -> tuple[np.ndarray, np.ndarray]:
        """Prefix sums of the per-word weight (unigram + bigram starting there) and of the counts."""
        per_word = self.weights[words.uni].astype(np.float64)
        counts = np.ones(len(words.uni))
        per_word[:-1] += self.weights[words.bi]
        counts[:-1] += 1
        return np.concatenate([[0.0], np.cumsum(per_word)]), np.concatenate([[0.0], np.cumsum(counts)])

    def _ranges(self, words: Words, segs: Sequence[Segment]) -> tuple[np.ndarray, np.ndarray]:
        lo = np.searchsorted(words.starts, [s.start for s in segs], side="left")
        hi = np.searchsorted(words.starts, [s.end for s in segs], side="left")
        return lo, hi

    def words(self, text: str) -> Words:
        """The hashed words of ``text`` (pass them to :meth:`scores` and :meth:`best_spans`)."""
        return word_buckets(text, self.bits)

    def scores(self, text: str, segments: Sequence[Segment] | None = None, words: Words | None = None) -> np.ndarray:
        """One logit per segment of ``text`` (the whole text when ``segments`` is None).

        A segment without words scores ``-inf``.
        """
        segs = list(segments) if segments is not None else [Segment(0, len(text))]
        words = words if words is not None else self.words(text)
        out = np.full(len(segs), -np.inf, dtype=np.float32)
        if not len(words.uni):
            return out
        cs, cc = self._sums(words)
        win = self.window
        for k, (a, b) in enumerate(zip(*self._ranges(words, segs))):
            if b - a <= 0:
                continue
            if b - a <= win:
                out[k] = (cs[b] - cs[a]) / (cc[b] - cc[a])
            else:  # the best window of ``win`` words inside the segment
                out[k] = float(((cs[a + win : b + 1] - cs[a : b - win + 1])
                                / (cc[a + win : b + 1] - cc[a : b - win + 1])).max())
        return out + np.float32(self.bias)

    def best_spans(self, text: str, segments: Sequence[Segment], words: Words | None = None) -> list[Segment]:
        """Per segment, its best ``window`` consecutive words (the segment itself when it has no
        more): where an instruction glued into a longer sentence sits."""
        words = words if words is not None else self.words(text)
        if not len(words.uni):
            return list(segments)
        cs, cc = self._sums(words)
        win = self.window
        out = []
        for seg, a, b in zip(segments, *self._ranges(words, segments)):
            if b - a <= win:
                out.append(seg)
                continue
            mean = (cs[a + win : b + 1] - cs[a : b - win + 1]) / (cc[a + win : b + 1] - cc[a : b - win + 1])
            k = a + int(np.argmax(mean))
            out.append(Segment(int(words.starts[k]), int(min(seg.end, words.ends[k + win - 1]))))
        return out

    def needs_encoder(self, scores: np.ndarray) -> np.ndarray:
        """Which segments score at or over the threshold (bool array)."""
        return scores >= self.threshold

    # -- files ---------------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Write ``NAME.triage.json`` and ``NAME.triage.npz``; returns the json path."""
        json_path = Path(path)
        if not json_path.name.endswith(".triage.json"):
            json_path = json_path.with_name(json_path.name + ".triage.json")
        npz_path = json_path.with_name(json_path.name.replace(".triage.json", ".triage.npz"))
        json_path.parent.mkdir(parents=True, exist_ok=True)
        with npz_path.open("wb") as fh:
            np.savez_compressed(fh, w=self.weights.astype(np.float16))
        meta = {"format_version": FORMAT_VERSION, "name": self.name, "bits": self.bits, "window": self.window,
                "bias": float(self.bias), "threshold": float(self.threshold), "provenance": self.provenance,
                "weights": {"file": npz_path.name, "sha256": sha256_file(npz_path)}}
        json_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        return json_path

    @classmethod
    def load(cls, path: str | Path) -> Triage:
        """Load ``NAME.triage.json`` and its weights; ModelIntegrityError when the sha256 differs."""
        json_path = Path(path)
        try:
            meta = json.loads(json_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelError(f"triage model {json_path} cannot be read: {exc}") from exc
        if meta.get("format_version") != FORMAT_VERSION:
            raise ModelError(f"{json_path}: format_version {meta.get('format_version')!r} is not {FORMAT_VERSION}")
        npz_path = json_path.with_name(meta["weights"]["file"])
        if not npz_path.is_file():
            raise ModelError(f"triage weights not found: {npz_path} (named by {json_path})")
        if sha256_file(npz_path) != meta["weights"]["sha256"]:
            raise ModelIntegrityError(f"triage weights {npz_path} do not match the sha256 in {json_path.name}")
        with np.load(npz_path, allow_pickle=False) as data:
            weights = data["w"]
        return cls(name=meta["name"], weights=weights, bias=meta["bias"], threshold=meta["threshold"],
                   bits=meta["bits"], window=meta["window"], provenance=meta.get("provenance", {}))
