"""A DeBERTa-v3-base-shaped encoder with RANDOM weights, as fp32 ONNX, for timing comparisons only.

Popular guard products run one such transformer per scanner (e.g. a fine-tuned
deberta-v3-base for prompt injection). We cannot ship or download those weights, and timing
does not depend on their values, so this module builds a graph of the same shape from numpy
random weights with the ``onnx`` helper API: 12 layers, hidden 768, 12 heads, FFN 3072,
vocabulary 128,100, disentangled attention (content-to-position and position-to-content over
512 log-bucketed relative positions, shared keys, as in DeBERTa-v3), a pooler and a 2-class
head. The projections of the relative embeddings do not depend on the input; they are folded
into constants at build time (what an optimised export does), so the peer is timed at its best. Its outputs are meaningless: RANDOM WEIGHTS, TIMING ONLY.

The file (about 740 MB) is cached under ``.cache/peer/`` (gitignored) and rebuilt when absent.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("GUARDRAILS_BENCH_CACHE", REPO / ".cache")) / "peer"
LABEL = "DeBERTa-v3-base-shaped fp32 ONNX, RANDOM weights (timing only)"

VOCAB = 128_100
HIDDEN = 768
LAYERS = 12
HEADS = 12
FFN = 3072
MAX_POSITION = 512
BUCKETS = 256  # position_buckets: att_span = 256, 512 relative embeddings
MAX_TOKENS = 512
VERSION = 2


def backbone_params() -> int:
    """Parameters of the encoder layers and relative embeddings (the word embeddings excluded)."""
    per_layer = 4 * (HIDDEN * HIDDEN + HIDDEN) + 2 * HIDDEN * FFN + FFN + HIDDEN + 4 * HIDDEN
    return LAYERS * per_layer + 2 * BUCKETS * HIDDEN + 2 * HIDDEN


def model_path() -> Path:
    """Where the cached model lives."""
    return CACHE / f"deberta-v3-base-shaped-random-fp32-v{VERSION}.onnx"


def build(path: Path | None = None, seed: int = 0) -> Path:
    """Write the random-weight model to ``path`` (default: the cache) unless it is already there."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    path = path or model_path()
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    inits: list[Any] = []
    nodes: list[Any] = []
    counter = [0]

    def w(name: str, *shape: int, std: float = 0.02) -> str:
        inits.append(numpy_helper.from_array((rng.standard_normal(shape, dtype=np.float32) * std), name))
        return name

    def const(name: str, value: Any, dtype: Any = np.float32) -> str:
        inits.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def node(op: str, inputs: list[str], **attrs: Any) -> str:
        counter[0] += 1
        out = f"{op.lower()}_{counter[0]}"
        nodes.append(helper.make_node(op, inputs, [out], **attrs))
        return out

    def layer_norm(x: str, prefix: str) -> str:
        scale = const(f"{prefix}.ln.w", np.ones(HIDDEN))
        bias = const(f"{prefix}.ln.b", np.zeros(HIDDEN))
        return node("LayerNormalization", [x, scale, bias], axis=-1, epsilon=1e-7)

    def dense(x: str, prefix: str, n_in: int, n_out: int) -> str:
        y = node("MatMul", [x, w(f"{prefix}.w", n_in, n_out)])
        return node("Add", [y, const(f"{prefix}.b", np.zeros(n_out))])

    head_dim = HIDDEN // HEADS
    span = BUCKETS
    scale = math.sqrt(head_dim * 3)  # 1 + len(["c2p", "p2c"])

    # shapes and the relative-position index (log buckets, as make_log_bucket_position)
    shape_ids = node("Shape", ["input_ids"])
    batch = node("Gather", [shape_ids, const("i0", 0, np.int64)], axis=0)
    seq = node("Gather", [shape_ids, const("i1", 1, np.int64)], axis=0)
    positions = node("Range", [const("zero64", 0, np.int64), seq, const("one64", 1, np.int64)])
    rel = node(
        "Sub",
        [node("Unsqueeze", [positions, const("ax1", [1], np.int64)]),
         node("Unsqueeze", [positions, const("ax0", [0], np.int64)])],
    )
    relf = node("Cast", [rel], to=TensorProto.FLOAT)
    mid = BUCKETS // 2
    absf = node("Abs", [relf])
    inside = node("Less", [absf, const("midf", float(mid))])
    abs_pos = node("Where", [inside, const("midm1", float(mid - 1)), absf])
    log_pos = node(
        "Add",
        [node("Ceil", [node("Mul", [
            node("Div", [node("Log", [node("Div", [abs_pos, const("midf2", float(mid))])]),
                         const("logmax", math.log((MAX_POSITION - 1) / mid))]),
            const("midm1b", float(mid - 1))])]),
         const("midf3", float(mid))],
    )
    bucket_f = node("Where", [node("LessOrEqual", [absf, const("midf4", float(mid))]), relf,
                              node("Mul", [log_pos, node("Sign", [relf])])])
    bucket = node("Cast", [bucket_f], to=TensorProto.INT64)
    lo, hi = const("lo", 0, np.int64), const("hi", 2 * span - 1, np.int64)
    c2p_idx2 = node("Clip", [node("Add", [bucket, const("span", span, np.int64)]), lo, hi])
    p2c_idx2 = node("Clip", [node("Add", [node("Neg", [bucket]), const("span2", span, np.int64)]), lo, hi])
    heads64 = const("heads", [HEADS], np.int64)
    seq1 = node("Unsqueeze", [seq, const("ax0b", [0], np.int64)])
    batch1 = node("Unsqueeze", [batch, const("ax0c", [0], np.int64)])
    idx_shape = node("Concat", [batch1, heads64, seq1, seq1], axis=0)
    c2p_idx = node("Expand", [c2p_idx2, idx_shape])
    p2c_idx = node("Expand", [p2c_idx2, idx_shape])

    # embeddings (DeBERTa-v3: no absolute positions) and the additive attention mask
    emb = node("Gather", [w("word_embeddings", VOCAB, HIDDEN), "input_ids"], axis=0)
    emb = layer_norm(emb, "embeddings")
    maskf = node("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    x = node("Mul", [emb, node("Unsqueeze", [maskf, const("ax2", [2], np.int64)])])
    ext = node("Unsqueeze", [maskf, const("ax12", [1, 2], np.int64)])
    add_mask = node("Mul", [node("Sub", [const("onef", 1.0), ext]), const("neg", -1e4)])
    rel = rng.standard_normal((2 * span, HIDDEN), dtype=np.float32) * 0.02
    rel_ln = (rel - rel.mean(-1, keepdims=True)) / np.sqrt(rel.var(-1, keepdims=True) + 1e-7)
    weights = {t.name: t for t in inits}

    def folded(name: str, proj: str) -> str:
        """[H, d, 2span] = LayerNorm(rel_embeddings) @ W (+ zero bias), split by head."""
        projected = rel_ln @ numpy_helper.to_array(weights[proj])
        return const(name, projected.reshape(2 * span, HEADS, head_dim).transpose(1, 2, 0))

    def split_heads(t: str) -> str:  # [B,S,768] -> [B,H,S,d]
        r = node("Reshape", [t, const(f"shp{counter[0]}", [0, -1, HEADS, head_dim], np.int64)])
        return node("Transpose", [r], perm=[0, 2, 1, 3])

    for i in range(LAYERS):
        p = f"layer{i}"
        wq, wk = w(f"{p}.q.w", HIDDEN, HIDDEN), w(f"{p}.k.w", HIDDEN, HIDDEN)
        weights[wq], weights[wk] = inits[-2], inits[-1]
        bq, bk = const(f"{p}.q.b", np.zeros(HIDDEN)), const(f"{p}.k.b", np.zeros(HIDDEN))
        q = split_heads(node("Add", [node("MatMul", [x, wq]), bq]))
        k = split_heads(node("Add", [node("MatMul", [x, wk]), bk]))
        v = split_heads(dense(x, f"{p}.v", HIDDEN, HIDDEN))
        pos_q = folded(f"{p}.pos_q", wq)  # share_att_key: the query/key projections of the
        pos_k = folded(f"{p}.pos_k", wk)  # relative embeddings, constant-folded at build time
        scores = node("MatMul", [q, node("Transpose", [k], perm=[0, 1, 3, 2])])
        c2p = node("GatherElements", [node("MatMul", [q, pos_k]), c2p_idx], axis=3)
        p2c = node("Transpose", [node("GatherElements", [node("MatMul", [k, pos_q]), p2c_idx], axis=3)],
                   perm=[0, 1, 3, 2])
        total = node("Div", [node("Add", [node("Add", [scores, c2p]), p2c]), const(f"{p}.scale", scale)])
        probs = node("Softmax", [node("Add", [total, add_mask])], axis=-1)
        ctx = node("Transpose", [node("MatMul", [probs, v])], perm=[0, 2, 1, 3])
        ctx = node("Reshape", [ctx, const(f"{p}.merge", [0, -1, HIDDEN], np.int64)])
        x = layer_norm(node("Add", [dense(ctx, f"{p}.o", HIDDEN, HIDDEN), x]), f"{p}.attn")
        h = _gelu(dense(x, f"{p}.ffn1", HIDDEN, FFN), node, const, f"{p}.gelu")
        x = layer_norm(node("Add", [dense(h, f"{p}.ffn2", FFN, HIDDEN), x]), f"{p}.out")

    first = node("Gather", [x, const("tok0", 0, np.int64)], axis=1)
    pooled = _gelu(dense(first, "pooler", HIDDEN, HIDDEN), node, const, "pooler.gelu")
    logits = dense(pooled, "classifier", HIDDEN, 2)
    nodes.append(helper.make_node("Softmax", [logits], ["probs"], axis=-1))

    graph = helper.make_graph(
        nodes,
        "deberta_v3_base_shaped_random",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["batch", 2])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="tako-guardrails benchmarks (random weights)")
    model.doc_string = LABEL
    tmp = path.with_suffix(".tmp")
    onnx.save(model, str(tmp))
    tmp.replace(path)
    return path


def _gelu(x: str, node: Any, const: Any, prefix: str) -> str:
    """Exact GELU from primitive ops (ORT fuses the pattern): 0.5 x (1 + erf(x / sqrt 2))."""
    erf = node("Erf", [node("Div", [x, const(f"{prefix}.sqrt2", math.sqrt(2.0))])])
    return node("Mul", [node("Mul", [x, const(f"{prefix}.half", 0.5)]),
                        node("Add", [erf, const(f"{prefix}.one", 1.0)])])


class PeerScanner:
    """Runs the peer-shaped model like a peer scanner: tokenize, truncate or chunk at 512, classify."""

    def __init__(self, path: Path, tokenizer_file: Path, threads: int | None = 1) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads:  # 1 by default: the same as our encoder's default, so one request = one core
            opts.intra_op_num_threads = threads
            opts.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()

    def _run(self, windows: list[list[int]]) -> np.ndarray:
        width = max(len(w) for w in windows)
        ids = np.zeros((len(windows), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, window in enumerate(windows):
            ids[row, : len(window)] = np.asarray(window, dtype=np.int64) % VOCAB
            mask[row, : len(window)] = 1
        return self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]

    def scan(self, text: str) -> float:
        """Score one text: chunks of 512 tokens (the way peers handle long input), max over chunks."""
        ids = self.tokenizer.encode(text).ids
        windows = [ids[i : i + MAX_TOKENS] for i in range(0, max(len(ids), 1), MAX_TOKENS)]
        return float(self._run(windows)[:, 1].max())

    def scan_batch(self, texts: list[str]) -> list[float]:
        """Score many short texts in one padded batch (each truncated at 512 tokens)."""
        windows = [e.ids[:MAX_TOKENS] for e in self.tokenizer.encode_batch(texts)]
        return [float(s) for s in self._run(windows)[:, 1]]
