"""The PII token head: names, places, organisations, addresses and phones from the shared
encoder's token states, with no second model pass.

A head is two sibling files, ``NAME.head.json`` (tags, thresholds, the encoder it was trained
on, provenance) and ``NAME.head.npz`` (weights). Per token the head computes

    z1 = relu(H @ W1 + mean(H) @ Wc + b1)                     (n, h)   token + sentence context
    z2 = relu([z1[i-1], z1[i], z1[i+1]] @ W2 + b2)             (n, h2)  neighbouring tokens
    p  = softmax(z2 @ W3 + b3)                                 (n, k)   BIO tags

and decodes BIO tags into character spans with the token offsets. Pure numpy: tens of
microseconds for a 30-word query. ``training/pii`` builds it (``python -m training.pii build``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from guardrails.errors import ModelError, ModelIntegrityError
from tako_rules._pii_phone import phone_like

__all__ = ["HEAD_NAME", "TokenHead", "default_head_path", "encoder_fingerprint", "gives_token_states", "head_phone", "token_states"]

HEAD_NAME = "pii_tokens"
"""File stem of the shipped head (``tako_rules/heads/pii_tokens.head.json``)."""
FORMAT_VERSION = 1
_KEYS = ("W1", "Wc", "b1", "W2", "b2", "W3", "b3")
_TRIM = " \t\r\n,;:!?\"'()[]{}<>|/\\·•-–—*"
_GEMM_CELLS = 600_000
"""Rows go through a matrix product in blocks of at most this many multiply-adds: OpenBLAS
starts threads above about a million, which on a busy CPU costs milliseconds, not microseconds."""


def _matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` in row blocks small enough for BLAS to stay on the calling thread."""
    rows = max(1, _GEMM_CELLS // max(1, a.shape[1] * b.shape[1]))
    if len(a) <= rows:
        return a @ b
    return np.concatenate([a[i : i + rows] @ b for i in range(0, len(a), rows)])


def default_head_path() -> Path:
    """Where the shipped head lives: ``tako_rules/heads/pii_tokens.head.json``."""
    return Path(__file__).resolve().parent / "heads" / f"{HEAD_NAME}.head.json"


def encoder_fingerprint(encoder: Any) -> str | None:
    """The sha256 of an encoder's model file (from its MANIFEST), or its ``fingerprint``; None if unknown."""
    fp = getattr(encoder, "fingerprint", None)
    if isinstance(fp, str):
        return fp
    manifest = getattr(encoder, "manifest", None)
    if not isinstance(manifest, dict):
        return None
    model = getattr(encoder, "model_file", None) or manifest.get("model")
    meta = (manifest.get("files") or {}).get(model) or {}
    sha = meta.get("sha256")
    return sha if isinstance(sha, str) else None


def gives_token_states(encoder: Any) -> bool:
    """True when ``encoder`` has ``encode_tokens`` and its model gives token states (an
    ``OnnxEncoder`` always has the method; ``has_token_states`` says whether its graph has a
    token output, and loads the model to find out)."""
    return callable(getattr(encoder, "encode_tokens", None)) and bool(getattr(encoder, "has_token_states", True))


def token_states(encoder: Any, text: str) -> tuple[np.ndarray, np.ndarray] | None:
    """(states (n, dim) float32, offsets (n, 2) int) of ``text`` from the encoder's ``encode_tokens``;
    None when the encoder offers no token states. Offsets are character offsets into ``text``."""
    fn = getattr(encoder, "encode_tokens", None)
    if fn is None:
        return None
    result = fn(text)
    if hasattr(result, "states"):
        states, offsets = result.states, result.offsets
    else:
        states, offsets = result
    states = np.asarray(states, dtype=np.float32)
    offsets = np.asarray(offsets, dtype=np.int64).reshape(-1, 2)
    if states.ndim != 2 or len(states) != len(offsets):
        raise ModelError(f"encode_tokens gave states {states.shape} for {len(offsets)} offsets")
    return states, offsets


def _plausible(span: str) -> bool:
    """False for a span written only in lower-case letters of a cased script with no digit ("clips",
    "whales"), or only in hiragana ("にちは", a piece of こんにちは): the head's common-word false
    positives. Names, places, organisations and addresses carry a capital or a digit, and Japanese
    ones are written in kanji or katakana (hiragana is the script of particles, endings and
    greetings); lower-case or hiragana names after a cue ("my name is anna") are the name rules'
    job; nor is a lower-case span whose only words with digits are Arabizi ("2ablak", "el 5aleeg":
    Arabic in Latin letters, the digits standing for Arabic sounds; "flat 3b", "221b" pass). Other
    uncased scripts (Han, Hangul, Arabic, Thai, ...) always pass."""
    letters = [c for c in span if c.isalpha()]
    if letters and all(0x3040 <= ord(c) <= 0x309F for c in letters) and not any(c.isdigit() for c in span):
        return False
    cased = [c for c in letters if c.lower() != c.upper()]
    if not cased or any(c.isupper() for c in cased):
        return True
    digits = [w for w in span.split() if any(c.isdigit() for c in w)]  # "2ablak", "el 5aleeg": Arabic in
    return bool(digits) and not all(_arabizi(w) for w in digits)  # Latin letters, digits for its sounds


_ARABIZI = re.compile(r"(?:[a-z]*[235679](?![0-9]))+[a-z]*")
"""A lower-case Latin word with digits for Arabic sounds (2 hamza, 3 ain, 5 kha, 7 ha, 9 qaf, 6 ta),
each digit alone; ``_arabizi`` also wants three letters or more ("221b", "3rd" and "5th" have
digits in a row or too few letters)."""


def _arabizi(word: str) -> bool:
    return _ARABIZI.fullmatch(word) is not None and sum(c.isalpha() for c in word) >= 3


def _cuts_kana_word(text: str, start: int, end: int) -> bool:
    """True when [start, end) starts or ends inside a word of katakana ("スニー|カー"): the head's
    tokens split a loanword; a name in katakana is a word of its own ("マイケル", "スミス・ジョン")."""
    return (0 < start < len(text) and _katakana(text[start - 1]) and _katakana(text[start])) or (
        0 < end < len(text) and _katakana(text[end - 1]) and _katakana(text[end]))


def _katakana(c: str) -> bool:
    return 0x30A1 <= ord(c) <= 0x30FA or c == "ー" or 0xFF66 <= ord(c) <= 0xFF9F


def _is_spaced_letter(c: str) -> bool:
    """A letter of a script that separates words with spaces (not Han, kana, Hangul or Thai)."""
    if not c.isalnum():
        return False
    o = ord(c)
    return not (0x0E00 <= o <= 0x0E7F or 0x3040 <= o <= 0x30FF or 0x3400 <= o <= 0x9FFF
                or 0xAC00 <= o <= 0xD7AF or 0xF900 <= o <= 0xFAFF)


@dataclass
class TokenHead:
    """A BIO token classifier over encoder token states; ``spans(states, offsets, text)``."""

    tags: tuple[str, ...]
    weights: dict[str, np.ndarray]
    encoder: dict[str, Any]
    """``{"name", "dim", "sha256"}``: the encoder whose token states it was trained on."""
    thresholds: dict[str, float] = field(default_factory=dict)
    """Minimum span confidence per entity label (chosen on a validation split)."""
    provenance: dict[str, Any] = field(default_factory=dict)
    name: str = HEAD_NAME

    def __post_init__(self) -> None:
        missing = [k for k in _KEYS if k not in self.weights]
        if missing:
            raise ModelError(f"PII head {self.name!r} lacks weights {missing}")
        w = {k: np.ascontiguousarray(self.weights[k], dtype=np.float32) for k in _KEYS}
        d, h = w["W1"].shape
        if w["Wc"].shape != (d, h) or w["W2"].shape[0] != 3 * h or w["W3"].shape[1] != len(self.tags):
            raise ModelError(f"PII head {self.name!r}: weight shapes do not fit together")
        if self.tags[0] != "O" or any(t[:2] not in ("B-", "I-") for t in self.tags[1:]):
            raise ModelError(f"PII head {self.name!r}: tags must be 'O' then B-/I- tags")
        self.weights = w
        self.dim = d
        self.labels = tuple(dict.fromkeys(t[2:] for t in self.tags[1:]))
        self._begin = np.array([t.startswith("B-") for t in self.tags])
        self._label_of = [t[2:] if t != "O" else "" for t in self.tags]

    # -- files ---------------------------------------------------------------------------------

    @classmethod
    def load(cls, path: str | Path) -> TokenHead:
        """Read ``NAME.head.json`` and its ``.npz``; ModelIntegrityError when the weights' sha256
        differs from the one recorded, ModelError when a file is missing or malformed."""
        meta_path = Path(path)
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ModelError(f"no PII head at {meta_path}") from exc
        except ValueError as exc:
            raise ModelError(f"{meta_path} is not valid JSON: {exc}") from exc
        if meta.get("format_version") != FORMAT_VERSION or meta.get("kind") != "token_mlp":
            raise ModelError(f"{meta_path}: not a token_mlp head of format {FORMAT_VERSION}")
        npz = meta_path.with_name(meta["weights"]["file"])
        if not npz.is_file():
            raise ModelError(f"PII head weights {npz} are missing")
        digest = hashlib.sha256(npz.read_bytes()).hexdigest()
        if digest != meta["weights"].get("sha256"):
            raise ModelIntegrityError(f"{npz} does not match its sha256 in {meta_path.name}; reinstall the package")
        with np.load(npz) as data:
            weights = {k: data[k] for k in data.files}
        return cls(tags=tuple(meta["tags"]), weights=weights, encoder=dict(meta["encoder"]),
                   thresholds={k: float(v) for k, v in meta.get("thresholds", {}).items()},
                   provenance=dict(meta.get("provenance", {})), name=str(meta.get("name", HEAD_NAME)))

    def save(self, path: str | Path) -> Path:
        """Write ``NAME.head.json`` + ``NAME.head.npz`` (``path`` names the json); returns its path."""
        meta_path = Path(path)
        stem = meta_path.name.removesuffix(".head.json")
        npz = meta_path.with_name(f"{stem}.head.npz")
        meta_path.parent.mkdir(parents=True, exist_ok=True)
        with npz.open("wb") as fh:
            np.savez(fh, **{k: self.weights[k] for k in _KEYS})
        meta = {
            "format_version": FORMAT_VERSION, "name": stem, "kind": "token_mlp", "encoder": self.encoder,
            "tags": list(self.tags), "thresholds": self.thresholds, "provenance": self.provenance,
            "weights": {"file": npz.name, "sha256": hashlib.sha256(npz.read_bytes()).hexdigest()},
        }
        meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return meta_path

    # -- inference -----------------------------------------------------------------------------

    def probabilities(self, states: np.ndarray) -> np.ndarray:
        """Tag probabilities (n, k) for token states (n, dim)."""
        w = self.weights
        if states.shape[1] != self.dim:
            raise ModelError(f"PII head expects {self.dim}-dim token states, got {states.shape[1]}")
        n = len(states)
        z1 = _matmul(states, w["W1"])
        mean = np.add.reduce(states, 0)  # states.mean(0), as numpy computes it, without its Python layers
        np.true_divide(mean, np.intp(n), out=mean, casting="unsafe")
        z1 += mean @ w["Wc"] + w["b1"]
        np.maximum(z1, 0.0, out=z1)
        h = z1.shape[1]
        pad = np.zeros((n + 2, h), dtype=np.float32)
        pad[1:-1] = z1
        z2 = _matmul(np.concatenate((pad[:-2], z1, pad[2:]), axis=1), w["W2"])
        z2 += w["b2"]
        np.maximum(z2, 0.0, out=z2)
        logits = _matmul(z2, w["W3"])
        logits += w["b3"]
        logits -= logits.max(1, keepdims=True)
        np.exp(logits, out=logits)
        logits /= logits.sum(1, keepdims=True)
        return logits

    def spans(self, states: np.ndarray, offsets: np.ndarray, text: str,
              labels: Sequence[str] | None = None) -> list[tuple[int, int, str, float]]:
        """(start, end, label, confidence) of each entity; offsets index ``text``.

        Confidence is the mean probability of the span's tags; spans under the label's
        threshold are dropped, and spans are widened to whole words in spaced scripts.
        """
        if len(states) == 0:
            return []
        probs = self.probabilities(states)
        best = probs.argmax(1)
        tagged = np.flatnonzero(best)
        if tagged.size == 0:
            return []
        top = probs[tagged, best[tagged]].tolist()
        wanted = set(labels) if labels is not None else None
        out: list[tuple[int, int, str, float]] = []
        runs: list[tuple[str, int, int, list[float]]] = []  # label, start, end, tag probabilities
        prev_i = prev_end = -2
        for k, i in enumerate(tagged.tolist()):
            s, e = int(offsets[i][0]), int(offsets[i][1])
            if e <= s:
                continue
            tag = int(best[i])
            label = self._label_of[tag]
            if runs and runs[-1][0] == label and i == prev_i + 1 and (
                not self._begin[tag] or (s == prev_end and s > 0 and _is_spaced_letter(text[s - 1]))
            ):
                run = runs[-1]
                runs[-1] = (label, run[1], e, run[3] + [top[k]])
            else:
                runs.append((label, s, e, [top[k]]))
            prev_i, prev_end = i, e
        for label, start, end, scores in runs:
            if wanted is not None and label not in wanted:
                continue
            score = sum(scores) / len(scores)
            if score < self.thresholds.get(label, 0.5):
                continue
            span = self._tidy(text, start, end)
            if span is not None and _plausible(text[span[0]:span[1]]) and (
                    label in ("ADDRESS", "PHONE") or not _cuts_kana_word(text, *span)):
                out.append((span[0], span[1], label, round(score, 4)))
        return out

    @staticmethod
    def _tidy(text: str, start: int, end: int) -> tuple[int, int] | None:
        """Trim spaces and punctuation; widen to whole words of spaced scripts."""
        n = len(text)
        start, end = max(0, start), min(n, end)
        while start < end and text[start] in _TRIM:
            start += 1
        while end > start and text[end - 1] in _TRIM + ".":
            end -= 1
        if end <= start:
            return None
        while start > 0 and _is_spaced_letter(text[start - 1]) and _is_spaced_letter(text[start]):
            start -= 1
        while end < n and _is_spaced_letter(text[end]) and _is_spaced_letter(text[end - 1]):
            end += 1
        return start, end


_PHONE_TAIL = re.compile(r"[ .\-]\d{1,4}(?!\w|[.\-/]\d)")


_RUN = re.compile(r"\w+")


def _in_word(text: str, i: int) -> bool:
    """True when the digit ``text[i]`` is part of a word of a cased script: a cased letter stands
    right before it or in its run of word characters ("line1", "0f", "5h17"; not "番号は090")."""
    run = _RUN.match(text, i)
    word = (text[i - 1] if i else "") + (run.group() if run is not None else "")
    return any(c.lower() != c.upper() for c in word)


def head_phone(text: str, span: tuple[int, int, str, float]) -> tuple[int, int, str, float] | None:
    """A (start, end, label, score) span of the token head, its PHONE spans tidied: cut to the number
    (from ``+``, ``(`` or the first digit not inside a word to the last digit or ``)``, so "whatsapp 1
    212 555 0147" keeps the word "whatsapp", "line1\n020 7946 0000" the word "line1"), carried
    on over digit groups that follow ("5 5 5 8 6 7 5 3 0" + " 9", at most 15 digits), and None when
    the rest is no phone (``phone_like``). Other labels pass as given."""
    start, end, label, score = span
    if label != "PHONE":
        return span
    while start < end and not (text[start].isdigit() or text[start] in "+("):
        start += 1
    while start < end and text[start].isdigit() and _in_word(text, start):
        # "line1\n020 7946 0000", "lo7 0f 5h17": no number starts inside a word of a cased script
        while start < end and text[start].isalnum():
            start += 1
        while start < end and not (text[start].isdigit() or text[start] in "+("):
            start += 1
    while end > start and not (text[end - 1].isdigit() or text[end - 1] == ")"):
        end -= 1
    count = sum(c.isdigit() for c in text[start:end])
    while count < 15 and (m := _PHONE_TAIL.match(text, end)) is not None and count + len(m.group()) - 1 <= 15:
        count += len(m.group()) - 1
        end = m.end()
    return (start, end, label, score) if end > start and phone_like(text, start, end) else None
