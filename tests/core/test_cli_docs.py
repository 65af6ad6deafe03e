"""docs/cli.md: every console example runs and prints what the page shows (timings, decision ids
and ``...`` aside), with the files the page defines."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "cli.md"


def _has_rules() -> bool:
    from guardrails.plugins import collect_guards, get_plugin_manager

    return {"lexicon", "pii", "secrets"} <= set(collect_guards(get_plugin_manager()))


pytestmark = pytest.mark.skipif(not _has_rules(), reason="needs the first-party tako_rules guards installed")


def _mask(line: str) -> str:
    line = re.sub(r" *\d+\.\d+ ms", " N ms", line)
    line = re.sub(r'"latency_ms": [\d.]+', '"latency_ms": N', line)
    return re.sub(r'"(id|decision_id)": "[0-9a-f]{24}"', r'"\1": ID', line).rstrip()


def _matches(got: list[str], shown: list[str]) -> bool:
    if len(got) != len(shown):
        return False
    for g, s in zip(got, shown):
        pattern = ".*".join(re.escape(part) for part in _mask(s).split("..."))
        if not re.fullmatch(pattern, _mask(g)):
            return False
    return True


def _sessions() -> list[list[tuple[str, list[str]]]]:
    sessions = []
    for block in re.findall(r"```console\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S):
        steps: list[tuple[str, list[str]]] = []
        for line in block.splitlines():
            if line.startswith("$ "):
                steps.append((line[2:], []))
            else:
                steps[-1][1].append(line)
        sessions.append(steps)
    return sessions


@pytest.fixture
def workdir(tmp_path) -> Path:
    text = DOC.read_text(encoding="utf-8")
    for name, body in re.findall(r"```\w+\n# ([\w.-]+\.\w+)\n(.*?)```", text, re.S):
        (tmp_path / name).write_text(body, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("session", range(len(_sessions())))
def test_console_examples_print_what_the_page_shows(workdir, session):
    code = 0
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    for command, shown in _sessions()[session]:
        argv = shlex.split(command)
        if argv == ["echo", "$?"]:
            got = [str(code)]
        elif argv[0] == "cat":
            got = (workdir / argv[1]).read_text(encoding="utf-8").splitlines()
        else:
            assert argv[0] == "guardrails", command
            proc = subprocess.run([sys.executable, "-m", "guardrails.cli", *argv[1:]], cwd=workdir, env=env,
                                  capture_output=True, text=True, encoding="utf-8")
            code = proc.returncode
            got = (proc.stdout + proc.stderr).splitlines()
            assert "Traceback" not in proc.stderr
        assert _matches(got, shown), f"$ {command}\n--- got:\n" + "\n".join(got) + "\n--- page:\n" + "\n".join(shown)
