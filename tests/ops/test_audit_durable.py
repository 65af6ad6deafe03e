"""Durable audit: a check returns only after its record is on disk; kill -9 loses nothing acknowledged."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from guardrails.ops.audit import AuditSink

REPO = Path(__file__).resolve().parents[2]
KEYWORDS = {"guard": "keyword", "config": {"words": {"hate": ["hateword"]}}}


def _ids(path: Path) -> list[str]:
    """Record ids in an audit file; a torn last line (a write cut by kill -9) is not a record."""
    out = []
    for line in path.read_bytes().split(b"\n"):
        try:
            out.append(json.loads(line)["id"])
        except ValueError:
            continue
    return out


def _durable(toy, path: Path, **extra):
    return toy({"input": [KEYWORDS], "audit": {"path": str(path), "durability": "durable", **extra}})


def test_the_record_is_in_the_file_when_the_check_returns(toy, tmp_path):
    log = tmp_path / "audit.jsonl"
    guard = _durable(toy, log)
    for i in range(20):
        d = guard.check_input(f"text {i}")
        assert _ids(log)[-1] == d.id  # no flush, no close: already written and fsynced
    stats = guard.operations.sink(AuditSink).stats()
    assert stats["written"] == 20 and stats["late"] == 0
    guard.close()


def test_concurrent_checks_share_one_fsync(toy, tmp_path):
    log = tmp_path / "audit.jsonl"
    guard = _durable(toy, log)
    writer = guard.operations.sink(AuditSink).writer
    gate, entered = threading.Event(), threading.Event()
    real = writer._write_lines

    def held(lines):
        entered.set()
        gate.wait(10)
        return real(lines)

    writer._write_lines = held  # type: ignore[method-assign]
    first = threading.Thread(target=guard.check_input, args=("first",))
    first.start()
    assert entered.wait(10)  # the first record's commit is in progress
    others = [threading.Thread(target=guard.check_input, args=(f"t{i}",)) for i in range(8)]
    for th in others:
        th.start()
    time.sleep(0.3)  # the eight queue up behind the commit in progress
    gate.set()
    for th in [first, *others]:
        th.join(10)
    stats = writer.stats()
    assert stats["written"] == 9 and stats["commits"] == 2  # one fsync for the eight
    assert len(_ids(log)) == 9
    guard.close()


def test_a_slow_disk_costs_at_most_the_durable_timeout(toy, tmp_path, caplog):
    log = tmp_path / "audit.jsonl"
    guard = _durable(toy, log, durable_timeout_ms=50)
    writer = guard.operations.sink(AuditSink).writer
    gate = threading.Event()
    real = writer._write_lines
    writer._write_lines = lambda lines: (gate.wait(10), real(lines))[1]  # type: ignore[method-assign]
    started = time.perf_counter()
    d = guard.check_input("hateword")
    assert d.blocked and time.perf_counter() - started < 2.0
    assert writer.stats()["late"] == 1 and "not durable yet" in caplog.text
    gate.set()
    guard.close()
    assert _ids(log) == [d.id]  # still written, late


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_in_durable_mode_is_counted_and_the_check_returns(toy, caplog):
    guard = toy({"input": [KEYWORDS], "audit": {"path": "/dev/full", "durability": "durable"}})
    assert guard.check_input("hateword").blocked
    stats = guard.operations.sink(AuditSink).stats()
    guard.close()
    assert stats["failed"] == 1 and "No space left" in caplog.text


_CHILD = r"""
import sys, threading
sys.path.insert(0, {repo!r})
from guardrails import Guard, Resources
from guardrails.plugins import get_plugin_manager
from tests.toy_guards import ToyPlugin

pm = get_plugin_manager(load_entrypoints=False, plugins=[ToyPlugin()])
guard = Guard.from_policy({{"name": "kill", "input": [{{"guard": "keyword", "config": {{"words": {{"hate": ["x"]}}}}}}],
                           "audit": {{"path": {path!r}, "durability": "durable"}}}},
                          plugin_manager=pm, resources=Resources({{}}))
lock = threading.Lock()

def work(t):
    i = 0
    while True:
        d = guard.check_input(f"thread {{t}} text {{i}}")
        with lock:
            sys.stdout.write(d.id + "\n")
            sys.stdout.flush()
        i += 1

for t in range(4):
    threading.Thread(target=work, args=(t,), daemon=True).start()
threading.Event().wait()
"""


@pytest.mark.slow
def test_kill_9_in_durable_mode_loses_no_acknowledged_record(tmp_path):
    rng = random.Random(18)
    lost_total, acked_total = 0, 0
    for trial in range(10):
        log = tmp_path / f"audit-{trial}.jsonl"
        child = subprocess.Popen([sys.executable, "-c", _CHILD.format(repo=str(REPO), path=str(log))],
                                 stdout=subprocess.PIPE, text=True)
        assert child.stdout is not None
        acked: list[str] = []
        run_for = rng.uniform(0.05, 0.6)
        started = None
        while started is None or time.monotonic() - started < run_for:
            line = child.stdout.readline()
            if not line:
                break
            acked.append(line.strip())
            started = started or time.monotonic()
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        assert acked, f"trial {trial}: the child acknowledged nothing"
        on_disk = set(_ids(log))
        lost = [i for i in acked if i not in on_disk]
        lost_total += len(lost)
        acked_total += len(acked)
    assert lost_total == 0, f"{lost_total} of {acked_total} acknowledged records lost"
