"""The decision cache: the same check again gets an equal Decision without running the rails.

Each Guard keeps one bounded, thread-safe LRU of stage results, keyed by

    (policy name and version, stage, the text, the context a rail can read)

where the context is the output stage's prompt, the request's system prompt, language and
pseudonymisation vault, and the ``RequestContext.metadata`` keys some rail declares it reads
(``metadata_keys = ("canary",)`` on the guard class). The text is the text as checked (after
input repair): a Decision carries offsets into it and the redacted text, so look-alike spellings
that normalise to the same view are different entries. Texts up to 256 characters are their own
key; longer ones are keyed by a 128-bit BLAKE2b digest.

A hit builds a fresh Decision (new id, timestamps, latency, shadow run, sinks and hooks) from the
cached rail results, so it equals the first one in everything the rails decided. Not cached:

* a stage with a rail whose guard declares ``stateful = True`` (it writes per-request state the
  Decision does not carry, e.g. pseudonymisation into the vault): the cache is off for that stage;
* a result in which any rail errored, timed out or was skipped;
* chat turns (their context carries the conversation).

A rail that sets ``RequestContext.language`` has the value replayed on a hit, and so has the
content-free finding (``CheckContext.content_free``) a normalising rail made.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, Any, Literal

from guardrails._lru import CacheInfo, LRUCache

if TYPE_CHECKING:
    from guardrails.pipeline import StageResult, StageRunner
    from guardrails.policy import Policy
    from guardrails.protocol import CheckContext

__all__ = ["CacheStatus", "DecisionCache"]

CacheStatus = Literal["hit", "miss"] | None
"""What the cache did for one check: ``hit``, ``miss`` (run and stored if clean), None (off)."""

_SHORT = 256
_ENTRY_BYTES = 2048
"""Bytes an entry costs beyond its texts (verdict objects), for the byte bound."""


def _text_key(text: str) -> Hashable:
    if len(text) <= _SHORT:
        return text
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class DecisionCache:
    """Stage results by check, for one Guard's runners; see the module docstring.

    Bounded by the policy's ``settings.decision_cache`` entries (0 turns the cache off) and
    ``max_mb`` megabytes, counting each entry's texts at 4 bytes a character. Thread-safe.
    """

    def __init__(self, runners: dict[str, StageRunner], policy: Policy, max_mb: float = 32) -> None:
        maxsize = policy.settings.decision_cache
        self._policy = (policy.name, policy.version)
        self._lru: LRUCache[tuple[StageResult, str | None, bool]] = LRUCache(maxsize, int(max_mb * 2**20))
        self._stages = {
            stage for stage, runner in runners.items()
            if maxsize > 0 and not any(getattr(r.guard, "stateful", False) for r in runner.rails)
        }
        self._metadata_keys = {
            stage: tuple(sorted({k for r in runner.rails for k in getattr(r.guard, "metadata_keys", ())}))
            for stage, runner in runners.items()
        }

    def enabled(self, stage: str) -> bool:
        """True when ``stage``'s results are cached (cache on, no stateful rail)."""
        return stage in self._stages

    def key(self, stage: str, text: str, context: CheckContext) -> Hashable | None:
        """The key of one check, or None when it must not be cached."""
        if stage not in self._stages or context.messages:
            return None
        request = context.request
        metadata: Any = ()
        keys = self._metadata_keys[stage]
        if keys:
            metadata = tuple((k, request.metadata.get(k)) for k in keys)
        key = (self._policy, stage, _text_key(text), context.prompt, request.system_prompt,
               request.language, tuple(sorted(request.vault.items())) if request.vault else (), metadata)
        try:
            hash(key)
        except TypeError:  # unhashable metadata values: run the rails
            return None
        return key

    def run(self, runner: StageRunner, text: str, context: CheckContext) -> tuple[StageResult, CacheStatus]:
        """The stage result of one check: from the cache, or run and stored when clean."""
        key = self.key(runner.stage, text, context)
        if key is None:
            return runner.run(text, context), None
        found = self._lru.get(key)
        if found is not None:
            return self._replay(found, context), "hit"
        language = context.request.language
        result = runner.run(text, context)
        self._store(key, result, context, language)
        return result, "miss"

    def run_batch(
        self, runner: StageRunner, texts: Sequence[str], contexts: Sequence[CheckContext]
    ) -> tuple[list[StageResult], list[CacheStatus]]:
        """``run`` for many texts: the misses go through ``runner.run_batch`` together."""
        results: list[Any] = [None] * len(texts)
        status: list[CacheStatus] = [None] * len(texts)
        keys = [self.key(runner.stage, t, c) for t, c in zip(texts, contexts)]
        todo: list[int] = []
        for i, key in enumerate(keys):
            found = self._lru.get(key) if key is not None else None
            if found is not None:
                results[i], status[i] = self._replay(found, contexts[i]), "hit"
            else:
                todo.append(i)
        if todo:
            languages = [contexts[i].request.language for i in todo]
            fresh = runner.run_batch([texts[i] for i in todo], [contexts[i] for i in todo])
            for i, result, language in zip(todo, fresh, languages):
                results[i] = result
                key = keys[i]
                if key is not None:
                    status[i] = "miss"
                    self._store(key, result, contexts[i], language)
        return results, status

    def _store(self, key: Hashable, result: StageResult, context: CheckContext, language: str | None) -> None:
        if any(v.error is not None or v.outcome != "ok" for v in result.verdicts):
            return
        after = context.request.language
        text_key = key[2]  # type: ignore[index]
        cost = _ENTRY_BYTES + 4 * (len(result.text) + (len(text_key) if isinstance(text_key, str) else 0))
        self._lru.put(key, (self._copy(result), after if after != language else None, context.content_free), cost)

    @staticmethod
    def _replay(found: tuple[StageResult, str | None, bool], context: CheckContext) -> StageResult:
        result, language, content_free = found
        if language is not None and context.request.language is None:
            context.request.language = language
        if content_free:
            context.content_free = True
        return DecisionCache._copy(result)

    @staticmethod
    def _copy(result: StageResult) -> StageResult:
        """A copy of what a caller's Decision could change (verdicts themselves are frozen)."""
        copy = object.__new__(type(result))
        copy.__dict__.update(result.__dict__)
        copy.categories = dict(result.categories)
        copy.triggered = list(result.triggered)
        copy.verdicts = list(result.verdicts)
        copy.shadow_triggered = list(result.shadow_triggered)
        copy.details = dict(result.details)
        return copy

    def info(self) -> CacheInfo:
        """Hits, misses (lookups of cacheable checks), entries held and the entry bound."""
        return self._lru.info()

    def clear(self) -> None:
        """Drop every entry and reset the counters."""
        self._lru.clear()
