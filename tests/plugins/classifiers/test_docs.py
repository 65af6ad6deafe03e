"""The model-guard docs: every YAML snippet parses, every rail's config validates, and the Python
examples of classifiers.md run."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from tako_classifiers.guards import HeadGuard, JailbreakGuard, ModerationGuard, PromptInjectionGuard

from guardrails.policy import RailSpec, load_policy

DOCS = Path(__file__).resolve().parents[3] / "docs"
PAGES = ("classifiers.md", "custom-heads.md")
GUARDS = {g.name: g for g in (PromptInjectionGuard, JailbreakGuard, ModerationGuard, HeadGuard)}


def _blocks() -> list[tuple[str, int, Any]]:
    return [(page, i, yaml.safe_load(block)) for page in PAGES
            for i, block in enumerate(re.findall(r"```yaml\n(.*?)```", (DOCS / page).read_text("utf-8"), re.S))]


BLOCKS = _blocks()


def test_pages_have_examples() -> None:
    assert {p for p, _, _ in BLOCKS} == set(PAGES)


@pytest.mark.parametrize(("page", "index", "block"), BLOCKS, ids=[f"{p}#{i}" for p, i, _ in BLOCKS])
def test_snippet_validates(page: str, index: int, block: Any) -> None:
    assert isinstance(block, dict), f"{page} block {index} is not a mapping"
    if "name" in block:
        load_policy(block)
    for stage in ("input", "output", "context"):
        for rail in block.get(stage, []):
            spec = RailSpec.model_validate(rail)
            if spec.guard in GUARDS:
                GUARDS[spec.guard].Config.model_validate(spec.config)
                assert stage in GUARDS[spec.guard].stages


PYTHON = re.findall(r"```python\n(.*?)```", (DOCS / "classifiers.md").read_text("utf-8"), re.S)


def test_classifiers_page_has_python_examples() -> None:
    assert PYTHON


@pytest.mark.parametrize("index", range(len(PYTHON)))
def test_python_example_runs(index: int) -> None:
    exec(compile(PYTHON[index], f"classifiers.md#python{index}", "exec"), {})
