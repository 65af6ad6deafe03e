"""The HTTP sidecar (``guardrails serve``) on one core, against the in-process call.

The server runs in its own process pinned to one CPU with ``--max-concurrency 1``; the client
(this process) runs on another CPU when there is one. Every request checks a 32-token query the
encoder has not seen (cache misses), through the default policy.

- latency: one request at a time over a keep-alive connection, interleaved round by round with
  the same kind of call made in process (``Guard.check_input`` on the server's CPU), so the
  overhead ratio compares two things measured in the same run under the same load; wall time
  per request and the server's CPU time per request (from /proc) against the in-process call's
  thread CPU time;
- throughput: 16 requests in flight for a fixed count: requests/s, and p50/p99 under load;
- the sidecar's own cost: the same with a policy that has no rails;
- memory: the worker's resident set size ready and after the runs, and with ``--workers 2``.

Run: python -m pytest benchmarks/test_bench_serve.py --benchmark-json=reports/serve.json
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

import pytest
from _texts import queries

pytest.importorskip("fastapi", reason="the sidecar needs the 'serve' extra")
httpx = pytest.importorskip("httpx")

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.serve.live import LiveServer  # noqa: E402

pytestmark = [pytest.mark.model, pytest.mark.subprocess]

CPUS = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
SERVER_CPU = CPUS[0] if CPUS else None
CLIENT_CPU = CPUS[1] if len(CPUS) > 1 else SERVER_CPU


def _pin(cpu: int | None) -> None:
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})


@pytest.fixture(scope="module")
def pinned():
    """Run the test's own thread on the client CPU; restore the affinity after."""
    before = os.sched_getaffinity(0) if CPUS else None
    yield
    if before is not None:
        os.sched_setaffinity(0, before)


def _start(tmp: Path, *args: str) -> LiveServer:
    live = LiveServer("--max-concurrency", "1", "--log-level", "warning", *args, log_path=tmp / "server.log",
                      cpu=SERVER_CPU)
    with httpx.Client(timeout=60) as client:
        live.wait_ready(client)
    return live


@pytest.fixture(scope="module")
def server(default_guard, tmp_path_factory):
    live = _start(tmp_path_factory.mktemp("serve"))
    yield live
    live.stop()


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def test_serve_latency_against_in_process(server, default_guard, metrics, rounds, pinned) -> None:
    """One request at a time, interleaved with the in-process call: wall and CPU per request."""
    n = rounds(300, 40)
    http_texts, local_texts = queries(32, n + 5, seed=301), queries(32, n + 5, seed=302)
    wall_http, wall_local, cpu_local = [], [], []
    with httpx.Client(base_url=server.url, timeout=60) as client:
        for i in range(5):  # warm the connection and both paths
            client.post("/v1/check/input", json={"text": http_texts[n + i]})
            default_guard.check_input(local_texts[n + i])
        cpu_before = server.cpu_seconds()
        for i in range(n):
            _pin(CLIENT_CPU)
            start = time.perf_counter()
            response = client.post("/v1/check/input", json={"text": http_texts[i]})
            wall_http.append(time.perf_counter() - start)
            assert response.status_code == 200
            _pin(SERVER_CPU)
            start, cpu = time.perf_counter(), time.thread_time()
            default_guard.check_input(local_texts[i])
            cpu_local.append(time.thread_time() - cpu)
            wall_local.append(time.perf_counter() - start)
        cpu_http = (server.cpu_seconds() - cpu_before) / n
    _pin(CLIENT_CPU)
    p50_http, p50_local = statistics.median(wall_http), statistics.median(wall_local)
    metrics.record("serve_input_32tok_wall", wall_http, "s", p99=_pct(wall_http, 0.99))
    metrics.record("inprocess_input_32tok_wall", wall_local, "s", p99=_pct(wall_local, 0.99))
    metrics.record("serve_overhead_ratio_wall", [p50_http / p50_local], "x",
                   absolute_ms=(p50_http - p50_local) * 1000)
    metrics.record("serve_overhead_ratio_cpu", [cpu_http / statistics.median(cpu_local)], "x",
                   server_cpu_per_request_ms=cpu_http * 1000, inprocess_cpu_ms=statistics.median(cpu_local) * 1000)


def _throughput(url: str, texts: list[str], in_flight: int) -> tuple[float, list[float]]:
    async def run() -> tuple[float, list[float]]:
        latencies: list[float] = []
        queue = list(reversed(texts))
        limits = httpx.Limits(max_connections=in_flight, max_keepalive_connections=in_flight)
        async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
            async def worker() -> None:
                while queue:
                    text = queue.pop()
                    start = time.perf_counter()
                    response = await client.post("/v1/check/input", json={"text": text})
                    latencies.append(time.perf_counter() - start)
                    assert response.status_code == 200, response.text

            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(in_flight)))
            return len(texts) / (time.perf_counter() - started), latencies

    return asyncio.run(run())


def test_serve_throughput_one_core(server, metrics, rounds, pinned) -> None:
    """16 requests in flight against one core: requests/s and latency under load."""
    _pin(CLIENT_CPU)
    texts = queries(32, rounds(1000, 100), seed=303)
    cpu_before = server.cpu_seconds()
    rate, latencies = _throughput(server.url, texts, in_flight=16)
    cpu = (server.cpu_seconds() - cpu_before) / len(texts)
    metrics.record("serve_throughput_one_core", [rate], "req/s", requests=len(texts), in_flight=16,
                   server_cpu_per_request_ms=cpu * 1000)
    # what one core would serve if the server had it to itself (a shared machine gives it less)
    metrics.record("serve_capacity_one_core_from_cpu", [1 / cpu], "req/s")
    metrics.record("serve_latency_under_load", latencies, "s", p99=_pct(latencies, 0.99))
    metrics.record("serve_rss_after_runs", [server.rss_mb()], "MB")


def test_sidecar_cost_without_rails(benchmark, tmp_path, metrics, rounds, pinned) -> None:
    """A policy with no rails: what HTTP, JSON and the thread hop cost on their own."""
    policy = tmp_path / "empty.yaml"
    policy.write_text("name: empty\nversion: '1'\n")
    live = _start(tmp_path, "--policy", str(policy))
    try:
        _pin(CLIENT_CPU)
        n = rounds(500, 50)
        texts = iter(queries(32, n + 2, seed=304))
        with httpx.Client(base_url=live.url, timeout=60) as client:
            def post(text: str) -> int:
                return client.post("/v1/check/input", json={"text": text}).status_code

            cpu_before = live.cpu_seconds()
            status = benchmark.pedantic(post, setup=lambda: ((next(texts),), {}), rounds=n, warmup_rounds=1)
            cpu = (live.cpu_seconds() - cpu_before) / (n + 1)
        assert status == 200
        rate, _ = _throughput(live.url, queries(32, rounds(2000, 200), seed=305), in_flight=16)
    finally:
        live.stop()
    walls = list(benchmark.stats.stats.data)
    metrics.record("serve_no_rails_wall", walls, "s", p99=_pct(walls, 0.99))
    metrics.record("serve_no_rails_server_cpu", [cpu], "s")
    metrics.record("serve_no_rails_capacity_one_core_from_cpu", [1 / cpu], "req/s")
    metrics.record("serve_no_rails_throughput", [rate], "req/s")


def _tree_rss_mb(pid: int) -> list[float]:
    """RSS in MB of a process and of each of its children (the process first)."""
    pids = [pid]
    for child in Path(f"/proc/{pid}/task").glob("*/children"):
        pids += [int(p) for p in child.read_text().split()]
    out = []
    for p in pids:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                out.append(int(line.split()[1]) / 1024)
    return out


def test_worker_memory(tmp_path, metrics, pinned) -> None:
    """RSS of one ready worker (default policy), and of ``--workers 2`` (supervisor included)."""
    one = _start(tmp_path)
    try:
        metrics.record("serve_rss_one_worker_ready", [one.rss_mb()], "MB")
    finally:
        one.stop()
    import socket

    with socket.socket() as sock:  # --workers needs a fixed port: take a free one
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    import subprocess

    two = subprocess.Popen([*LiveServer.command(), "--workers", "2", "--port", str(port), "--log-level", "warning"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO)
    try:
        deadline, ready = time.monotonic() + 120, 0
        with httpx.Client(timeout=10) as client:
            while ready < 6 and time.monotonic() < deadline:  # both workers answer ready
                try:
                    ready += client.get(f"http://127.0.0.1:{port}/readyz").status_code == 200
                except httpx.TransportError:
                    pass
                time.sleep(0.2)
        time.sleep(1.0)
        each = _tree_rss_mb(two.pid)
        metrics.record("serve_rss_two_workers_total", [sum(each)], "MB", processes=[round(mb, 1) for mb in each])
    finally:
        two.terminate()
        two.wait(30)
