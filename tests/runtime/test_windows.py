"""Window planning: coverage, the token budget, character pieces (pure functions)."""

from __future__ import annotations

import pytest

from guardrails.runtime.windows import char_pieces, select_windows, window_starts


@pytest.mark.parametrize("n", [0, 1, 5, 126, 127, 200, 222, 223, 1000, 4321])
@pytest.mark.parametrize("size,stride", [(126, 96), (126, 126), (30, 7)])
def test_windows_cover_every_token(n, size, stride):
    starts = window_starts(n, size, stride)
    covered = set()
    for s in starts:
        covered |= set(range(s, min(s + size, n)))
    assert covered == set(range(n))
    assert starts == sorted(set(starts))
    assert all(b - a <= stride for a, b in zip(starts, starts[1:], strict=False))
    # any span of size - stride tokens lies wholly in one window
    span = size - stride
    if span and n > size:
        for first in range(0, n - span + 1, 13):
            assert any(s <= first and first + span <= s + size for s in starts)


def test_window_starts_rejects_bad_args():
    with pytest.raises(ValueError):
        window_starts(10, 0, 1)


def test_select_windows_keeps_head_tail_and_sample():
    assert select_windows(5, 10) == [0, 1, 2, 3, 4]
    kept = select_windows(100, 8)
    assert len(kept) == 8 and kept[0] == 0 and kept[-1] == 99
    assert kept == sorted(set(kept))
    assert select_windows(100, 1) == [99]
    assert select_windows(100, 8) == select_windows(100, 8)


def test_char_pieces():
    assert char_pieces(100, 1000) == [(0, 100)]
    pieces = char_pieces(1_000_000, 48_000)
    assert pieces[0][0] == 0 and pieces[-1][1] == 1_000_000
    assert sum(e - s for s, e in pieces) <= 48_000 + len(pieces)
    assert all(a[1] <= b[0] for a, b in zip(pieces, pieces[1:], strict=False))
