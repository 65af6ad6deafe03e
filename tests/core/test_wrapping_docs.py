"""Every example on docs/wrapping.md's binding, answers, async-generator, chat, documents,
self-harm and content-free sections runs and asserts what the page says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[2] / "docs" / "wrapping.md"
SECTIONS = (
    "`guard.wrap`", "Which argument is the prompt", "Answers that are not text", "Async generators",
    "Chat messages", "Retrieved documents", "Self-harm first", "Content-free input",
)


def examples() -> list[tuple[str, str]]:
    text = PAGE.read_text(encoding="utf-8")
    out = []
    for section in re.split(r"^#{2,3} ", text, flags=re.M)[1:]:
        title, _, body = section.partition("\n")
        if title.strip() in SECTIONS:
            out += [(title.strip(), code) for code in re.findall(r"```python\n(.*?)```", body, re.S)]
    return out


def test_every_section_has_an_example():
    assert {title for title, _ in examples()} == set(SECTIONS)


@pytest.mark.parametrize(("title", "code"), examples(), ids=[t for t, _ in examples()])
def test_example_runs(title, code):
    exec(compile(code, f"docs/wrapping.md ({title})", "exec"), {"__name__": "docs_example"})
