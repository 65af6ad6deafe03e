"""docs/writing-plugins.md: its files, written out from the page, install with pip as they are,
and its command and tests print and pass what the page says."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "writing-plugins.md"
EXAMPLE = REPO / "docs" / "examples" / "spoiler-plugin"


def page_files() -> dict[str, str]:
    """Every code block of the page that starts with ``# <path>``: path -> the rest of the block."""
    text = DOC.read_text(encoding="utf-8")
    return {m.group(1): m.group(2) for m in re.finditer(r"```\w+\n# ([\w./-]+\.\w+)\n(.*?)```", text, re.S)}


def console_example() -> tuple[str, list[str]]:
    block = re.search(r"```console\n\$ (.*?)\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert block is not None
    return block.group(1), block.group(2).splitlines()


def _timings_masked(lines: list[str]) -> list[str]:
    return [re.sub(r" *\d+\.\d+ ms", " N ms", line).rstrip() for line in lines]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    """The page's files written into a project folder, installed (offline, no build isolation,
    no dependencies) with pip into a separate target folder."""
    project = tmp_path_factory.mktemp("tako-spoilers")
    for path, text in page_files().items():
        (project / path).parent.mkdir(parents=True, exist_ok=True)
        (project / path).write_text(text, encoding="utf-8")
    site = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-index", "--no-deps", "--no-build-isolation",
         "--target", str(site), str(project)],
        check=True,
    )
    return project, site


def run_in(project: Path, site: Path, argv: list[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(argv, cwd=project, env=env, capture_output=True, text=True, encoding="utf-8")


def test_the_page_holds_every_file_of_the_example_whole():
    files = page_files()
    assert set(files) == {"pyproject.toml", "tako_spoilers/__init__.py", "policy.yaml", "tests/test_spoilers.py"}
    for path, text in files.items():
        assert (EXAMPLE / path).read_text(encoding="utf-8") == text, f"docs/examples/spoiler-plugin/{path} differs"


def test_the_pages_pyproject_installs_as_written(built):
    _, site = built
    assert (site / "tako_spoilers" / "__init__.py").is_file()
    (dist,) = site.glob("tako_spoilers-1.0.0.dist-info")
    assert "spoilers = tako_spoilers" in (dist / "entry_points.txt").read_text()


def test_the_console_example_prints_what_the_page_shows(built):
    command, shown = console_example()
    argv = shlex.split(command)
    assert argv[0] == "guardrails"
    proc = run_in(*built, [sys.executable, "-m", "guardrails.cli", *argv[1:]])
    assert proc.returncode == 0, proc.stderr
    assert _timings_masked(proc.stdout.splitlines()) == _timings_masked(shown)


def test_the_kit_example_passes(built):
    proc = run_in(*built, [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 passed" in proc.stdout


def test_plugins_lists_the_guard_with_its_distribution(built):
    proc = run_in(*built, [sys.executable, "-m", "guardrails.cli", "plugins"])
    assert proc.returncode == 0
    assert re.search(r"^spoilers\s+output\s+spoilers \(tako-spoilers 1\.0\.0\)\s+spoiler$", proc.stdout, re.M)
