"""The examples in README.md and the core guides parse and do what the page says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from guardrails import load_policy

REPO = Path(__file__).resolve().parents[2]
CORE_PAGES = ["docs/policy.md", "docs/wrapping.md", "docs/writing-plugins.md"]


def blocks(page: str, lang: str) -> list[str]:
    text = (REPO / page).read_text(encoding="utf-8")
    return re.findall(rf"```{lang}\n(.*?)```", text, re.S)


@pytest.mark.parametrize("page", CORE_PAGES)
def test_policy_examples_are_valid_policies(page):
    policies = [b for b in blocks(page, "yaml") if re.search(r"^name:", b, re.M)]
    assert policies or page != "docs/policy.md"
    for block in policies:
        load_policy(yaml.safe_load(block))


def test_wrapping_page_first_example_runs():
    code = blocks("docs/wrapping.md", "python")[0]
    exec(compile(code, "docs/wrapping.md", "exec"), {})  # the example asserts its own result


def test_readme_quickstart_has_exactly_two_commands():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Quickstart", 1)[1]
    commands = [line for line in blocks_from(section)[0].splitlines() if line.strip() and not line.startswith("#")]
    assert len(commands) == 2
    assert "guardrails scan docs/examples/queries.jsonl" in commands[0]
    assert "pytest" in commands[1]
    assert (REPO / "docs/examples/queries.jsonl").is_file()


def blocks_from(text: str) -> list[str]:
    return re.findall(r"```\w*\n(.*?)```", text, re.S)


def test_ci_runs_the_readme_test_command():
    ci = (REPO / ".ci" / "run").read_text()
    assert "pytest" in ci and "README.md" in ci
