"""The examples of docs/reliability.md run in order and print what the page says."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs" / "reliability.md"


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S)


def _expected(block: str) -> list[str]:
    """The ``# ...`` lines that follow a line with ``print(`` (a loop's prints: several lines)."""
    out, after_print = [], False
    for line in block.splitlines():
        if after_print and line.startswith("# "):
            out.append(line[2:].rstrip())
            continue
        after_print = "print(" in line
    return out


def test_the_page_runs_and_prints_what_it_says(capsys):
    namespace: dict = {"__name__": "reliability_docs"}
    blocks = _blocks()
    assert len(blocks) == 3
    for i, block in enumerate(blocks):
        exec(compile(block, f"docs/reliability.md[{i}]", "exec"), namespace)
        printed = [line.rstrip() for line in capsys.readouterr().out.splitlines()]
        assert printed == _expected(block), f"docs/reliability.md block {i}"
