"""Every rule guard runs in linear time: adversarial inputs up to a megabyte complete promptly.

The patterns avoid nested or overlapping quantifiers; these tests are the proof. The scaling
tests compare CPU times (tests/linear.py: the whole input vs an eighth of it; the slow scaling test
64 KB vs 640 KB), not wall times, so they hold on a loaded CI machine.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
from tako_rules.lexicon import LexiconGuard
from tako_rules.normalize import NormalizeGuard
from tako_rules.output import LimitsGuard, OutputShapeGuard, RefusalGuard, SystemPromptLeakGuard
from tako_rules.pii import PiiGuard
from tako_rules.secrets import SecretsGuard
from tako_rules.urls import UrlGuard

from guardrails.protocol import CheckContext, RequestContext
from tests.linear import assert_linear, cpu_seconds

UNITS = (
    "a", "@", "1", "-", "a1", "a@", "a.", "1 ", "a ", ":", "::1", "eyJ", "eyJa.", "http://", "https://a",
    "-----BEGIN PRIVATE KEY-----\n", "sk-", "AKIA", "\u200b", "1-", "xn--", "password=", "%41", "==",
    "aB3+/", "1.1.", "k i ", "$", "a@b.", "(1", "+1 ", "1/", "ghp_", "```", '{"a":', "[",
    "\U000e0041", "а", "4111 ", "born on 1/", "12 main ", "GB82 ", "a@b.co ", "4111111111111111 ",
    "ghp_" + "A1b2C3d4E5" * 3 + "A1b2C3 token ", "password=Zx81kLq0PpWm3nB7vT2r ",
    "4111\n", "4111_", "jо@exаmple。", '"\\u0040\\n',
)


def _guards() -> dict[str, Any]:
    return {
        "normalize": NormalizeGuard(NormalizeGuard.Config()),
        "pii": PiiGuard(PiiGuard.Config(mode="pseudonymize")),
        "pii_pattern": PiiGuard(PiiGuard.Config(use_phonenumbers=False)),
        "secrets": SecretsGuard(SecretsGuard.Config()),
        "lexicon": LexiconGuard(LexiconGuard.Config(terms={"en": ["a a", "kill", "acme rival"]})),
        "urls": UrlGuard(UrlGuard.Config()),
        "system_prompt_leak": SystemPromptLeakGuard(
            SystemPromptLeakGuard.Config(canary="zz-canary", system_prompt="a a a a a a a a a a b c d")
        ),
        "refusal": RefusalGuard(RefusalGuard.Config()),
        "output_shape": OutputShapeGuard(OutputShapeGuard.Config(json_schema={"type": "object"})),
        "limits": LimitsGuard(LimitsGuard.Config(max_tokens=100, truncate=True)),
    }


GUARDS = _guards()
SCALING_UNITS = (
    "a", "1", "-", "a1", "a.", "1 ", "a ", ":", "eyJa.", "-----BEGIN PRIVATE KEY-----\n", "k i ",
    "a@b.co ", "4111111111111111 ", "1/", "password=Zx81kLq0PpWm3nB7vT2r ", "MIXED",
)


def _text(unit: str, n: int) -> str:
    if unit == "MIXED":
        rng = random.Random(n)
        return "".join(rng.choice(UNITS) for _ in range(n // 3))[:n]
    return (unit * (n // len(unit) + 1))[:n]


def _check(guard: Any) -> Callable[[str], Any]:
    return lambda text: guard.check(text, CheckContext(stage="output", prompt="q", request=RequestContext()))


def _time(guard: Any, text: str) -> float:
    return cpu_seconds(_check(guard), text)  # CPU, not wall time: robust to a loaded machine


@pytest.mark.parametrize("name", sorted(GUARDS))
def test_adversarial_20kb_each_pattern(name: str) -> None:
    """A quadratic pattern would need ~10^8 steps here; linear ones finish in milliseconds."""
    guard = GUARDS[name]
    for unit in (*UNITS, "MIXED"):
        assert_linear(_check(guard), _text(unit, 20_000), label=f"{name} on 20 KB of {unit!r}")


@pytest.mark.parametrize("name", sorted(GUARDS))
def test_one_megabyte_mixed_completes(name: str) -> None:
    assert_linear(_check(GUARDS[name]), _text("MIXED", 1_000_000), label=f"{name} on 1 MB of mixed input")


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(GUARDS))
def test_scaling_is_linear(name: str) -> None:
    """Time on 640 KB over time on 64 KB stays near 10 (asserted <= 30) for each input."""
    guard = GUARDS[name]
    small_total = big_total = 0.0
    for unit in SCALING_UNITS:
        small = min(_time(guard, _text(unit, 64_000)) for _ in range(3))
        big = min(_time(guard, _text(unit, 640_000)) for _ in range(3))  # min: robust to load spikes
        small_total += small
        big_total += big
        if big > 0.2:
            assert big / small <= 30, f"{name}: {unit!r} scales {big / small:.1f}x for 10x input"
    if big_total > 0.2:  # below that, timer noise dominates the ratio
        assert big_total / small_total <= 25, f"{name}: total scales {big_total / small_total:.1f}x"
