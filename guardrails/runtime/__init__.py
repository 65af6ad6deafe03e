"""The ONNX runtime: the shared encoder, how texts become segments and windows, classifier heads.

``default_encoder()`` is the shipped int8 multilingual encoder (the first layers of
multilingual-e5-small, fine-tuned on every guard category at once), registered as encoder ``"default"``
through the ``register_encoders`` hook (this module is a builtin plugin). Nothing is loaded at
import time.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from guardrails._lru import CacheInfo
from guardrails.hookspecs import hookimpl
from guardrails.runtime.encoder import POOL_ENV, THREADS_ENV, OnnxEncoder, TokenStates
from guardrails.runtime.heads import Head
from guardrails.runtime.segments import (
    Segment,
    TokenBudget,
    Window,
    WindowPlan,
    sentence_groups,
    token_budget,
)

__all__ = [
    "POOL_ENV",
    "THREADS_ENV",
    "CacheInfo",
    "Head",
    "OnnxEncoder",
    "Segment",
    "TokenBudget",
    "TokenStates",
    "Window",
    "WindowPlan",
    "default_encoder",
    "default_model_dir",
    "register_encoders",
    "sentence_groups",
    "token_budget",
]


def default_model_dir() -> Path:
    """The folder of the shipped int8 encoder (``guardrails/models/encoder``)."""
    return Path(__file__).resolve().parent.parent / "models" / "encoder"


@functools.lru_cache(maxsize=8)
def _shared(**kwargs: Any) -> OnnxEncoder:
    return OnnxEncoder(default_model_dir(), name="default", **kwargs)


def default_encoder(**kwargs: Any) -> OnnxEncoder:
    """The shipped encoder, shared by every caller asking with the same options (lazy).

    Keyword arguments are passed to ``OnnxEncoder``; ``intra_op_threads`` defaults to the
    ``GUARDRAILS_ENCODER_THREADS`` environment variable, else 1; ``max_tokens_per_call`` to the
    per-text token budget (``guardrails.runtime.segments.token_budget()``).
    """
    kwargs.setdefault("intra_op_threads", int(os.environ.get(THREADS_ENV, "1") or 1))
    kwargs.setdefault("max_tokens_per_call", token_budget().max_tokens)
    return _shared(**kwargs)


@hookimpl
def register_encoders(register: Callable[[str, Callable[[], Any]], None]) -> None:
    """Offer the shipped encoder under the name ``default``."""
    register("default", default_encoder)
