"""Token states of an encoder folder, computed the way the runtime computes them.

When the runtime's ``OnnxEncoder`` offers ``encode_tokens`` (the same pass and cache as the pooled
vector), training reads states through it, so the head sees exactly what it will see in
production. Until then ``FolderTokens`` runs the folder's ONNX graph itself with the runtime's
conventions: the tokenizer's ids without special tokens, wrapped in [CLS] ... [SEP], one window
(<= ``window_tokens``) per ``session.run`` call (dynamic int8 quantisation makes a padded batch
change the numbers), the ``token_embeddings`` output minus its [CLS]/[SEP] rows.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["FolderTokens", "encoder_for", "model_sha256"]


def model_sha256(folder: Path) -> str:
    """The sha256 of the folder's ONNX model as its MANIFEST records it."""
    manifest = json.loads((folder / "MANIFEST.json").read_text(encoding="utf-8"))
    model = manifest.get("model") or next(f for f in manifest["files"] if f.endswith(".onnx"))
    return str(manifest["files"][model]["sha256"])


class FolderTokens:
    """``encode_tokens(text) -> (states (n, dim), offsets (n, 2))`` over an encoder folder.

    Long texts are cut into consecutive windows of ``window_tokens - 2`` tokens. Carries the
    folder's ``manifest`` (so the guard's fingerprint check sees the same model) and caches
    results by text.
    """

    def __init__(self, folder: str | Path, *, window_tokens: int = 128, threads: int = 1, cache: int = 4096) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.folder = Path(folder)
        self.manifest: dict[str, Any] = json.loads((self.folder / "MANIFEST.json").read_text(encoding="utf-8"))
        self.model_file = str(self.manifest.get("model") or next(f for f in self.manifest["files"] if f.endswith(".onnx")))
        self.name = str(self.manifest.get("name", "default"))
        self.dim = int(self.manifest.get("dim", 384))
        tok = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
        tok.no_padding()
        tok.no_truncation()
        self.tokenizer = tok
        self.cls, self.sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        self.session = ort.InferenceSession(str(self.folder / self.model_file), opts, providers=["CPUExecutionProvider"])
        outputs = [o.name for o in self.session.get_outputs()]
        if "token_embeddings" not in outputs:
            raise SystemExit(f"{self.folder} has no token_embeddings output (outputs: {outputs}); "
                             "the PII head needs an encoder that exposes token states")
        self.inputs = [i.name for i in self.session.get_inputs()]
        self.window = window_tokens - 2
        self._cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._cache_size = cache

    def prefix_tokens(self) -> int:
        """How many tokens the tokenizer puts before any text (e5's ``query:`` prefix)."""
        enc = self.tokenizer.encode("z", add_special_tokens=False)
        return next((i for i, t in enumerate(enc.tokens) if "z" in t), 0)

    def ids_offsets(self, text: str) -> tuple[list[int], list[tuple[int, int]]]:
        """Token ids and character offsets (no special tokens)."""
        enc = self.tokenizer.encode(text, add_special_tokens=False)
        return enc.ids, enc.offsets

    def run(self, ids: list[int]) -> np.ndarray:
        """Token states (len(ids), dim) of one window of content ids."""
        full = np.array([[self.cls, *ids, self.sep]], dtype=np.int64)
        feeds = {"input_ids": full, "attention_mask": np.ones_like(full)}
        if "token_type_ids" in self.inputs:
            feeds["token_type_ids"] = np.zeros_like(full)
        out = self.session.run(["token_embeddings"], {k: feeds[k] for k in self.inputs})[0]
        return out[0, 1:-1].astype(np.float32)

    def encode_tokens(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(states (n, dim) float32, offsets (n, 2) int64) of ``text``."""
        hit = self._cache.get(text)
        if hit is not None:
            return hit
        ids, offsets = self.ids_offsets(text)
        if not ids:
            result = (np.zeros((0, self.dim), np.float32), np.zeros((0, 2), np.int64))
        else:
            parts = [self.run(ids[i : i + self.window]) for i in range(0, len(ids), self.window)]
            result = (np.concatenate(parts), np.array(offsets, dtype=np.int64))
        if len(self._cache) >= self._cache_size:
            self._cache.clear()
        self._cache[text] = result
        return result


def encoder_for(folder: str | Path) -> Any:
    """The runtime's own encoder over ``folder`` when it exposes token states, else FolderTokens."""
    try:
        from guardrails.runtime import OnnxEncoder

        enc = OnnxEncoder(folder, name="default")
        if callable(getattr(enc, "encode_tokens", None)):
            return enc
    except Exception:  # the runtime cannot read this folder: fall back to our own reader
        pass
    return FolderTokens(folder)
