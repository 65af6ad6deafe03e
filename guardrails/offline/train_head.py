"""``guardrails train-head DATA.jsonl --out HEAD``: train a custom classifier head for a team.

Each line of DATA.jsonl is ``{"text": ..., "labels": [...]}`` (an empty list is a negative
example), read by the same labelled-data reader as ``guardrails eval`` (guardrails.ops.data:
CSV/TSV work too, labels are lower-cased). The texts are embedded in windows with a registered encoder (``default``: the shipped
int8 multilingual encoder), a head is fitted (logistic by default, needs the ``train`` extra:
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

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from guardrails.errors import DataError, GuardrailsError

__all__ = ["encoder_named", "read_examples", "train_head"]


def read_examples(path: str | Path) -> tuple[list[str], list[list[str]]]:
    """Texts and label lists of a labelled data file; raises DataError naming the bad line."""
    from guardrails.ops.data import load_examples

    examples = load_examples(path)
    if not examples:
        raise DataError(f"{path}: no examples")
    return [e.text for e in examples], [list(e.labels) for e in examples]


def encoder_named(name: str) -> Any:
    """The encoder a plugin registers under ``name``, built now."""
    from guardrails.plugins import collect_encoders, get_plugin_manager

    factories = collect_encoders(get_plugin_manager())
    if name not in factories:
        available = ", ".join(sorted(factories)) or "none"
        raise GuardrailsError(f"no encoder named {name!r} is registered (available: {available})")
    return factories[name]()


def _encoder_provenance(encoder: Any) -> dict[str, str]:
    """The encoder's model sha256 (from its MANIFEST), so loading the head against another
    encoder fails with a clear error instead of scoring garbage."""
    sha = getattr(encoder, "fingerprint", None)
    return {"encoder_sha256": sha} if sha else {}


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
    from guardrails.offline.train import fit_head

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
                    "trained_with": "guardrails train-head", **_encoder_provenance(encoder)},
    )
    return head
