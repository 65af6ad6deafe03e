"""The examples in docs/runtime.md run and do what the page says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs" / "runtime.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S)


def test_page_has_the_examples():
    assert len(_python_blocks()) == 6


@pytest.mark.parametrize("index", [0, 1, 2, 3, 4])
def test_example_runs(index):
    if index == 4:
        pytest.importorskip("sklearn")
    code = _python_blocks()[index]
    exec(compile(code, f"docs/runtime.md[{index}]", "exec"), {})  # examples assert their results


def test_register_encoders_example():
    namespace: dict = {}
    exec(compile(_python_blocks()[5], "docs/runtime.md[5]", "exec"), namespace)
    found = {}
    namespace["register_encoders"](lambda name, factory: found.setdefault(name, factory))
    assert list(found) == ["my-bert"] and callable(found["my-bert"])
    assert hasattr(namespace["register_encoders"], "guardrails_impl")
