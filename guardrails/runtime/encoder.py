"""OnnxEncoder: the shared encoder (windows, cache, token states, a pool of threads for batches).

One encoder pass serves every head: a text is tokenized once, cut into overlapping token windows
when it is long (guardrails.runtime.segments), and each window is embedded by ONE session run
(guardrails.runtime.session) that yields both its pooled vector and, when a token head needs
them, its token states. Both are cached per text, so a second guard, or the PII token head
after a classifier, costs a lookup. Batches spread their windows over a small pool of threads,
each run on one intra-op thread. See docs/runtime.md.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from guardrails._lru import CacheInfo, LRUCache
from guardrails.errors import ModelError
from guardrails.runtime.cache import Encoded, text_key
from guardrails.runtime.segments import (
    DEFAULT_TOKENS_PER_CALL,
    TokenBudget,
    Window,
    WindowPlan,
    select,
    window_starts,
)
from guardrails.runtime.session import MANIFEST, Model, read_manifest, verify_manifest

__all__ = ["MANIFEST", "POOL_ENV", "THREADS_ENV", "OnnxEncoder", "TokenStates", "verify_manifest"]

THREADS_ENV = "GUARDRAILS_ENCODER_THREADS"
"""Environment variable: intra-op threads of one run of the shipped encoders (default 1)."""
POOL_ENV = "GUARDRAILS_ENCODER_POOL"
"""Environment variable: threads a batch call spreads its windows over (default: CPUs, at most 4)."""

log = logging.getLogger("guardrails.runtime")


class TokenStates(NamedTuple):
    """The token states of one text: ``states`` (n, dim) float32 and ``offsets`` (n, 2) int32,
    the characters ``[start, end)`` of the text each token covers (read-only arrays)."""

    states: np.ndarray
    offsets: np.ndarray


def _default_pool(intra_op_threads: int) -> int:
    env = os.environ.get(POOL_ENV)
    if env:
        return max(1, int(env))
    return max(1, min(4, (os.cpu_count() or 1) // max(1, intra_op_threads)))


def _frozen(arr: np.ndarray) -> np.ndarray:
    arr.flags.writeable = False
    return arr


class OnnxEncoder:
    """A sentence encoder running an ONNX graph on the CPU; implements ``EncoderLike``.

    ``model_dir`` holds ``MANIFEST.json``, the ONNX graph and ``tokenizer.json`` (see
    guardrails.runtime.session). Nothing is loaded until the first call; the sha256 of every
    listed file is then checked (``verify=False`` skips it).

    Windows are ``window_tokens`` tokens long including [CLS], [SEP] and the tokenizer's prefix,
    their starts ``window_stride`` tokens apart. ``max_tokens_per_call`` bounds the tokens one
    text may cost (guardrails.runtime.segments.TokenBudget). ``intra_op_threads`` is
    onnxruntime's thread count for one run; ``pool_threads`` how many windows of a batch run at
    once (default ``$GUARDRAILS_ENCODER_POOL``, else the CPU count over ``intra_op_threads``, at
    most 4; 1 = the calling thread only). ``cache_size`` entries and ``cache_mb`` megabytes bound
    the cache (0: off).
    ``token_states``: keep token states in the cache (None: from the first ``encode_tokens``
    call on). Thread-safe.
    """

    def __init__(
        self,
        model_dir: str | Path,
        *,
        name: str | None = None,
        intra_op_threads: int = 1,
        pool_threads: int | None = None,
        cache_size: int = 4096,
        cache_mb: float = 48,
        window_tokens: int = 128,
        window_stride: int = 96,
        max_tokens_per_call: int = DEFAULT_TOKENS_PER_CALL,
        token_states: bool | None = None,
        verify: bool = True,
    ) -> None:
        self.model_dir = Path(model_dir)
        self.manifest: dict[str, Any] = read_manifest(self.model_dir)
        if window_tokens < 8 or not 0 < window_stride <= window_tokens - 2:
            raise ValueError("need window_tokens >= 8 and 0 < window_stride <= window_tokens - 2")
        self.name = name or str(self.manifest.get("name", self.model_dir.name))
        self.dim = int(self.manifest.get("dim", 0))
        self.similarity_space = bool(self.manifest.get("similarity", True))
        """Whether cosine similarity between its vectors means similar meaning (MANIFEST
        ``"similarity"``, default true). False for a classifier's fine-tuned encoder, such as the
        shipped one: the ``topic`` and ``relevance`` rules then refuse it when the Guard is built."""
        self.model_file = str(
            self.manifest.get("model")
            or next((f for f in self.manifest.get("files", {}) if f.endswith(".onnx")), "")
        )
        self.intra_op_threads = int(intra_op_threads)
        self.pool_threads = (max(1, int(pool_threads)) if pool_threads is not None
                             else _default_pool(self.intra_op_threads))
        self.window_tokens = int(window_tokens)
        self.window_stride = int(window_stride)
        self.budget = TokenBudget(max(int(max_tokens_per_call), self.window_tokens))
        self.verify = verify
        self._cache: LRUCache[Encoded] = LRUCache(cache_size, int(cache_mb * 2**20))
        self._keep_tokens = bool(token_states)
        self._lock = threading.Lock()
        self._model: Model | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._budget_cuts = 0

    @property
    def max_tokens_per_call(self) -> int:
        """The per-call token budget of one text."""
        return self.budget.max_tokens

    # -- loading ---------------------------------------------------------------------------

    def load(self) -> OnnxEncoder:
        """Verify the files and build the tokenizer and session now (otherwise on first use)."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    model = Model(self.model_dir, self.model_file, intra_op_threads=self.intra_op_threads,
                                  verify=self.verify, manifest=self.manifest)
                    self.dim = self.dim or model.dim
                    self._model = model
        return self

    @property
    def model(self) -> Model:
        """The loaded model (tokenizer, session, output names, prefix); loads on first use."""
        return self.load()._model  # type: ignore[return-value]

    @property
    def has_token_states(self) -> bool:
        """True when the graph gives token states (``encode_tokens`` works)."""
        return self.model.token_output is not None

    def close(self) -> None:
        """Stop the batch pool's threads (the encoder stays usable; a later batch starts them)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False)

    # -- planning --------------------------------------------------------------------------

    def _window_size(self) -> tuple[int, int]:
        size = self.window_tokens - self.model.overhead_tokens
        return size, min(self.window_stride, size)

    def _plan(self, text: str, first_only: bool = False) -> Encoded:
        model = self.model
        size, stride = self._window_size()
        pieces = [(0, min(len(text), size * 16))] if first_only else self.budget.char_pieces(len(text))
        windows: list[Window] = []
        ids: list[np.ndarray] = []
        offsets: list[np.ndarray] = []
        base = 0
        for c0, c1 in pieces:
            if text[c0:c1].isspace():  # a blank piece would be only the tokenizer's prefix tokens
                continue
            tok_ids, tok_offsets = model.tokens(text[c0:c1])
            n = len(tok_ids)
            if n == 0:
                continue
            id_arr = np.asarray(tok_ids, dtype=np.int32)
            off_arr = np.asarray(tok_offsets, dtype=np.int32).reshape(n, 2) + c0
            starts = [0] if first_only else window_starts(n, size, stride)
            for s in starts:
                e = min(s + size, n)
                windows.append(Window(base + s, base + e, int(off_arr[s, 0]), int(off_arr[e - 1, 1])))
                ids.append(id_arr[s:e])
                offsets.append(off_arr[s:e])
            base += n
            if first_only:
                break
        if not windows:  # empty or blank text: one window of [CLS] (prefix) [SEP]
            windows.append(Window(0, 0, 0, len(text)))
            ids.append(np.zeros(0, dtype=np.int32))
            offsets.append(np.zeros((0, 2), dtype=np.int32))
        keep = select(len(windows), self.budget.max_windows(self.window_tokens))
        covered = sum(e - s for s, e in pieces)
        plan = WindowPlan(
            windows=tuple(windows[i] for i in keep),
            n_tokens=base,
            complete=first_only or (covered == len(text) and len(keep) == len(windows)),
            chars_skipped=0 if first_only else len(text) - covered,
            windows_skipped=len(windows) - len(keep),
        )
        if not plan.complete:
            self._budget_cuts += 1
            log.debug("token budget: %d of %d windows kept, %d chars not read", len(keep),
                      len(windows), plan.chars_skipped)
        return Encoded(plan, [ids[i] for i in keep], [offsets[i] for i in keep], self.dim)

    def _entry(self, text: str, first_only: bool = False) -> Encoded:
        if not isinstance(text, str):
            raise TypeError(f"encoder input must be str, got {type(text).__name__}")
        key = text_key("t" if first_only else "w", text)
        entry = self._cache.get(key)
        if entry is None:
            entry = self._plan(text, first_only)
            self._cache.put(key, entry, entry.cost(self._keep_tokens))
        return entry

    def plan_windows(self, text: str) -> WindowPlan:
        """The windows ``embed_windows(text)`` embeds, with token and character offsets.

        Past the budget (``max_tokens_per_call`` tokens, or ``6 *`` that many characters) the plan
        keeps head, tail and evenly sampled middle windows and has ``complete=False``.
        """
        return self._entry(text).plan

    # -- running ---------------------------------------------------------------------------

    def _run_jobs(self, jobs: Sequence[tuple[Encoded, int]], tokens: bool) -> None:
        model = self.model
        for entry, i in jobs:
            pooled, states = model.run(entry.ids[i], tokens=tokens)
            entry.store(i, pooled, states)

    def _compute(self, jobs: list[tuple[Encoded, int]], tokens: bool) -> None:
        """Run the windows of ``jobs``, one window per session run, over the pool when several."""
        tokens = tokens or (self._keep_tokens and self.model.token_output is not None)
        k = min(self.pool_threads, len(jobs))
        if k <= 1:
            self._run_jobs(jobs, tokens)
            return
        jobs = sorted(jobs, key=lambda job: -len(job[0].ids[job[1]]))  # longest first, dealt round
        chunks = [jobs[j::k] for j in range(k)]
        pool = self._pool
        if pool is None:
            with self._lock:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(self.pool_threads - 1, thread_name_prefix="guardrails-encoder")
                pool = self._pool
        futures = [pool.submit(self._run_jobs, chunk, tokens) for chunk in chunks[1:]]
        try:
            self._run_jobs(chunks[0], tokens)
        finally:
            for future in futures:
                future.result()

    def _fill(self, entries: Sequence[Encoded], tokens: bool = False) -> None:
        jobs = [(e, i) for e in dict.fromkeys(entries) for i in e.missing(range(len(e.ids)), tokens)]
        if jobs:
            self._compute(jobs, tokens)

    # -- EncoderLike -------------------------------------------------------------------------

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised vector per text, shape (len(texts), dim), float32.

        A text longer than one window is truncated to its first window.
        """
        if isinstance(texts, str):
            raise TypeError("embed() takes a sequence of texts; use embed([text])")
        self.load()
        size, _ = self._window_size()
        entries = [self._entry(t, first_only=isinstance(t, str) and len(t) >= size) for t in texts]
        self._fill(entries)
        out = np.empty((len(entries), self.dim), dtype=np.float32)
        for row, entry in enumerate(entries):
            out[row] = entry.pooled[0]
        return out

    def embed_windows(self, text: str, windows: Sequence[int] | None = None) -> np.ndarray:
        """One vector per token window of ``text``, shape (n_windows, dim); read-only.

        ``windows`` (indices into ``plan_windows(text).windows``) computes and returns only those,
        in that order: a scan that stops early leaves the rest uncomputed (and cached for later).
        An empty text gives one window (the embedding of [CLS] [SEP]).
        """
        self.load()
        entry = self._entry(text)
        if windows is None:
            self._fill([entry])
            return entry.pooled
        idx = [int(i) for i in windows]
        todo = entry.missing(idx, False)
        if todo:
            self._compute([(entry, i) for i in dict.fromkeys(todo)], False)
        return _frozen(entry.pooled[idx])

    def embed_windows_batch(self, texts: Sequence[str]) -> list[np.ndarray]:
        """``embed_windows`` for many texts: their windows run over the pool of threads."""
        if isinstance(texts, str):
            raise TypeError("embed_windows_batch() takes a sequence of texts")
        self.load()
        entries = [self._entry(t) for t in texts]
        self._fill(entries)
        return [e.pooled for e in entries]

    # -- token states ----------------------------------------------------------------------

    def encode_tokens(self, text: str) -> TokenStates:
        """The states and character offsets of the tokens of ``text``, from the same runs (and
        cache entry) as its pooled window vectors.

        Where windows overlap, a token's state comes from the window in which it is farthest from
        the edges. Tokens dropped by the token budget are absent (the offsets say which remain).
        Raises ModelError when the graph has no token output.
        """
        return self.encode_tokens_batch([text])[0]

    def encode_tokens_batch(self, texts: Sequence[str]) -> list[TokenStates]:
        """``encode_tokens`` for many texts, their windows run over the pool of threads."""
        if isinstance(texts, str):
            raise TypeError("encode_tokens_batch() takes a sequence of texts")
        if not self.has_token_states:
            raise ModelError(f"encoder {self.name!r} has no token output (token_embeddings) in its graph")
        self._keep_tokens = True  # from now on every pass keeps its token states
        entries = [self._entry(t) for t in texts]
        self._fill(entries, tokens=True)
        return [self._stitch(e) for e in entries]

    def _stitch(self, entry: Encoded) -> TokenStates:
        wins = entry.plan.windows
        if len(wins) == 1:  # one window (a short text): its arrays as they are, no copy
            return TokenStates(_frozen(entry.states[0][:]), _frozen(entry.offsets[0][:]))  # type: ignore[index]
        lo = [w.start for w in wins]
        hi = [w.end for w in wins]
        for k in range(len(wins) - 1):
            if wins[k + 1].start < wins[k].end:  # overlapping windows: split the overlap halfway
                mid = (wins[k + 1].start + wins[k].end) // 2
                hi[k] = max(lo[k], mid)
                lo[k + 1] = hi[k]
        states, offsets = [], []
        for k, w in enumerate(wins):
            a, b = lo[k] - w.start, max(lo[k], hi[k]) - w.start
            states.append(entry.states[k][a:b])  # type: ignore[index]
            offsets.append(entry.offsets[k][a:b])
        return TokenStates(_frozen(np.concatenate(states)), _frozen(np.concatenate(offsets)))

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
            f"threads={self.intra_op_threads}, pool={self.pool_threads}, "
            f"window={self.window_tokens}/{self.window_stride})"
        )
