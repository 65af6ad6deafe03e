"""JSON Lines input: the one line reader behind ``guardrails scan``, eval data, audit logs, train-head.

Blank lines are skipped; a line that is not a JSON object (or lacks a ``text`` string, when
asked) is reported with its line number instead of stopping the read, and the caller decides
whether that is an error or a count.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from guardrails.errors import DataError

__all__ = ["iter_jsonl", "read_jsonl"]


def iter_jsonl(
    lines: Iterable[str], *, require_text: bool = False, start: int = 1
) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """``(line number, object, None)`` per JSON object line, ``(line number, None, problem)`` otherwise.

    ``require_text``: an object without a ``text`` string is a problem too.
    """
    for number, line in enumerate(lines, start=start):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, None, f"not JSON: {exc.msg}"
            continue
        if require_text and (not isinstance(row, dict) or not isinstance(row.get("text"), str)):
            yield number, None, "needs a 'text' string field"
        elif not isinstance(row, dict):
            yield number, None, "each line must be a JSON object"
        else:
            yield number, row, None


def read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """``iter_jsonl`` over the file at ``path`` (UTF-8, undecodable bytes replaced); raises
    DataError naming the file when it cannot be opened."""
    try:
        handle = path.open(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise DataError(f"{path}: cannot read: {exc.strerror or exc}") from None
    with handle:
        yield from iter_jsonl(handle)
