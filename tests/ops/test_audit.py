"""Audit log: record shape, many threads, rotation, a killed writer, queue full, disk errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from guardrails.errors import PolicyError
from guardrails.ops.audit import AuditSink
from guardrails.ops.writer import JsonlWriter

REPO = Path(__file__).resolve().parents[2]

KEYWORDS = {"guard": "keyword", "config": {"words": {"hate": ["hateword"], "self_harm": ["hurt myself"]}}}


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_guard_writes_one_record_per_decision(toy, tmp_path):
    log = tmp_path / "logs" / "audit.jsonl"
    guard = toy({
        "input": [KEYWORDS, {"guard": "digits", "action": "redact"}],
        "audit": {"path": str(log), "include_text": True, "include_metadata": ["request_id"]},
    })
    from guardrails import RequestContext

    guard.check_input("call me at 5551234", context=RequestContext(metadata={"request_id": "r1", "user": "x"}))
    blocked = guard.check_input("hateword")
    guard.close()
    first, second = _lines(log)
    assert first["type"] == "decision" and first["policy"] == "test" and first["policy_version"] == "7"
    assert first["action"] == "redact" and first["text"] == "call me at [NUM]" and first["redacted"]
    assert first["metadata"] == {"request_id": "r1"}
    assert len(first["text_sha256"]) == 64 and first["text_chars"] == len("call me at 5551234")
    assert [g["rail"] for g in first["guards"]] == ["keyword", "digits"]
    assert all(g["latency_ms"] >= 0 for g in first["guards"])
    assert second["id"] == blocked.id and second["action"] == "block" and second["triggered"] == ["hate"]
    assert second["scores"]["hate"] == 1.0 and second["time"].endswith("Z")


def test_text_is_left_out_unless_the_policy_allows(toy, tmp_path):
    log = tmp_path / "audit.jsonl"
    guard = toy({"input": [KEYWORDS], "audit": {"path": str(log)}})
    guard.check_input("my secret question")
    guard.close()
    (record,) = _lines(log)
    assert "text" not in record and "my secret question" not in log.read_text()


def test_many_threads_no_lost_or_interleaved_lines(tmp_path):
    path = tmp_path / "audit.jsonl"
    writer = JsonlWriter(path, flush_interval_ms=5, queue_size=100_000)
    payload = "x" * 300

    def work(t: int) -> None:
        for i in range(500):
            assert writer.write({"t": t, "i": i, "payload": payload})

    threads = [threading.Thread(target=work, args=(t,)) for t in range(16)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    writer.close()
    records = _lines(path)
    assert len(records) == 16 * 500
    assert {(r["t"], r["i"]) for r in records} == {(t, i) for t in range(16) for i in range(500)}
    assert writer.stats()["dropped"] == 0 and writer.stats()["written"] == 8000


def test_guard_audit_from_many_threads(toy, tmp_path):
    log = tmp_path / "audit.jsonl"
    guard = toy({"input": [KEYWORDS], "audit": {"path": str(log), "flush_interval_ms": 10}})
    ids: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        for i in range(100):
            d = guard.check_input(f"text {i} hateword" if i % 3 == 0 else f"text {i}")
            with lock:
                ids.append(d.id)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    guard.close()
    assert sorted(r["id"] for r in _lines(log)) == sorted(ids)


def test_rotation_by_size_keeps_backups(tmp_path):
    path = tmp_path / "audit.jsonl"
    writer = JsonlWriter(path, max_bytes=2_000, backups=3, flush_interval_ms=0)
    for i in range(300):
        writer.write({"i": i, "pad": "y" * 40})
        if i % 10 == 9:
            writer.flush()
    writer.close()
    files = sorted(tmp_path.iterdir())
    assert [f.name for f in files] == ["audit.jsonl", "audit.jsonl.1", "audit.jsonl.2", "audit.jsonl.3"]
    for f in files:
        assert f.stat().st_size <= 2_000
    newest_first = [path, *(tmp_path / f"audit.jsonl.{n}" for n in (1, 2, 3))]
    numbers = [r["i"] for f in reversed(newest_first) for r in _lines(f)]
    assert numbers == list(range(numbers[0], 300))  # a contiguous tail, oldest files dropped
    assert writer.stats()["rotations"] >= 4


_KILL_CHILD = """
import sys, time
sys.path.insert(0, {repo!r})
from guardrails.ops.writer import JsonlWriter
w = JsonlWriter({path!r}, flush_interval_ms={interval}, fsync={fsync})
i = 0
while True:
    if w.write({{"n": i, "pad": "z" * 100}}):
        i += 1
        if i % 20 == 0:
            print(i, flush=True)
    time.sleep(0.0005)
"""


@pytest.mark.parametrize("fsync", [False, True])
def test_killed_writer_loses_at_most_the_flush_interval(tmp_path, fsync):
    path = tmp_path / "audit.jsonl"
    interval_ms = 50
    code = _KILL_CHILD.format(repo=str(REPO), path=str(path), interval=interval_ms, fsync=fsync)
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    acked: list[tuple[float, int]] = []
    started: float | None = None  # from the first acknowledgement: the child's start-up is not timed
    assert child.stdout is not None
    while started is None or time.monotonic() - started < 1.5:
        line = child.stdout.readline()
        if not line:
            break
        acked.append((time.monotonic(), int(line)))
        started = started or time.monotonic()
    os.kill(child.pid, signal.SIGKILL)
    killed_at = time.monotonic()
    child.wait()
    assert acked, "the child acknowledged nothing"
    slack = 0.5  # scheduling on a loaded 2-core machine
    must_have = max((n for t, n in acked if t <= killed_at - interval_ms / 1000 - slack), default=0)
    raw = path.read_text(encoding="utf-8")
    assert raw.endswith("\n"), "a partial line was written"
    numbers = [json.loads(line)["n"] for line in raw.splitlines()]
    assert numbers == list(range(len(numbers))), "records are missing or out of order"
    assert len(numbers) >= must_have, f"{len(numbers)} records on disk, {must_have} acknowledged before"
    assert must_have > 0


def test_queue_full_drops_are_counted_and_reported(tmp_path, caplog):
    path = tmp_path / "audit.jsonl"
    writer = JsonlWriter(path, queue_size=5, flush_interval_ms=0)
    gate = threading.Event()
    real = writer._write_lines

    def slow(lines):
        gate.wait(5)
        real(lines)

    writer._write_lines = slow  # type: ignore[method-assign]
    results = [writer.write({"i": i}) for i in range(100)]
    gate.set()
    writer.flush()
    writer.close()
    stats = writer.stats()
    assert results.count(False) == stats["dropped"] > 0
    assert stats["written"] == results.count(True) + 1  # plus the 'dropped' marker record
    records = _lines(path)
    assert {"type": "dropped", "count": stats["dropped"]}.items() <= next(
        r for r in records if r.get("type") == "dropped"
    ).items()
    assert "queue full" in caplog.text


def test_unwritable_directory_is_reported_not_raised(toy, tmp_path, caplog):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    guard = toy({"input": [KEYWORDS], "audit": {"path": str(blocker / "audit.jsonl")}})
    decision = guard.check_input("hateword")
    assert decision.blocked
    guard.operations.flush()
    stats = guard.operations.sink(AuditSink).stats()
    guard.close()
    assert stats["failed"] == 1 and stats["errors"] >= 1 and "cannot open" in stats["last_error"]
    assert "cannot open" in caplog.text and "not-a-dir" in caplog.text


def test_required_audit_log_fails_at_build(toy, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(PolicyError, match="audit.path"):
        toy({"input": [KEYWORDS], "audit": {"path": str(blocker / "a.jsonl"), "required": True}})


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_full_disk_is_counted(caplog):
    writer = JsonlWriter("/dev/full", flush_interval_ms=0)
    assert writer.write({"i": 1})
    writer.flush()
    writer.close()
    stats = writer.stats()
    assert stats["failed"] == 1 and stats["written"] == 0
    assert "No space left" in stats["last_error"] and "No space left" in caplog.text


_EXIT_CHILD = """
import sys
sys.path.insert(0, {repo!r})
from guardrails.ops.writer import JsonlWriter
w = JsonlWriter({path!r}, flush_interval_ms=60_000)
for i in range(500):
    w.write({{"n": i}})
"""


def test_records_are_flushed_at_interpreter_exit(tmp_path):
    path = tmp_path / "audit.jsonl"
    code = _EXIT_CHILD.format(repo=str(REPO), path=str(path))
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    assert [r["n"] for r in _lines(path)] == list(range(500))


def test_audit_summary_counts_errors_drops_and_shadow(toy, tmp_path, capsys):
    from guardrails.cli import main

    log = tmp_path / "audit.jsonl"
    from guardrails import Guard

    base = toy({"input": []})
    prod = {"name": "test", "input": [KEYWORDS, {"guard": "exploding", "id": "broken"}],
            "settings": {"run_all": True}, "audit": {"path": str(log)}}
    cand = {"name": "cand", "input": [{"guard": "keyword", "config": {"words": {"hate": ["hateword", "rats"]}}}]}
    g = Guard.from_policy(prod, plugin_manager=base.plugin_manager, resources=base.resources, shadow=cand)
    for text in ("hateword", "rats", "hello"):
        g.check_input(text)
    g.close()
    with log.open("a") as f:
        f.write('{"type":"dropped","count":3}\n{not json\n')
    assert main(["audit", "summarize", str(log), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["decisions"] == 3 and summary["by_stage_action"] == {"input/allow": 2, "input/block": 1}
    assert summary["errors"] == {"broken/error": 3} and summary["dropped"] == 3 and summary["unreadable_lines"] == 1
    assert summary["shadow"] == {"compared": 3, "disagree": 1,
                                 "pairs": {"allow -> allow": 1, "allow -> block": 1, "block -> block": 1}}
