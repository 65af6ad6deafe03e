"""Small, real guards used by the core tests (keyword match, digit redaction, failures)."""

from __future__ import annotations

import re
import threading
import time
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from guardrails import CheckContext, Resources, Verdict, hookimpl
from guardrails.results import Span


class KeywordGuard:
    """Scores a category 1.0 when any of its words occurs in the text."""

    name: ClassVar[str] = "keyword"
    stages: ClassVar[frozenset[str]] = frozenset({"input", "output", "context"})
    changes_text: ClassVar[bool] = False
    categories: ClassVar[tuple[str, ...]] = ("custom",)

    class Config(BaseModel):
        model_config = ConfigDict(extra="forbid")
        words: dict[str, list[str]] = {}

    def __init__(self, config: Config, resources: Resources) -> None:
        self.words = {c: [w.lower() for w in ws] for c, ws in config.words.items()}

    def check(self, text: str, context: CheckContext) -> Verdict:
        low = context.view(text).lower()
        return Verdict(categories={c: float(any(w in low for w in ws)) for c, ws in self.words.items()})


class DigitRedactor:
    """Replaces runs of digits with [NUM] (a text-changing guard)."""

    name: ClassVar[str] = "digits"
    stages: ClassVar[frozenset[str]] = frozenset({"input", "output", "context"})
    changes_text: ClassVar[bool] = True
    categories: ClassVar[tuple[str, ...]] = ("pii",)
    pattern = re.compile(r"\d+")

    class Config(BaseModel):
        model_config = ConfigDict(extra="forbid")

    def __init__(self, config: Config, resources: Resources) -> None:
        pass

    def check(self, text: str, context: CheckContext) -> Verdict:
        spans = tuple(Span(start=m.start(), end=m.end(), category="pii", label="NUM", replacement="[NUM]")
                      for m in self.pattern.finditer(text))
        if not spans:
            return Verdict(categories={"pii": 0.0})
        return Verdict(categories={"pii": 1.0}, spans=spans, text=self.pattern.sub("[NUM]", text))


class ExplodingGuard:
    """Always raises."""

    name: ClassVar[str] = "exploding"
    stages: ClassVar[frozenset[str]] = frozenset({"input", "output", "context"})
    changes_text: ClassVar[bool] = False
    categories: ClassVar[tuple[str, ...]] = ()

    class Config(BaseModel):
        model_config = ConfigDict(extra="forbid")

    def __init__(self, config: Config, resources: Resources) -> None:
        pass

    def check(self, text: str, context: CheckContext) -> Verdict:
        raise RuntimeError("model server unreachable")


class SleepyGuard:
    """Sleeps ``seconds`` before answering (a hanging guard)."""

    name: ClassVar[str] = "sleepy"
    stages: ClassVar[frozenset[str]] = frozenset({"input", "output", "context"})
    changes_text: ClassVar[bool] = False
    categories: ClassVar[tuple[str, ...]] = ("slow",)

    class Config(BaseModel):
        model_config = ConfigDict(extra="forbid")
        seconds: float = 5.0

    def __init__(self, config: Config, resources: Resources) -> None:
        self.seconds = config.seconds

    def check(self, text: str, context: CheckContext) -> Verdict:
        time.sleep(self.seconds)
        return Verdict(categories={"slow": 0.0})


class CountingGuard:
    """Counts its calls (to see short-circuits); thread-safe."""

    name: ClassVar[str] = "counting"
    stages: ClassVar[frozenset[str]] = frozenset({"input", "output", "context"})
    changes_text: ClassVar[bool] = False
    categories: ClassVar[tuple[str, ...]] = ()

    class Config(BaseModel):
        model_config = ConfigDict(extra="forbid")

    def __init__(self, config: Config, resources: Resources) -> None:
        self.calls = 0
        self._lock = threading.Lock()

    def check(self, text: str, context: CheckContext) -> Verdict:
        with self._lock:
            self.calls += 1
        return Verdict()


class SimilarityGuard:
    """Scores 'topic' by cosine to a description on the shared encoder (uses Resources)."""

    name: ClassVar[str] = "similarity"
    stages: ClassVar[frozenset[str]] = frozenset({"input"})
    changes_text: ClassVar[bool] = False
    categories: ClassVar[tuple[str, ...]] = ("topic",)

    class Config(BaseModel):
        model_config = ConfigDict(extra="forbid")
        description: str
        encoder: str = "default"

    def __init__(self, config: Config, resources: Resources) -> None:
        self.encoder = resources.encoder(config.encoder)
        self.anchor = self.encoder.embed([config.description])[0]

    def check(self, text: str, context: CheckContext) -> Verdict:
        score = float(max(self.encoder.embed_windows(text) @ self.anchor))
        return Verdict(categories={"topic": max(0.0, min(1.0, score))})


class ToyPlugin:
    """Registers every toy guard."""

    @hookimpl
    def register_guards(self, register):
        for cls in (KeywordGuard, DigitRedactor, ExplodingGuard, SleepyGuard, CountingGuard, SimilarityGuard):
            register(cls)
PLUGIN = ToyPlugin()
