"""The build-time subcommand ``guardrails train-head``.

Added through the ``register_commands`` hook of the ``offline`` plugin, which only the command
line registers. The command imports its heavy parts (numpy, scikit-learn) when it runs.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from guardrails.errors import GuardrailsError

__all__ = ["add_commands", "add_train_head_parser", "run_train_head"]


def add_commands(subparsers: Any) -> None:
    """Add ``train-head`` to the ``guardrails`` command."""
    add_train_head_parser(subparsers)


def add_train_head_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``train-head`` subcommand to an argparse subparsers object."""
    p = subparsers.add_parser(
        "train-head", help="train a custom classifier head on the shared encoder",
        description="Train a classifier head from JSONL lines {text, labels} (empty labels = negative).",
    )
    p.add_argument("data", help="JSONL file with 'text' and 'labels' on each line (or CSV/TSV with a header)")
    p.add_argument("--out", required=True, help="output path (writes OUT.head.json and OUT.head.npz)")
    p.add_argument("--encoder", default="default", help="registered encoder name (default: default)")
    p.add_argument("--kind", choices=("logistic", "mlp"), default="logistic")
    p.add_argument("--categories", default=None, help="comma-separated categories (default: all labels seen)")
    p.add_argument("--name", default=None, help="head name (default: the output file name)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=run_train_head)
    return p


def run_train_head(args: argparse.Namespace) -> int:
    """Run ``guardrails train-head``; prints a summary and returns an exit status."""
    from guardrails.offline.train import sklearn_modules
    from guardrails.offline.train_head import encoder_named, read_examples, train_head

    t0 = time.time()
    try:
        texts, labels = read_examples(args.data)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        sklearn_modules()
    except ImportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    name = args.name or out.name.split(".head.")[0]
    cats = [c.strip() for c in args.categories.split(",")] if args.categories else None
    try:
        head = train_head(texts, labels, encoder=encoder_named(args.encoder), encoder_name=args.encoder,
                          name=name, kind=args.kind, categories=cats, seed=args.seed)
    except (ValueError, GuardrailsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    path = head.save(out)
    print(f"wrote {path} ({len(texts)} examples, {time.time() - t0:.1f} s)")
    for c in head.categories:
        print(f"  {c:<24} recommended threshold {head.thresholds[c]:.3f}")
    print(f"use it: {{guard: head, config: {{path: {path}}}, thresholds: {{...}}}}")
    return 0
