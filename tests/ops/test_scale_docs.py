"""Runs every command and Python example of docs/scale.md and docs/report.md, in order, and checks
the printed output the pages show."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from guardrails.cli import main

REPO = Path(__file__).resolve().parents[2]

pytest.importorskip("matplotlib", reason="the report draws with matplotlib: pip install 'tako-guardrails[plots]'")
pytest.importorskip("ray", reason="the worked examples run on Ray: pip install 'tako-guardrails[ray]'")
pytestmark = pytest.mark.slow


def _blocks(doc: Path) -> list[tuple[str, str]]:
    return re.findall(r"```(\w+)\n(.*?)```", doc.read_text(encoding="utf-8"), flags=re.S)


def _expected(block: str) -> list[str]:
    lines = block.splitlines()
    return [nxt[2:] for line, nxt in zip(lines, lines[1:]) if "print(" in line and nxt.startswith("# ")]


@pytest.fixture(scope="module")
def local_ray():
    """One local Ray for every command of both pages (a command uses a Ray already running)."""
    import ray

    if not ray.is_initialized():
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    shutil.copytree(REPO / "docs" / "examples", tmp_path / "docs" / "examples")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run(doc: Path, capsys) -> dict[str, int]:
    namespace: dict = {}
    ran = {"console": 0, "python": 0}
    for kind, block in _blocks(doc):
        if kind == "console":
            for line in block.splitlines():
                if line.startswith("$ "):
                    argv = shlex.split(line[2:])
                    assert argv[0] == "guardrails"
                    assert main(argv[1:]) == 0, line
                    ran["console"] += 1
        elif kind == "python":
            capsys.readouterr()
            exec(compile(block, str(doc), "exec"), namespace)  # noqa: S102 - the page's own examples
            assert capsys.readouterr().out.splitlines() == _expected(block), block
            ran["python"] += 1
    return ran


def test_scale_page_runs_and_prints_what_it_says(local_ray, workdir, capsys):
    ran = _run(REPO / "docs" / "scale.md", capsys)
    assert ran == {"console": 3, "python": 3}
    assert (workdir / "reports" / "scale" / "eval" / "decisions").is_dir()
    assert (workdir / "reports" / "scale" / "diff" / "diff.md").exists()


def test_report_page_runs_and_prints_what_it_says(local_ray, workdir, capsys):
    pytest.importorskip("py3langid", reason="the audit example runs the language rail (the language extra)")
    ran = _run(REPO / "docs" / "report.md", capsys)
    assert ran == {"console": 5, "python": 3}
    for name in ("scan.html", "audit.html", "eval.html"):
        page = (workdir / "reports" / "report-example" / name).read_text(encoding="utf-8")
        assert page.count("<svg") >= 4, name
    doc = (REPO / "docs" / "report.md").read_text(encoding="utf-8")
    assert (REPO / "docs" / "img" / "report-scan.png").exists() and "img/report-scan.png" in doc
