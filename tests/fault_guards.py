"""Guards that misbehave on purpose (fault injection): garbage results, hangs, slowness.

Registered by ``FaultPlugin`` as third-party guards (they do not come from this distribution), so
the pipeline isolates them on their own workers with the third-party default timeout.
"""

from __future__ import annotations

import threading
import time
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from guardrails import CheckContext, Resources, Verdict, hookimpl

_STAGES = frozenset({"input", "output", "context"})

Garbage = Literal[
    "text_int", "text_bytes", "text_list", "nan", "over", "under", "inf", "bad_category",
    "int_category", "not_a_verdict", "none", "spans_garbage", "numpy", "good",
]


def _garbage(mode: str, text: str) -> Any:
    """A Verdict (built without validation where pydantic would refuse it) that is wrong in ``mode``."""
    construct = Verdict.model_construct
    if mode == "text_int":
        return construct(categories={"pii": 1.0}, text=12345)
    if mode == "text_bytes":
        return construct(categories={"pii": 1.0}, text=text.encode())
    if mode == "text_list":
        return construct(categories={"pii": 1.0}, text=[text])
    if mode == "nan":
        return Verdict(categories={"custom": float("nan")})  # pydantic accepts NaN
    if mode == "inf":
        return Verdict(categories={"custom": float("inf")})
    if mode == "over":
        return Verdict(categories={"custom": 1.5})
    if mode == "under":
        return Verdict(categories={"custom": -0.2})
    if mode == "bad_category":
        return Verdict(categories={"two words": 1.0})
    if mode == "int_category":
        return construct(categories={7: 1.0})
    if mode == "not_a_verdict":
        return {"custom": 1.0}
    if mode == "none":
        return None
    if mode == "spans_garbage":
        return construct(categories={"pii": 1.0}, spans=("oops",))
    if mode == "numpy":
        import numpy as np

        return construct(categories={"custom": np.float32(0.9)})
    return Verdict(categories={"pii": 1.0}, text=text.replace("secret", "[REDACTED]"))


class FaultyRedactor:
    """A text-changing guard that returns the garbage its config names."""

    name: ClassVar[str] = "faulty_redactor"
    stages: ClassVar[frozenset[str]] = _STAGES
    changes_text: ClassVar[bool] = True
    categories: ClassVar[tuple[str, ...]] = ("pii",)

    class Config(BaseModel):
        model_config = ConfigDict(extra="forbid")
        mode: Garbage = "good"

    def __init__(self, config: Config, resources: Resources) -> None:
        self.mode = config.mode

    def check(self, text: str, context: CheckContext) -> Any:
        return _garbage(self.mode, text)


class FaultyScorer(FaultyRedactor):
    """A detection guard (does not change text) that returns the garbage its config names."""

    name: ClassVar[str] = "faulty_scorer"
    changes_text: ClassVar[bool] = False
    categories: ClassVar[tuple[str, ...]] = ("custom",)


class HangingGuard:
    """Never returns while ``HangingGuard.stuck`` is set (the default): a plugin that hangs forever.

    ``calls`` counts the calls that reached it. Tests ``release()`` it at the end.
    """

    name: ClassVar[str] = "hanging"
    stages: ClassVar[frozenset[str]] = _STAGES
    changes_text: ClassVar[bool] = False
    categories: ClassVar[tuple[str, ...]] = ("custom",)
    gate = threading.Event()
    calls = 0
    _lock = threading.Lock()

    class Config(BaseModel):
        model_config = ConfigDict(extra="forbid")

    def __init__(self, config: Config, resources: Resources) -> None:
        pass

    @classmethod
    def hang(cls) -> None:
        cls.gate.clear()
        cls.calls = 0

    @classmethod
    def release(cls) -> None:
        cls.gate.set()

    def check(self, text: str, context: CheckContext) -> Verdict:
        with self._lock:
            type(self).calls += 1
        self.gate.wait()
        return Verdict(categories={"custom": 0.0})


class SlowGuard:
    """Sleeps ``seconds`` then scores 0 (inline or isolated, as the policy says)."""

    name: ClassVar[str] = "slow"
    stages: ClassVar[frozenset[str]] = _STAGES
    changes_text: ClassVar[bool] = False
    categories: ClassVar[tuple[str, ...]] = ("slow",)

    class Config(BaseModel):
        model_config = ConfigDict(extra="forbid")
        seconds: float = 0.2

    def __init__(self, config: Config, resources: Resources) -> None:
        self.seconds = config.seconds

    def check(self, text: str, context: CheckContext) -> Verdict:
        time.sleep(self.seconds)
        return Verdict(categories={"slow": 0.0})


class FaultPlugin:
    """Registers the misbehaving guards."""

    @hookimpl
    def register_guards(self, register: Any) -> None:
        for cls in (FaultyRedactor, FaultyScorer, HangingGuard, SlowGuard):
            register(cls)
