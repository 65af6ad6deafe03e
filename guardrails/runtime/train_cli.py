"""``guardrails train-head DATA.jsonl --out HEAD``: train a custom classifier head for a team.

Each line of DATA.jsonl is ``{"text": ..., "labels": [...]}`` (an empty list is a negative
example). The texts are embedded in windows with a registered encoder (``default``: the shipped
int8 all-MiniLM-L6-v2), a head is fitted (logistic by default, needs the ``train`` extra:
scikit-learn), calibrated on a held-out fifth and saved as ``HEAD.head.json`` + ``HEAD.head.npz``
with a recommended threshold per category. Use it from a policy with the ``head`` guard::

    input:
      - guard: head
        id: refunds
        config: {path: ./refunds.head.json}
        thresholds: {refund_request: 0.6}
        action: escalate
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from guardrails.errors import GuardrailsError

__all__ = ["add_train_head_parser", "read_examples", "register_cli", "run_train_head", "train_head"]


def read_examples(path: str | Path) -> tuple[list[str], list[list[str]]]:
    """Texts and label lists from a JSONL file; raises ValueError naming the bad line."""
    texts: list[str] = []
    labels: list[list[str]] = []
    with Path(path).open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise ValueError(f"{path}:{n}: not JSON ({exc})") from exc
            if not isinstance(row, dict) or not isinstance(row.get("text"), str):
                raise ValueError(f"{path}:{n}: each line needs a string 'text'")
            labs = row.get("labels", [])
            if isinstance(labs, str):
                labs = [labs]
            if not isinstance(labs, list) or not all(isinstance(x, str) for x in labs):
                raise ValueError(f"{path}:{n}: 'labels' must be a list of category names")
            texts.append(row["text"])
            labels.append(labs)
    if not texts:
        raise ValueError(f"{path}: no examples")
    return texts, labels


def _encoder(name: str) -> Any:
    from guardrails.plugins import collect_encoders, get_plugin_manager

    factories = collect_encoders(get_plugin_manager())
    if name not in factories:
        available = ", ".join(sorted(factories)) or "none"
        raise GuardrailsError(f"no encoder named {name!r} is registered (available: {available})")
    return factories[name]()


def train_head(
    texts: Sequence[str],
    labels: Sequence[Sequence[str]],
    *,
    encoder: Any,
    encoder_name: str = "default",
    name: str = "head",
    kind: str = "logistic",
    categories: Sequence[str] | None = None,
    seed: int = 0,
) -> Any:
    """Embed ``texts`` in windows with ``encoder`` and fit a calibrated head (max over windows).

    Every window of a text carries the text's labels; the head scores a new text as the maximum
    over its windows, like the shipped heads.
    """
    from guardrails.runtime.train import fit_head

    cats = tuple(categories or sorted({c for labs in labels for c in labs}))
    if not cats:
        raise ValueError("no labelled (positive) examples: give some lines non-empty 'labels'")
    wins = encoder.embed_windows_batch(list(texts))
    owner = np.concatenate([np.full(len(w), i) for i, w in enumerate(wins)])
    x = np.concatenate([np.asarray(w, dtype=np.float32) for w in wins])
    win_labels = [[c for c in labels[i] if c in cats] for i in owner]
    counts = {c: sum(c in labs for labs in labels) for c in cats}
    head = fit_head(
        x, win_labels, cats, kind=kind, name=name, encoder=encoder_name, seed=seed,
        calibration_fraction=0.2 if len(texts) >= 40 else 0.0,
        provenance={"examples": len(texts), "windows": int(len(x)), "positives_per_category": counts,
                    "trained_with": "guardrails train-head"},
    )
    return head


def add_train_head_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``train-head`` subcommand to an argparse subparsers object."""
    p = subparsers.add_parser(
        "train-head", help="train a custom classifier head on the shared encoder",
        description="Train a classifier head from JSONL lines {text, labels} (empty labels = negative).",
    )
    p.add_argument("data", help="JSONL file with 'text' and 'labels' on each line")
    p.add_argument("--out", required=True, help="output path (writes OUT.head.json and OUT.head.npz)")
    p.add_argument("--encoder", default="default", help="registered encoder name (default: default)")
    p.add_argument("--kind", choices=("logistic", "mlp"), default="logistic")
    p.add_argument("--categories", default=None, help="comma-separated categories (default: all labels seen)")
    p.add_argument("--name", default=None, help="head name (default: the output file name)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=run_train_head)
    return p


def register_cli(subparsers: Any) -> None:
    """Hook for guardrails.cli: adds ``train-head``."""
    add_train_head_parser(subparsers)


def run_train_head(args: argparse.Namespace) -> int:
    """Run ``guardrails train-head``; prints a summary and returns an exit status."""
    t0 = time.time()
    try:
        texts, labels = read_examples(args.data)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        from guardrails.runtime.train import _sklearn

        _sklearn()
    except ImportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    name = args.name or out.name.split(".head.")[0]
    cats = [c.strip() for c in args.categories.split(",")] if args.categories else None
    try:
        head = train_head(texts, labels, encoder=_encoder(args.encoder), encoder_name=args.encoder,
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
