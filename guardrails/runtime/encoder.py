"""OnnxEncoder: the shared sentence encoder (tokenizer, ONNX session, cache, windows, batching).

One encoder serves every classifier head: a text is tokenized once, split into overlapping
token windows when long, each window embedded once (cached by text), and heads take the
maximum over windows. See docs/runtime.md.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from guardrails.errors import ModelError, ModelIntegrityError
from guardrails.runtime._files import sha256_file
from guardrails.runtime.cache import CacheInfo, LRUCache
from guardrails.runtime.windows import (
    Window,
    WindowPlan,
    char_pieces,
    select_windows,
    window_starts,
)

__all__ = ["MANIFEST", "THREADS_ENV", "OnnxEncoder", "verify_manifest"]

MANIFEST = "MANIFEST.json"
"""Name of the file listing a model folder's files with their sha256 and size."""
THREADS_ENV = "GUARDRAILS_ENCODER_THREADS"
"""Environment variable: intra-op threads of the shipped encoders (default 1)."""

log = logging.getLogger("guardrails.runtime")

_CHARS_PER_TOKEN = 6
"""Character budget per token of budget before a text is cut by characters (English: ~4.5)."""
_SHORT_KEY = 256
"""Texts up to this many characters are cache keys themselves; longer ones by blake2b digest."""


def verify_manifest(model_dir: Path, manifest: dict[str, Any]) -> None:
    """Raise ModelIntegrityError naming the first file whose sha256 or size is not as recorded."""
    files = manifest.get("files") or {}
    if not files:
        raise ModelIntegrityError(f"{model_dir / MANIFEST} lists no files")
    for name, meta in files.items():
        path = model_dir / name
        if not path.is_file():
            raise ModelIntegrityError(f"model file {path} is missing (listed in {MANIFEST})")
        size = path.stat().st_size
        if "bytes" in meta and size != meta["bytes"]:
            raise ModelIntegrityError(
                f"model file {path} has {size} bytes, {MANIFEST} records {meta['bytes']}"
            )
        digest = sha256_file(path)
        if digest != meta.get("sha256"):
            raise ModelIntegrityError(
                f"model file {path} does not match its sha256 in {MANIFEST} "
                f"(expected {meta.get('sha256')}, got {digest}); reinstall the package"
            )


def _clean(text: str) -> str:
    """``text`` with lone surrogates replaced, so the tokenizer accepts it."""
    return text.encode("utf-8", "replace").decode("utf-8")


class OnnxEncoder:
    """A sentence encoder running an ONNX graph on the CPU; implements ``EncoderLike``.

    ``model_dir`` holds ``MANIFEST.json`` (files with sha256, ``dim``, the model file name),
    the ONNX model and ``tokenizer.json``. Nothing is loaded until the first call; the sha256 of
    every listed file is then checked (``verify=False`` skips it).

    Windows are ``window_tokens`` tokens long including [CLS] and [SEP], their starts
    ``window_stride`` content tokens apart. ``max_tokens_per_call`` bounds the tokens one
    ``embed_windows`` call feeds to the model for one text (see ``plan_windows``).
    ``intra_op_threads`` is onnxruntime's thread count for one run (1 gives the lowest latency
    per query when requests run in parallel threads). ``batch_size`` is how many windows one
    session call runs: the shipped encoder quantises activations per call (dynamic int8), so a
    vector depends on the batch it ran in unless each window runs alone (the default, 1, which is
    also the fastest on the CPU: no padding); raise it only for a batch-invariant graph. Thread-safe.
    """

    def __init__(
        self,
        model_dir: str | Path,
        *,
        name: str | None = None,
        intra_op_threads: int = 1,
        cache_size: int = 4096,
        window_tokens: int = 128,
        window_stride: int = 96,
        max_tokens_per_call: int = 8192,
        batch_size: int = 1,
        verify: bool = True,
    ) -> None:
        self.model_dir = Path(model_dir)
        manifest_path = self.model_dir / MANIFEST
        try:
            self.manifest: dict[str, Any] = json.loads(manifest_path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ModelError(f"no {MANIFEST} in model folder {self.model_dir}") from exc
        except ValueError as exc:
            raise ModelError(f"{manifest_path} is not valid JSON: {exc}") from exc
        if window_tokens < 8 or not 0 < window_stride <= window_tokens - 2:
            raise ValueError("need window_tokens >= 8 and 0 < window_stride <= window_tokens - 2")
        self.name = name or str(self.manifest.get("name", self.model_dir.name))
        self.dim = int(self.manifest.get("dim", 0))
        self.model_file = str(
            self.manifest.get("model")
            or next((f for f in self.manifest.get("files", {}) if f.endswith(".onnx")), "")
        )
        self.intra_op_threads = int(intra_op_threads)
        self.window_tokens = int(window_tokens)
        self.window_stride = int(window_stride)
        self.max_tokens_per_call = max(int(max_tokens_per_call), self.window_tokens)
        self.batch_size = max(1, int(batch_size))
        self.verify = verify
        self._cache: LRUCache[np.ndarray] = LRUCache(cache_size)
        self._lock = threading.Lock()
        self._session: Any = None
        self._tokenizer: Any = None
        self._budget_cuts = 0

    # -- loading ---------------------------------------------------------------------------

    def load(self) -> OnnxEncoder:
        """Verify the files and build the tokenizer and session now (otherwise on first use)."""
        if self._session is None:
            with self._lock:
                if self._session is None:
                    self._load()
        return self

    def _load(self) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        if self.verify:
            verify_manifest(self.model_dir, self.manifest)
        model_path = self.model_dir / self.model_file
        tok_path = self.model_dir / "tokenizer.json"
        if not self.model_file or not model_path.is_file():
            raise ModelError(
                f"no ONNX model in {self.model_dir} (MANIFEST names {self.model_file!r})"
            )
        tok = Tokenizer.from_file(str(tok_path))
        tok.no_padding()
        tok.no_truncation()
        cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
        if cls_id is None or sep_id is None:
            raise ModelError(f"{tok_path} has no [CLS]/[SEP] tokens")
        self._cls: int = cls_id
        self._sep: int = sep_id
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = self.intra_op_threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.log_severity_level = 3
        try:
            sess = ort.InferenceSession(str(model_path), opts, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types
            raise ModelError(f"onnxruntime cannot load {model_path}: {exc}") from exc
        inputs = [i.name for i in sess.get_inputs()]
        known = {"input_ids", "attention_mask", "token_type_ids"}
        unknown = [n for n in inputs if n not in known]
        if unknown or "input_ids" not in inputs:
            raise ModelError(
                f"{model_path} declares inputs {inputs}; this encoder feeds only {sorted(known)} "
                "and needs input_ids"
            )
        self._inputs = tuple(inputs)
        self._output = sess.get_outputs()[0].name
        out_shape = sess.get_outputs()[0].shape
        self._pooled = len(out_shape) == 2
        if not self.dim and isinstance(out_shape[-1], int):
            self.dim = out_shape[-1]
        self._tokenizer = tok
        self._session = sess

    # -- tokens and windows ----------------------------------------------------------------

    def _tokens(self, text: str) -> Any:
        try:
            return self._tokenizer.encode(text, add_special_tokens=False)
        except Exception:  # lone surrogates and the like
            return self._tokenizer.encode(_clean(text), add_special_tokens=False)

    def _plan(self, text: str) -> tuple[WindowPlan, list[list[int]]]:
        size = self.window_tokens - 2
        max_windows = max(1, self.max_tokens_per_call // self.window_tokens)
        max_chars = self.max_tokens_per_call * _CHARS_PER_TOKEN
        windows: list[Window] = []
        ids: list[list[int]] = []
        n_tokens = 0
        pieces = char_pieces(len(text), max_chars)
        for c0, c1 in pieces:
            if text[c0:c1].isspace():  # a blank piece would be only the tokenizer's prefix tokens
                continue
            enc = self._tokens(text[c0:c1])
            tok_ids, offsets = enc.ids, enc.offsets
            n = len(tok_ids)
            n_tokens += n
            if n == 0:
                continue
            for s in window_starts(n, size, self.window_stride):
                e = min(s + size, n)
                windows.append(Window(s, e, c0 + offsets[s][0], c0 + offsets[e - 1][1]))
                ids.append(tok_ids[s:e])
        if not windows:  # empty or blank text: one window of [CLS] [SEP]
            windows.append(Window(0, 0, 0, len(text)))
            ids.append([])
        keep = select_windows(len(windows), max_windows)
        skipped_chars = len(text) - sum(e - s for s, e in pieces)
        plan = WindowPlan(
            windows=tuple(windows[i] for i in keep),
            n_tokens=n_tokens,
            complete=skipped_chars == 0 and len(keep) == len(windows),
            chars_skipped=skipped_chars,
            windows_skipped=len(windows) - len(keep),
        )
        return plan, [ids[i] for i in keep]

    def plan_windows(self, text: str) -> WindowPlan:
        """The windows ``embed_windows(text)`` embeds, with token and character offsets.

        Past the budget (``max_tokens_per_call`` tokens, or ``6 *`` that many characters) the plan
        keeps head, tail and evenly sampled middle windows and has ``complete=False``.
        """
        self.load()
        return self._plan(text)[0]

    # -- model -----------------------------------------------------------------------------

    def _run(self, seqs: list[list[int]]) -> np.ndarray:
        """Embed token id lists (content tokens, without [CLS]/[SEP]); batched by length."""
        out = np.empty((len(seqs), self.dim), dtype=np.float32)
        order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))
        for b0 in range(0, len(order), self.batch_size):
            idx = order[b0 : b0 + self.batch_size]
            width = len(seqs[idx[-1]]) + 2
            input_ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                n = len(seqs[i]) + 2
                input_ids[row, 0] = self._cls
                input_ids[row, 1 : n - 1] = seqs[i]
                input_ids[row, n - 1] = self._sep
                mask[row, :n] = 1
            feeds = {"input_ids": input_ids, "attention_mask": mask}
            if "token_type_ids" in self._inputs:
                feeds["token_type_ids"] = np.zeros_like(input_ids)
            result = self._session.run([self._output], {k: feeds[k] for k in self._inputs})[0]
            if not self._pooled:
                m = mask[:, :, None].astype(np.float32)
                result = (result * m).sum(1) / np.maximum(m.sum(1), 1e-9)
                result /= np.maximum(np.linalg.norm(result, axis=1, keepdims=True), 1e-12)
            out[idx] = result
        return out

    @staticmethod
    def _key(kind: str, text: str) -> Any:
        if len(text) <= _SHORT_KEY:
            return text if kind == "w" else (kind, text)
        return (
            kind,
            hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest(),
        )

    @staticmethod
    def _check(texts: Sequence[str]) -> None:
        for t in texts:
            if not isinstance(t, str):
                raise TypeError(f"encoder input must be str, got {type(t).__name__}")

    def _windows_many(self, texts: Sequence[str]) -> list[np.ndarray]:
        self._check(texts)
        self.load()
        results: list[np.ndarray | None] = []
        missing: dict[Any, list[int]] = {}
        for i, text in enumerate(texts):
            key = self._key("w", text)
            hit = self._cache.get(key)
            results.append(hit)
            if hit is None:
                missing.setdefault(key, []).append(i)
        if missing:
            seqs: list[list[int]] = []
            spans: list[tuple[Any, int, int]] = []
            for key, positions in missing.items():
                plan, ids = self._plan(texts[positions[0]])
                if not plan.complete:
                    self._budget_cuts += 1
                    log.debug(
                        "token budget: %d of %d windows kept, %d chars not read",
                        len(plan.windows),
                        len(plan.windows) + plan.windows_skipped,
                        plan.chars_skipped,
                    )
                spans.append((key, len(seqs), len(seqs) + len(ids)))
                seqs.extend(ids)
            vecs = self._run(seqs)
            for key, a, b in spans:
                arr = vecs[a:b].copy()
                arr.flags.writeable = False
                self._cache.put(key, arr)
                for i in missing[key]:
                    results[i] = arr
        return results  # type: ignore[return-value]

    # -- EncoderLike -------------------------------------------------------------------------

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised vector per text, shape (len(texts), dim).

        A text longer than one window is truncated to its first ``window_tokens`` tokens.
        """
        if isinstance(texts, str):
            raise TypeError("embed() takes a sequence of texts; use embed([text])")
        self._check(texts)
        self.load()
        size = self.window_tokens - 2
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        todo: dict[Any, list[int]] = {}
        for i, text in enumerate(texts):
            short = len(text) <= size  # at most one token per character: one window
            key = self._key("w", text) if short else self._key("t", text)
            hit = self._cache.get(key)
            if hit is not None:
                out[i] = hit[0]
            else:
                todo.setdefault(key, []).append(i)
        if todo:
            keys = list(todo)
            seqs = []
            for key in keys:
                text = texts[todo[key][0]]
                seqs.append(
                    self._tokens(text[: size * 16] if len(text) > size else text).ids[:size]
                )
            vecs = self._run(seqs)
            for key, vec in zip(keys, vecs, strict=True):
                arr = vec[None, :].copy()
                arr.flags.writeable = False
                self._cache.put(key, arr)
                out[todo[key]] = vec
        return out

    def embed_windows(self, text: str) -> np.ndarray:
        """One vector per overlapping token window of ``text``, shape (n_windows, dim).

        An empty text gives one window (the embedding of [CLS] [SEP]). The array is cached and
        read-only; copy it before changing it.
        """
        return self._windows_many([text])[0]

    def embed_windows_batch(self, texts: Sequence[str]) -> list[np.ndarray]:
        """``embed_windows`` for many texts: all their windows go through the model together."""
        if isinstance(texts, str):
            raise TypeError("embed_windows_batch() takes a sequence of texts")
        return self._windows_many(texts)

    # -- introspection -----------------------------------------------------------------------

    def cache_info(self) -> CacheInfo:
        """Embedding cache counters: hits, misses, size, maxsize."""
        return self._cache.info()

    def cache_clear(self) -> None:
        """Empty the embedding cache and reset its counters."""
        self._cache.clear()

    @property
    def fingerprint(self) -> str | None:
        """sha256 of the ONNX model file as MANIFEST.json records it: heads record it when trained
        and refuse to load against another encoder."""
        return (self.manifest.get("files", {}).get(self.model_file) or {}).get("sha256")

    @property
    def budget_cuts(self) -> int:
        """How many texts so far needed more than the token budget (windows sampled)."""
        return self._budget_cuts

    def __repr__(self) -> str:
        return (
            f"OnnxEncoder(name={self.name!r}, dim={self.dim}, model_dir={str(self.model_dir)!r}, "
            f"threads={self.intra_op_threads}, window={self.window_tokens}/{self.window_stride})"
        )
