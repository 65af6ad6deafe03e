"""Runs every command and Python example of docs/operators.md and checks the printed output."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from guardrails.cli import main

REPO = Path(__file__).resolve().parents[2]
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


def _all_blocks() -> list[tuple[str, str]]:
    return re.findall(r"```(\w+)\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_the_guide_runs_in_order_and_prints_what_it_says(workdir, capsys):
    namespace: dict = {}
    ran = {"console": 0, "python": 0}
    for kind, block in _all_blocks():
        if kind == "console":
            for line in block.splitlines():
                if line.startswith("$ "):
                    argv = shlex.split(line[2:])
                    assert argv[0] == "guardrails"
                    assert main(argv[1:]) == 0, line
                    ran["console"] += 1
        elif kind == "python":
            capsys.readouterr()
            exec(compile(block, str(DOC), "exec"), namespace)  # noqa: S102 - the guide's own examples
            assert capsys.readouterr().out.splitlines() == _expected(block), block
            ran["python"] += 1
    assert ran["console"] >= 4 and ran["python"] >= 5
    assert (workdir / "reports" / "example-eval" / "report.md").exists()
    diff = (workdir / "reports" / "example-diff" / "diff.md").read_text()
    summary = next(b for k, b in _all_blocks() if k == "text" and "| group |" in b)
    for line in summary.strip().splitlines():
        assert line in diff, line
    shadow_line = next(b for k, b in _all_blocks() if k == "text" and "ran in shadow" in b).strip()
    capsys.readouterr()
    assert main(["audit", "summarize", "reports/ops-example/audit.jsonl"]) == 0
    assert shadow_line in capsys.readouterr().out
