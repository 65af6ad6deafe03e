"""The linear-time helper (tests/linear.py) fails quadratic code and passes linear code."""

from __future__ import annotations

import functools
import re

import pytest

from tests.linear import Repeat, assert_linear

A_STAR_B = re.compile(r"a*b")  # no b: every start position scans the rest, O(n^2)


def _quadratic_loop(text: str) -> int:
    return sum(text[i:].count("b") for i in range(len(text)))  # a copy and a scan from every position


@pytest.mark.parametrize("fn, n", [(A_STAR_B.search, 16_000), (_quadratic_loop, 32_000)],
                         ids=["backtracking-regex", "loop"])
def test_quadratic_code_fails(fn, n: int) -> None:
    with pytest.raises(AssertionError, match=r"not linear: .* ratio \d+\.\d > bound 24") as err:
        assert_linear(fn, "a" * n)
    assert f"{n // 8:,} chars" in str(err.value) and f"{n:,} chars" in str(err.value)


def test_quadratic_code_fails_with_a_repeat_and_a_label() -> None:
    with pytest.raises(AssertionError, match=r"^a\*b: not linear"):
        assert_linear(A_STAR_B.search, Repeat("a", 16_000, head="x", tail="c"), label="a*b")


@pytest.mark.parametrize("fn", [
    lambda t: sum(1 for c in t if c == "a"),  # a Python loop: about 0.1 s here
    lambda t: re.findall(r"a(?=a)|b", t),     # a regex with a lookahead
    lambda t: [A_STAR_B.search(t, i, i + 40) for i in range(0, len(t), 20)],  # bounded windows
], ids=["loop", "regex", "windows"])
def test_linear_code_passes(fn) -> None:
    ratio = assert_linear(fn, "a" * 2_000_000)
    assert 0 < ratio <= 24


def test_a_cheap_call_passes_under_the_floor() -> None:
    assert_linear(A_STAR_B.search, "a" * 2_000)  # quadratic, but about a millisecond


def test_repeat_keeps_head_and_tail() -> None:
    seen: list[str] = []
    assert_linear(seen.append, Repeat("ab", 80, head="<", tail=">"), repeat=2)
    assert seen == ["<" + "ab" * 5 + ">", "<" + "ab" * 10 + ">", "<" + "ab" * 80 + ">"]  # warm-up, small, big
    seen.clear()
    assert_linear(seen.append, "0123456789abcdef", small="x", repeat=1)
    assert seen == ["x", "0123456789abcdef"]
    seen.clear()
    assert_linear(seen.append, "0123456789abcdef", k=4, repeat=1)
    assert seen == ["01", "0123", "0123456789abcdef"]


def test_the_first_round_is_not_a_cache_hit() -> None:
    """A cached quadratic scan: the first round times each input's first call, so it fails."""
    cached = functools.lru_cache(maxsize=4)(lambda t: A_STAR_B.search(t))
    with pytest.raises(AssertionError, match="not linear"):
        assert_linear(cached, "a" * 16_000, repeat=1)
