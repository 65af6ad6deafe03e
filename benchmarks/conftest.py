"""Fixtures and options shared by the benchmark suites (pytest-benchmark).

Run everything:  python -m pytest benchmarks --benchmark-json=reports/bench.json
Short CI mode:   python benchmarks/gate.py   (runs a subset with --bench-quick and gates it)

Besides pytest-benchmark's own timings, figures measured outside its timer (import time and
cold start in fresh subprocesses, resident memory, per-guard latency, the calibration
workload) are recorded with the ``metrics`` fixture and written into the same JSON file under
``guardrails_metrics``.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

BENCH_DIR = Path(__file__).resolve().parent
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

from _calibration import calibrate  # noqa: E402
from _texts import tokenizer_file  # noqa: E402

_METRICS_KEY = "_guardrails_metrics"


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--bench-quick``: fewer rounds, for the CI regression gate."""
    group = parser.getgroup("guardrails benchmarks")
    group.addoption("--bench-quick", action="store_true", help="short mode (few rounds) for the CI gate")


def pytest_configure(config: pytest.Config) -> None:
    """Register markers and the metric store."""
    config.addinivalue_line("markers", "peer: runs the peer-sized random-weight model (needs onnx)")
    config.addinivalue_line("markers", "model: needs the shipped encoder and default policy")
    config.addinivalue_line("markers", "subprocess: measures in fresh Python processes")
    setattr(config, _METRICS_KEY, {})
    config._guardrails_local_calibration = {}  # type: ignore[attr-defined]


def pytest_sessionstart(session: pytest.Session) -> None:
    """Time the calibration workload before any benchmark."""
    session.config._guardrails_calibration = calibrate(_quick(session.config))  # type: ignore[attr-defined]


def _quick(config: pytest.Config) -> bool:
    return bool(config.getoption("--bench-quick"))


def pytest_benchmark_update_json(config: pytest.Config, benchmarks: list[Any], output_json: dict[str, Any]) -> None:
    """Add the calibration and the custom metrics to pytest-benchmark's JSON output."""
    start = getattr(config, "_guardrails_calibration", [])
    end = calibrate(_quick(config))
    samples = list(start) + list(end)
    output_json["guardrails_calibration"] = {
        "median_s": statistics.median(samples),
        "samples": samples,
        "start_median_s": statistics.median(start) if start else None,
        "end_median_s": statistics.median(end),
        "by_test": getattr(config, "_guardrails_local_calibration", {}),
    }
    output_json["guardrails_metrics"] = getattr(config, _METRICS_KEY, {})
    output_json["guardrails_quick"] = _quick(config)
    output_json["guardrails_policy"] = getattr(config, "_guardrails_policy", None)
    output_json["guardrails_load_avg_1m"] = os.getloadavg()[0] if hasattr(os, "getloadavg") else None


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """When no pytest-benchmark timing ran (only metrics), still write the JSON file asked for."""
    handle = session.config.getoption("benchmark_json", None)
    if handle is None or getattr(handle, "closed", True):
        return
    try:
        empty = handle.tell() == 0
    except (OSError, ValueError):
        return
    if empty:
        output: dict[str, Any] = {"benchmarks": []}
        pytest_benchmark_update_json(session.config, [], output)
        handle.write(json.dumps(output, indent=1).encode("utf-8"))
        handle.flush()


class Metrics:
    """Records figures measured outside pytest-benchmark's timer (median and p99 are derived)."""

    def __init__(self, store: dict[str, Any]) -> None:
        self.store = store

    def record(self, name: str, samples: list[float], unit: str = "s", **info: Any) -> dict[str, Any]:
        """Store ``samples`` of ``name`` (unit "s", "MB" or "texts/s") and return the summary."""
        ordered = sorted(samples)
        entry = {
            "unit": unit,
            "median": statistics.median(ordered),
            "p99": ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))],
            "samples": samples,
            **info,
        }
        self.store[name] = entry
        return entry


@pytest.fixture(autouse=True)
def _local_calibration(request: pytest.FixtureRequest) -> Any:
    """Time the calibration workload right before and after each benchmark (load drifts)."""
    if "benchmark" not in request.fixturenames and "metrics" not in request.fixturenames:
        yield
        return
    before = calibrate(repeats=101)
    yield
    after = calibrate(repeats=101)
    store = request.config._guardrails_local_calibration  # type: ignore[attr-defined]
    store[request.node.name] = statistics.median(before + after)


@pytest.fixture(scope="session")
def quick(request: pytest.FixtureRequest) -> bool:
    """True in the gate's short mode."""
    return _quick(request.config)


@pytest.fixture(scope="session")
def metrics(request: pytest.FixtureRequest) -> Metrics:
    """The session's custom-metric recorder."""
    return Metrics(getattr(request.config, _METRICS_KEY))


@pytest.fixture
def cpu_clock(request: pytest.FixtureRequest, metrics: Metrics) -> Any:
    """``cpu_clock(fn, clock="thread"|"process")`` wraps ``fn`` so each call's CPU time is recorded.

    On a shared machine wall time includes waiting for a core; the calling thread's CPU time
    (onnxruntime runs in the caller with one intra-op thread) is what the call costs on an idle
    one. Recorded as the metric ``<test name>:cpu``.
    """
    samples: list[float] = []
    kinds: list[str] = []

    def wrap(fn: Callable[..., Any], clock: str = "thread") -> Callable[..., Any]:
        timer = time.thread_time if clock == "thread" else time.process_time
        kinds.append(clock)

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = timer()
            out = fn(*args, **kwargs)
            samples.append(timer() - start)
            return out

        return timed

    yield wrap
    if samples:
        metrics.record(f"{request.node.name}:cpu", samples, "s", clock=kinds[-1])


@pytest.fixture(scope="session")
def rounds(quick: bool) -> Callable[[int, int], int]:
    """``rounds(full, short)``: how many rounds a pedantic benchmark runs in this mode."""
    return lambda full, short: short if quick else full


POLICY_ENV = "GUARDRAILS_BENCH_POLICY"
"""Benchmark this policy file instead of the shipped default (e.g. a candidate policy)."""


def _load_default_guard() -> Any:
    try:
        from guardrails import Guard

        policy = os.environ.get(POLICY_ENV)
        guard = Guard.from_policy(policy) if policy else Guard.default()
        guard.check_input("warm up the encoder")
        guard.check_output("warm up the output rails", prompt="hi")
    except Exception as exc:  # the default policy or the model is not there yet
        pytest.skip(f"Guard.default() is not usable yet ({type(exc).__name__}: {exc})")
    rails = [r for stage in guard.guards.values() for r in stage]
    if not rails:
        pytest.skip("the default policy has no rails yet")
    return guard


@pytest.fixture(scope="session")
def default_guard(request: pytest.FixtureRequest) -> Any:
    """``Guard.default()`` (or the policy in $GUARDRAILS_BENCH_POLICY), warmed up; skips with the
    reason when the policy or the model is missing."""
    guard = _load_default_guard()
    request.config._guardrails_policy = {  # type: ignore[attr-defined]
        "source": os.environ.get(POLICY_ENV) or "Guard.default()",
        "name": guard.policy.name,
        "version": guard.policy.version,
        "rails": guard.guards,
    }
    return guard


@pytest.fixture(scope="session")
def peer(request: pytest.FixtureRequest) -> Any:
    """The DeBERTa-v3-base-shaped random-weight scanner (built once into .cache/peer/)."""
    try:
        import onnx  # noqa: F401
    except ImportError:
        pytest.skip("the peer comparison needs the 'onnx' package (pip install onnx) to build its model")
    tok = tokenizer_file()
    if tok is None:
        pytest.skip("no shipped tokenizer.json (guardrails/models/encoder) to tokenize peer input")
    from _peer import PeerScanner, build

    started = time.perf_counter()
    path = build()
    scanner = PeerScanner(path, tok)
    scanner.build_and_load_s = time.perf_counter() - started
    scanner.scan("warm up")
    return scanner
