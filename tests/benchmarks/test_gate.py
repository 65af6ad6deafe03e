"""The benchmark regression gate: an unchanged run passes, a deliberate slowdown fails it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
GATE = REPO / "benchmarks" / "gate.py"
sys.path.insert(0, str(REPO / "benchmarks"))

import _report  # noqa: E402
import gate  # noqa: E402


def _gate(tmp_path: Path, *args: str, slowdown_ms: float = 0) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GUARDRAILS_TEST_SLOWDOWN_MS": str(slowdown_ms)}
    cmd = [sys.executable, str(GATE), "--paths", "benchmarks/test_bench_pipeline.py", "-k", "test_overhead",
           "--baseline", str(tmp_path / "baseline.json"), "--no-accuracy", *args,
           "--", "--benchmark-max-time=0.1", "--benchmark-min-rounds=10"]
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_unchanged_run_passes_and_slowdown_fails(tmp_path: Path) -> None:
    """Record a baseline, gate an unchanged rerun (passes), then a 2 ms-per-guard slowdown (fails)."""
    recorded = _gate(tmp_path, "--update-baseline")
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    assert "test_overhead[5-guards]" in (tmp_path / "baseline.json").read_text()

    unchanged = _gate(tmp_path)
    assert unchanged.returncode == 0, unchanged.stdout + unchanged.stderr
    assert "GATE: PASS" in unchanged.stdout

    slowed = _gate(tmp_path, slowdown_ms=2)
    assert slowed.returncode == 1, slowed.stdout + slowed.stderr
    assert "GATE: FAIL" in slowed.stdout
    assert "test_overhead[5-guards]: REGRESSION" in slowed.stdout
    assert "test_overhead[0-guards]: REGRESSION" not in slowed.stdout  # no guard, no slowdown


def _row(key: str, median: float, minimum: float, cal: float = 1e-3) -> _report.Row:
    return _report.Row(key, key, "s", median, median, minimum, 10, cal, median / cal, minimum / cal)


BASE = {"entries": {"x": {"norm_median": 0.01, "norm_min": 0.009, "median": 1e-5, "normalise": True}}}


@pytest.mark.parametrize(
    "median,minimum,cal,fails",
    [
        (1e-5, 0.9e-5, 1e-3, False),    # unchanged
        (2e-5, 1.8e-5, 2e-3, False),    # twice as slow on a machine twice as slow: normalised, passes
        (1e-3, 0.9e-3, 1e-3, True),     # 100x slower: fails
        (1e-3, 0.9e-5, 1e-3, False),    # median up but the minimum is not: a noisy neighbour, passes
        (2.5e-5, 2.5e-5, 1e-3, False),  # 2.5x but only +15 µs: under the noise floor, passes
    ],
)
def test_compare_rules(median: float, minimum: float, cal: float, fails: bool) -> None:
    """Normalisation by the calibration, the minimum guard and the absolute floor."""
    _, failures = gate.compare([_row("x", median, minimum, cal)], BASE, 1.5, 20e-6, 1.3)
    assert bool(failures) is fails


def test_memory_and_missing_figures() -> None:
    """RSS is compared raw against its own margin; a figure absent from the run is reported, not failed."""
    base = {"entries": {"rss": {"median": 200.0, "normalise": False}, "gone": {"norm_median": 1, "norm_min": 1}}}
    rss = _report.Row("rss", "rss", "MB", 300.0, 300.0, 290.0, 3, 1.0, 300.0, 290.0, normalise=False)
    lines, failures = gate.compare([rss], base, 1.5, 20e-6, 1.3)
    assert failures == ["rss: REGRESSION (> 1.3x)"]
    assert any(line[0] == "gone" and line[3] == "not run" for line in lines)


def test_detection_figure_gates_only_regressions() -> None:
    """'Found' fails the gate only when the baseline found it."""
    found = {"entries": {"doc": {"median": 1.0, "normalise": False}}}
    missed = {"entries": {"doc": {"median": 0.0, "normalise": False}}}
    miss = _report.Row("doc", "doc", "found", 0.0, 0.0, 0.0, 1, 1.0, 0.0, 0.0, normalise=False)
    assert gate.compare([miss], found, 1.5, 20e-6, 1.3)[1] == ["doc: REGRESSION (no longer found)"]
    assert gate.compare([miss], missed, 1.5, 20e-6, 1.3)[1] == []


def test_a_baseline_of_several_runs_takes_each_figures_median() -> None:
    def doc(v: float, cal: float) -> dict:
        return {"about": "x", "calibration_s": cal, "entries": {
            "a": {"norm_median": v, "norm_min": v - 1, "median": v / 10, "unit": "s", "normalise": True}}}

    merged = gate.merge_baselines([doc(10.0, 1.0), doc(30.0, 3.0), doc(14.0, 2.0)])
    assert merged["entries"]["a"]["norm_median"] == 14.0 and merged["entries"]["a"]["norm_min"] == 13.0
    assert merged["calibration_s"] == 2.0 and merged["runs"] == 3


def test_a_regression_must_reproduce_in_the_second_run() -> None:
    first = ["per_guard[input:moderation]: REGRESSION (median 1.63x, min 1.58x, +30 µs)",
             "outside_encoder_32tok: REGRESSION (median 1.81x, min 1.69x, +296 µs)"]
    second = ["per_guard[input:moderation]: REGRESSION (median 1.60x, min 1.55x, +29 µs)"]
    assert gate.reproduced(first, second) == first[:1]
    assert gate.reproduced(first, []) == []
