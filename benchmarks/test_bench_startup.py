"""Start-up costs, each in a fresh Python process: ``import guardrails``, ``Guard.default()``, RSS."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.subprocess

_IMPORT = """
import time
t, c = time.perf_counter(), time.process_time()
import guardrails
print(time.perf_counter() - t, time.process_time() - c)
"""

_COLD = """
import json, os, time
t0 = time.perf_counter()
import guardrails
t1 = time.perf_counter()
c1 = time.process_time()
policy = os.environ.get("GUARDRAILS_BENCH_POLICY")
guard = guardrails.Guard.from_policy(policy) if policy else guardrails.Guard.default()
t2 = time.perf_counter()
guard.check_input("hello, what is the weather in Paris tomorrow?")
t3 = time.perf_counter()
c3 = time.process_time()
status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
kb = lambda key: int(status.get(key, "0 kB").split()[0])
print(json.dumps({"import": t1 - t0, "default": t2 - t1, "first_check": t3 - t2, "cpu": c3 - c1,
                  "rss_mb": kb("VmRSS") / 1024, "hwm_mb": kb("VmHWM") / 1024}))
"""


def _run(code: str) -> str:
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed")
    return proc.stdout.strip().splitlines()[-1]


def test_import_time(metrics, rounds) -> None:
    """``import guardrails`` in a fresh interpreter (median of several; budget ≤ 150 ms)."""
    runs = [_run(_IMPORT).split() for _ in range(rounds(7, 3))]
    metrics.record("import_guardrails", [float(wall) for wall, _ in runs], "s")
    metrics.record("import_guardrails_cpu", [float(cpu) for _, cpu in runs], "s")


def test_cold_start(metrics, rounds) -> None:
    """``Guard.default()`` and its first decision in a fresh process, and the RSS after it."""
    try:
        runs = [json.loads(_run(_COLD)) for _ in range(rounds(5, 3))]
    except RuntimeError as exc:
        pytest.skip(f"Guard.default() is not usable yet ({exc})")
    metrics.record("guard_default_cold", [r["default"] for r in runs], "s")
    metrics.record("cold_to_first_decision", [r["default"] + r["first_check"] for r in runs], "s")
    metrics.record("cold_to_first_decision_cpu", [r["cpu"] for r in runs], "s")
    metrics.record("rss_after_load", [r["rss_mb"] for r in runs], "MB",
                   peak_mb=max(r["hwm_mb"] for r in runs))
