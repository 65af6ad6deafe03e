"""What a guard is, the per-request objects a guard sees, and what a guarded call needs.

A guard is a plain class with class attributes ``name``, ``stages``, ``changes_text``,
``categories`` and a nested pydantic ``Config``; it is built once as ``cls(config, resources)``
and then ``check(text, context)`` is called from many threads at once. Per-request state lives
in the context, never on the guard. ``BaseGuard`` and ``GuardConfig`` are an optional base for
guard authors; a duck-typed class with the same attributes is just as valid.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

from guardrails.errors import ModelError
from guardrails.results import Stage, Verdict

if TYPE_CHECKING:
    import numpy as np

    from guardrails.policy import Policy
    from guardrails.results import Decision

__all__ = [
    "BaseGuard",
    "CheckContext",
    "Checker",
    "EncoderLike",
    "GuardConfig",
    "GuardPlugin",
    "RequestContext",
    "Resources",
]


@runtime_checkable
class EncoderLike(Protocol):
    """A sentence encoder: texts in, L2-normalised float32 vectors out."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One vector per text, shape (len(texts), dim); long texts are truncated."""
        ...

    def embed_windows(self, text: str) -> np.ndarray:
        """One vector per overlapping token window of ``text``, shape (n_windows, dim)."""
        ...

    def embed_windows_batch(self, texts: Sequence[str]) -> list[np.ndarray]:
        """``embed_windows`` for many texts, batched through the model."""
        ...


@runtime_checkable
class GuardPlugin(Protocol):
    """The shape of a guard class (checked when a plugin registers it)."""

    name: ClassVar[str]
    stages: ClassVar[frozenset[str]]
    changes_text: ClassVar[bool]
    categories: ClassVar[tuple[str, ...]]
    Config: ClassVar[type[BaseModel]]

    def check(self, text: str, context: CheckContext) -> Verdict:
        """Score ``text``; return a Verdict with category scores 0..1 (and spans, changed text)."""
        ...


class GuardConfig(BaseModel):
    """Base of a guard's ``Config``: unknown keys are an error (``extra="forbid"``), as the SDK requires."""

    model_config = ConfigDict(extra="forbid")


def _sequential(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn.sequential = True  # type: ignore[attr-defined]
    return fn


class BaseGuard:
    """An optional base class for guards: stores ``config`` and ``resources``, batches by looping.

    Subclasses set ``name``, ``stages``, ``categories`` (and ``changes_text`` when they change the
    text), nest ``class Config(GuardConfig)`` and implement ``check``. Guards that can batch (a
    model guard sending many texts through the encoder at once) override ``check_batch``.
    """

    name: ClassVar[str]
    stages: ClassVar[frozenset[str]]
    changes_text: ClassVar[bool] = False
    categories: ClassVar[tuple[str, ...]] = ()
    Config: ClassVar[type[BaseModel]] = GuardConfig
    stateful: bool = False
    """True when ``check`` writes per-request state a Decision does not carry (e.g. a vault): the
    decision cache is then off for the stages this guard runs on."""
    metadata_keys: ClassVar[tuple[str, ...]] = ()
    """``RequestContext.metadata`` keys ``check`` reads; they become part of the decision cache's key."""

    def __init__(self, config: Any, resources: Resources | None = None) -> None:
        self.config = config
        self.resources = resources

    def check(self, text: str, context: CheckContext) -> Verdict:
        """Score ``text``; return a Verdict with category scores 0..1 (and spans, changed text)."""
        raise NotImplementedError

    @_sequential
    def check_batch(self, texts: Sequence[str], contexts: Sequence[CheckContext]) -> list[Verdict]:
        """``check`` for each text in turn (the pipeline times and isolates each text on its own)."""
        return [self.check(text, context) for text, context in zip(texts, contexts)]


@runtime_checkable
class Checker(Protocol):
    """What ``guard.wrap`` needs from a Guard: its policy and the input and output checks."""

    @property
    def policy(self) -> Policy: ...

    def check_input(self, text: Any, *, context: RequestContext | None = None) -> Decision: ...

    def check_output(
        self, text: Any, *, prompt: Any = None, context: RequestContext | None = None
    ) -> Decision: ...


@dataclass
class RequestContext:
    """State of one request, shared by its input check and its output check.

    Pass the same object to ``check_input`` and ``check_output`` (``Guard.wrap`` does this for
    you) so that, for example, pseudonymised PII in the prompt is restored in the answer.
    """

    system_prompt: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    vault: dict[str, str] = field(default_factory=dict)
    """Placeholder -> original value, filled by pseudonymising guards, read by restoring ones."""
    language: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)


@dataclass
class CheckContext:
    """What a guard knows about the text it checks, beyond the text itself."""

    stage: Stage
    request: RequestContext = field(default_factory=RequestContext)
    prompt: str | None = None
    """For output checks: the prompt the model answered."""
    messages: tuple[dict[str, Any], ...] = ()
    """For chat checks: the whole conversation."""
    document_index: int | None = None
    """For context-stage checks: which retrieved document or tool output this is."""
    normalized: str | None = None
    """The detection view of the text, set by a normalising rail; guards read it through view()."""
    hidden: dict[str, Any] = field(default_factory=dict)
    """Facts a normalising rail found (hidden characters, decoded blobs) for later rails."""
    decoded: tuple[str, ...] = ()
    """Texts decoded from base64/hex/rot13 blobs, or hidden in a document's markup (comments,
    hidden elements, alt text); detection guards should check them too."""
    content_free: bool = False
    """Decided once per check (by the normalising rail on its view, else by the core before the
    rails; guardrails.content): the text holds no letter, digit or code emoji. Model guards then
    return zero scores without calling the encoder; rule guards still run."""
    deadline: float | None = None
    """``time.perf_counter()`` time by which the call must be done (its time budget); None: the
    stage sets one from ``settings.time_budget_ms``. Rails not started by then do not run."""

    def view(self, text: str) -> str:
        """The text a detection guard should score: the normalised view when a rail set one."""
        return self.normalized if self.normalized is not None else text


class Resources:
    """Shared, lazily built resources for the guards of one Guard: encoders by name.

    Encoders are registered by plugins through the ``register_encoders`` hook; each is built on
    first use and then shared, so every head rides on one encoder pass (and one cache) per text.
    """

    def __init__(self, encoder_factories: dict[str, Callable[[], EncoderLike]] | None = None):
        self._factories = dict(encoder_factories or {})
        self._encoders: dict[str, EncoderLike] = {}
        self._lock = threading.Lock()

    def encoder(self, name: str = "default") -> EncoderLike:
        """The encoder called ``name``, built on first use (thread-safe)."""
        enc = self._encoders.get(name)
        if enc is not None:
            return enc
        with self._lock:
            enc = self._encoders.get(name)
            if enc is None:
                factory = self._factories.get(name)
                if factory is None:
                    available = ", ".join(sorted(self._factories)) or "none"
                    raise ModelError(f"no encoder named {name!r} is registered (available: {available})")
                enc = factory()
                self._encoders[name] = enc
            return enc
