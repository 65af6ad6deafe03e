"""Runs every command and Python example of docs/operators.md and checks the printed output."""

from __future__ import annotations

import contextlib
import io
import re
import shlex
import shutil
from pathlib import Path

import pytest

from guardrails.cli import main

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "operators.md"


def _blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def _expected(block: str) -> list[str]:
    lines = block.splitlines()
    return [nxt[2:] for line, nxt in zip(lines, lines[1:]) if "print(" in line and nxt.startswith("# ")]


def _has_rules() -> bool:
    from guardrails.plugins import collect_guards, get_plugin_manager

    try:
        return {"lexicon", "pii", "secrets", "normalize"} <= set(collect_guards(get_plugin_manager()))
    except Exception:
        return False


pytestmark = pytest.mark.skipif(not _has_rules(), reason="needs the first-party tako_rules guards installed")


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    shutil.copytree(REPO / "docs" / "examples", tmp_path / "docs" / "examples")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_console_commands_run(workdir):
    commands = [line[2:] for block in _blocks("console") for line in block.splitlines() if line.startswith("$ ")]
    assert len(commands) >= 3
    for command in commands:
        argv = shlex.split(command)
        assert argv[0] == "guardrails"
        assert main(argv[1:]) == 0, command
    assert (workdir / "reports" / "example-eval" / "report.md").exists()
    diff = (workdir / "reports" / "example-diff" / "diff.md").read_text()
    summary = next(b for b in _blocks("text") if "| group |" in b)
    for line in summary.strip().splitlines():
        assert line in diff, line


def test_python_examples_run_and_print_what_the_guide_says(workdir):
    namespace: dict = {}
    blocks = _blocks("python")
    assert len(blocks) >= 4
    for block in blocks:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(block, str(DOC), "exec"), namespace)  # noqa: S102 - the guide's own examples
        assert out.getvalue().splitlines() == _expected(block), block
