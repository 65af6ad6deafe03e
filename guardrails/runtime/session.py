"""One loaded encoder model: its files checked, the tokenizer, the ONNX session, one window per run.

A model folder holds ``MANIFEST.json`` (files with sha256 and size, ``dim``, the model file
name), the ONNX graph and ``tokenizer.json``. The graph's outputs are used by name:
``sentence_embedding`` (batch, dim), the pooled, L2-normalised vector, and ``token_embeddings``
(batch, seq, dim), the token states for token heads; a graph with only a 3-D output is
mean-pooled here. Only the inputs the graph declares are fed (``input_ids``, ``attention_mask``
and ``token_type_ids`` as zeros).

Every run embeds exactly one window: dynamically quantized graphs compute activation scales per
call, so a window's vector would depend on the other windows of a padded batch. One window per
call makes a text's vectors the same whichever call, batch or thread computes them.

A tokenizer whose normaliser prepends a prefix (e5's ``"query: "``) yields the prefix's tokens
at the start of every encoding; they are recognised once at load (:attr:`Model.prefix`), cut
from the text's tokens and put back at the start of every window, so each window looks like the
texts the model was trained on.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from guardrails.errors import ModelError, ModelIntegrityError
from guardrails.runtime._files import sha256_file

__all__ = ["MANIFEST", "POOLED_OUTPUT", "TOKEN_OUTPUT", "Model", "read_manifest", "verify_manifest"]

MANIFEST = "MANIFEST.json"
"""Name of the file listing a model folder's files with their sha256 and size."""
POOLED_OUTPUT = "sentence_embedding"
"""The graph output holding one pooled, L2-normalised vector per sequence: (batch, dim)."""
TOKEN_OUTPUT = "token_embeddings"
"""The graph output holding the token states: (batch, seq, dim)."""

log = logging.getLogger("guardrails.runtime")

_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def read_manifest(model_dir: Path) -> dict[str, Any]:
    """The parsed ``MANIFEST.json`` of ``model_dir``; ModelError naming the file when absent or bad."""
    path = model_dir / MANIFEST
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError as exc:
        raise ModelError(f"no {MANIFEST} in model folder {model_dir}") from exc
    except (ValueError, TypeError) as exc:
        raise ModelError(f"{path} is not valid JSON: {exc}") from exc


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


def _prepends(normalizer: Any) -> bool:
    """True when the tokenizer's normaliser (or one in its Sequence) is a Prepend."""
    if normalizer is None:
        return False
    try:
        state = json.loads(normalizer.__getstate__())
    except Exception:  # an exotic normaliser without a JSON state: assume no prefix
        return False
    todo = [state]
    while todo:
        node = todo.pop()
        if node.get("type") == "Prepend":
            return True
        todo.extend(n for n in node.get("normalizers") or () if isinstance(n, dict))
    return False


class Model:
    """The files of one model folder, loaded: tokenizer, ONNX session, output names, prefix.

    Built by :class:`~guardrails.runtime.OnnxEncoder` on first use; thread-safe (onnxruntime
    sessions run concurrently; the tokenizer is read-only).
    """

    def __init__(
        self, model_dir: Path, model_file: str, *, intra_op_threads: int = 1, verify: bool = True,
        manifest: dict[str, Any] | None = None,
    ) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        manifest = manifest if manifest is not None else read_manifest(model_dir)
        if verify:
            verify_manifest(model_dir, manifest)
        model_path = model_dir / model_file
        tok_path = model_dir / "tokenizer.json"
        if not model_file or not model_path.is_file():
            raise ModelError(f"no ONNX model in {model_dir} (MANIFEST names {model_file!r})")
        try:
            tok = Tokenizer.from_file(str(tok_path))
        except Exception as exc:
            raise ModelError(f"cannot load the tokenizer {tok_path}: {exc}") from exc
        tok.no_padding()
        tok.no_truncation()
        cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
        if cls_id is None or sep_id is None:
            raise ModelError(f"{tok_path} has no [CLS]/[SEP] tokens")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = int(intra_op_threads)
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.log_severity_level = 3
        try:
            sess = ort.InferenceSession(str(model_path), opts, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types
            raise ModelError(f"onnxruntime cannot load {model_path}: {exc}") from exc
        inputs = tuple(i.name for i in sess.get_inputs())
        unknown = [n for n in inputs if n not in _INPUTS]
        if unknown or "input_ids" not in inputs:
            raise ModelError(
                f"{model_path} declares inputs {list(inputs)}; this encoder feeds only "
                f"{sorted(_INPUTS)} and needs input_ids"
            )
        outputs = {o.name: o.shape for o in sess.get_outputs()}
        pooled = POOLED_OUTPUT if POOLED_OUTPUT in outputs else next(
            (n for n, s in outputs.items() if len(s) == 2), None
        )
        token = TOKEN_OUTPUT if TOKEN_OUTPUT in outputs else next(
            (n for n, s in outputs.items() if len(s) == 3), None
        )
        if pooled is None and token is None:
            raise ModelError(
                f"{model_path} has outputs {outputs}; need {POOLED_OUTPUT!r} (batch, dim) "
                f"or {TOKEN_OUTPUT!r} (batch, seq, dim)"
            )
        dim = outputs[pooled or token][-1]  # type: ignore[index]
        self.dim: int = int(manifest.get("dim") or (dim if isinstance(dim, int) else 0))
        self.inputs = inputs
        self.pooled_output: str | None = pooled
        """The graph output read for pooled vectors (None: mean-pooled from the token output)."""
        self.token_output: str | None = token
        """The graph output read for token states (None: this model gives none)."""
        self.cls, self.sep = int(cls_id), int(sep_id)
        self.tokenizer = tok
        self.session = sess
        self.prefix: tuple[int, ...] = self._find_prefix()
        """Token ids the normaliser puts before every text (e5's ``query: ``); () for none."""

    def _find_prefix(self) -> tuple[int, ...]:
        if not _prepends(self.tokenizer.normalizer):
            return ()
        probes = [self.tokenizer.encode(p, add_special_tokens=False).ids for p in ("a", "7", "Z", "é")]
        common = 0
        while all(len(p) > common for p in probes) and len({p[common] for p in probes}) == 1:
            common += 1
        return tuple(probes[0][:common])

    # -- tokens ----------------------------------------------------------------------------

    def tokens(self, text: str) -> tuple[list[int], list[tuple[int, int]]]:
        """Content token ids of ``text`` and their character offsets (no specials, no prefix)."""
        try:
            enc = self.tokenizer.encode(text, add_special_tokens=False)
        except Exception:  # lone surrogates and the like
            enc = self.tokenizer.encode(_clean(text), add_special_tokens=False)
        ids, offsets = enc.ids, enc.offsets
        p = len(self.prefix)
        if p and tuple(ids[:p]) == self.prefix:
            ids, offsets = ids[p:], offsets[p:]
        return ids, offsets

    @property
    def overhead_tokens(self) -> int:
        """Tokens every window carries besides the text's own: [CLS], [SEP] and the prefix."""
        return 2 + len(self.prefix)

    # -- one window ------------------------------------------------------------------------

    def run(self, ids: Sequence[int], *, tokens: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """Embed one window of content token ids: [CLS] + prefix + ids + [SEP], one session run.

        Returns the pooled vector (dim,) and, when ``tokens``, the states of the content tokens
        (len(ids), dim); float32. ModelError when ``tokens`` is asked of a graph without a token
        output.
        """
        p = len(self.prefix)
        n = len(ids) + 2 + p
        input_ids = np.empty((1, n), dtype=np.int64)
        input_ids[0, 0] = self.cls
        if p:
            input_ids[0, 1 : 1 + p] = self.prefix
        input_ids[0, 1 + p : n - 1] = ids
        input_ids[0, n - 1] = self.sep
        feeds = {"input_ids": input_ids}
        if "attention_mask" in self.inputs:
            feeds["attention_mask"] = np.ones_like(input_ids)
        if "token_type_ids" in self.inputs:
            feeds["token_type_ids"] = np.zeros_like(input_ids)
        if tokens and self.token_output is None:
            raise ModelError("this encoder's graph has no token output (token_embeddings)")
        names = [self.pooled_output] if self.pooled_output else []
        if tokens or self.pooled_output is None:
            names.append(self.token_output)  # type: ignore[arg-type]
        out = self.session.run(names, feeds)
        if self.pooled_output is not None:
            pooled = np.asarray(out[0][0], dtype=np.float32)
        else:
            pooled = np.asarray(out[-1][0], dtype=np.float32).mean(0)
            pooled /= max(float(np.linalg.norm(pooled)), 1e-12)
        states = np.asarray(out[-1][0, 1 + p : n - 1], dtype=np.float32) if tokens else None
        return pooled, states
