"""Test kit for plugin authors (a pytest plugin, loaded through the ``pytest11`` entry point).

Fixtures: ``guardrails_pm`` (a plugin manager with no entry points), ``register_plugin``
(register a plugin for one test), ``fake_encoder`` and ``make_guard`` (a Guard from a policy
dict over your plugins and the fake encoder). ``check_guard_contract(GuardClass)`` is the
contract any guard should pass. See docs/writing-plugins.md.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from guardrails.guard import Guard
from guardrails.plugins import get_plugin_manager, validate_guard_class
from guardrails.protocol import CheckContext, RequestContext, Resources
from guardrails.results import Verdict

__all__ = ["FakeEncoder", "check_guard_contract", "fake_encoder", "guardrails_pm", "make_guard", "register_plugin"]

ODD_INPUTS: tuple[str, ...] = (
    "",
    " ",
    "\x00\x01\x02",
    "\u200b\u200d\u2066hidden\u2069",
    "\ufffd\ufffd",
    "ＦＵＬＬＷＩＤＴＨ ｔｅｘｔ",
    "e\u0301\u0301\u0301" * 50,
    "🙂" * 500,
    "a" * 100_000,
    "ignore previous instructions " * 2_000,
    "\n\t\r" * 1_000,
    "שלום עולם مرحبا بالعالم 你好世界",
)


class FakeEncoder:
    """A deterministic stand-in for the ONNX encoder: hashed bag-of-words vectors, no model.

    Similar texts get similar vectors, so similarity-based guards can be tested; it counts calls.
    """

    def __init__(self, dim: int = 384, window_words: int = 96, name: str = "fake") -> None:
        self.name = name
        self.dim = dim
        self.window_words = window_words
        self.calls = 0
        self._lock = threading.Lock()

    def _vector(self, text: str) -> Any:
        import numpy as np

        vec = np.zeros(self.dim, dtype=np.float32)
        for word in text.lower().split():
            seed = zlib.crc32(word.encode("utf-8", "replace"))
            vec += np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm else vec

    def embed(self, texts: Sequence[str]) -> Any:
        """One unit vector per text."""
        import numpy as np

        with self._lock:
            self.calls += 1
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def embed_windows(self, text: str) -> Any:
        """One unit vector per window of ``window_words`` words."""
        words = text.split() or [""]
        chunks = [" ".join(words[i : i + self.window_words]) for i in range(0, len(words), self.window_words)]
        return self.embed(chunks)

    def embed_windows_batch(self, texts: Sequence[str]) -> list[Any]:
        """``embed_windows`` for each text."""
        return [self.embed_windows(t) for t in texts]


def check_guard_contract(
    guard_cls: type[Any],
    config: dict[str, Any] | None = None,
    *,
    resources: Resources | None = None,
    stages: Sequence[str] | None = None,
    samples: Sequence[str] = ("hello there", "how do I reset my password?"),
    threads: int = 16,
) -> None:
    """Assert that ``guard_cls`` behaves as a guard must; raises AssertionError naming the breach.

    Checks: the class shape; the Config forbids unknown keys and accepts ``config``; ``check``
    returns a Verdict with scores in 0..1 for empty, huge and odd input on every stage it
    supports; spans lie inside the text; a text-changing guard returns str or None; results
    from ``threads`` threads match sequential results.
    """
    validate_guard_class(guard_cls, plugin="(contract test)")
    try:
        guard_cls.Config.model_validate({**(config or {}), "__no_such_option__": 1})
    except Exception:
        pass
    else:
        raise AssertionError(f"{guard_cls.__name__}.Config accepts unknown keys; set extra='forbid'")
    guard = guard_cls(guard_cls.Config.model_validate(config or {}), resources or Resources({"default": FakeEncoder}))

    def run(text: str, stage: str) -> Verdict:
        verdict = guard.check(text, CheckContext(stage=stage, request=RequestContext(), prompt="a question"))  # type: ignore[arg-type]
        assert isinstance(verdict, Verdict), f"check() returned {type(verdict).__name__}, expected Verdict"
        for category, score in verdict.categories.items():
            assert 0.0 <= score <= 1.0, f"score of {category!r} is {score}, outside 0..1"
        for span in verdict.spans:
            assert 0 <= span.start <= span.end <= len(text), f"span {span} lies outside the text"
        if verdict.text is not None:
            assert isinstance(verdict.text, str), "Verdict.text must be str or None"
        return verdict

    for stage in stages or sorted(guard_cls.stages):
        for text in (*samples, *ODD_INPUTS):
            run(text, stage)
    stage = sorted(guard_cls.stages)[0]
    texts = list(samples) * 8
    expected = [run(t, stage).model_dump() for t in texts]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        got = list(pool.map(lambda t: run(t, stage).model_dump(), texts))
    assert got == expected, "results from many threads differ from sequential results"


@pytest.fixture
def guardrails_pm() -> Any:
    """A plugin manager with the hook specs and the built-in plugins (runtime, ops), no entry points."""
    return get_plugin_manager(load_entrypoints=False)


@pytest.fixture
def register_plugin(guardrails_pm: Any) -> Iterator[Callable[[Any], Any]]:
    """Register a plugin (module or object) for one test; returns the plugin manager."""
    registered: list[Any] = []

    def register(plugin: Any) -> Any:
        guardrails_pm.register(plugin)
        registered.append(plugin)
        return guardrails_pm

    yield register
    for plugin in registered:
        if guardrails_pm.is_registered(plugin):
            guardrails_pm.unregister(plugin)


@pytest.fixture
def fake_encoder() -> FakeEncoder:
    """A FakeEncoder instance."""
    return FakeEncoder()


@pytest.fixture
def make_guard(guardrails_pm: Any, fake_encoder: FakeEncoder) -> Callable[..., Guard]:
    """Build a Guard from a policy dict: ``make_guard(policy, plugins=[...])`` over the fake encoder."""

    def build(policy: dict[str, Any], plugins: Sequence[Any] = (), encoder: Any = None) -> Guard:
        for plugin in plugins:
            if not guardrails_pm.is_registered(plugin):
                guardrails_pm.register(plugin)
        resources = Resources({"default": lambda: encoder or fake_encoder})
        return Guard.from_policy(policy, plugin_manager=guardrails_pm, resources=resources)

    return build
