"""Overlapping token windows over long texts, and the per-call token budget.

A text of ``n`` content tokens is covered by windows of ``size`` tokens whose starts are
``stride`` apart; the last window is aligned to the end of the text, so every token is in some
window and any span of up to ``size - stride`` tokens lies wholly inside one window.

When a text needs more windows than the budget allows, the plan keeps the first windows, the
last windows and an evenly spaced sample of the middle ones (deterministic, so the same text
always gives the same windows) and marks itself incomplete. Texts so long that tokenizing them
would itself stall a request are first cut, by characters, into a head, a tail and a few
evenly spaced middle pieces.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["Window", "WindowPlan", "char_pieces", "select_windows", "window_starts"]


@dataclass(frozen=True)
class Window:
    """One window: content tokens ``[start, end)`` of its piece, characters ``[char_start, char_end)``."""

    start: int
    end: int
    char_start: int
    char_end: int


@dataclass(frozen=True)
class WindowPlan:
    """The windows chosen for one text, and how much of the text they cover."""

    windows: tuple[Window, ...]
    n_tokens: int
    """Content tokens in the tokenized pieces of the text."""
    complete: bool
    """True when every token of the whole text lies in some window (no budget cut)."""
    chars_skipped: int = 0
    """Characters never tokenized because the text was longer than the character budget."""
    windows_skipped: int = 0
    """Windows dropped by the token budget."""


def window_starts(n: int, size: int, stride: int) -> list[int]:
    """Start offsets of windows of ``size`` tokens, ``stride`` apart, covering ``n`` tokens."""
    if size <= 0 or stride <= 0:
        raise ValueError("window size and stride must be positive")
    if n <= size:
        return [0]
    starts = list(range(0, n - size, stride))
    starts.append(n - size)
    return starts


def select_windows(count: int, max_windows: int) -> list[int]:
    """Indices of the windows kept when ``count`` exceed ``max_windows``: head, tail, even sample.

    A quarter of the budget (at least one) goes to the first windows, a quarter to the last ones,
    the rest to windows spread evenly over the middle.
    """
    if count <= max_windows:
        return list(range(count))
    max_windows = max(1, max_windows)
    if max_windows == 1:
        return [count - 1]
    head = max(1, max_windows // 4)
    tail = max(1, max_windows // 4)
    middle = max_windows - head - tail
    keep = set(range(head)) | set(range(count - tail, count))
    if middle > 0:
        inner = count - head - tail
        step = inner / middle
        keep |= {head + int(step * (i + 0.5)) for i in range(middle)}
    return sorted(keep)


def char_pieces(length: int, max_chars: int, n_middle: int = 4) -> list[tuple[int, int]]:
    """Character ranges to tokenize from a text of ``length`` characters.

    The whole text when it fits in ``max_chars``; otherwise three eighths of the budget from the
    head, three eighths from the tail and the rest as ``n_middle`` evenly spaced middle pieces.
    """
    if length <= max_chars:
        return [(0, length)]
    head = tail = max_chars * 3 // 8
    pieces = [(0, head)]
    middle_chars = max_chars - head - tail
    if n_middle > 0 and middle_chars > 0:
        size = math.ceil(middle_chars / n_middle)
        span = length - head - tail
        for i in range(n_middle):
            centre = head + int(span * (i + 0.5) / n_middle)
            start = max(head, centre - size // 2)
            pieces.append((start, min(start + size, length - tail)))
    pieces.append((length - tail, length))
    return pieces
