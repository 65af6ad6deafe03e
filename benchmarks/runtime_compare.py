"""The runtime figures of issue 17, before and after, measured in one run (public API only).

    python benchmarks/runtime_compare.py --before DIR [--reps 2] [--json-out reports/runtime.json]

``DIR`` is another source tree of the SDK (e.g. ``git archive main | tar -x -C DIR``). Each
repetition runs the same workload (``--workload``, in a fresh process) once with ``DIR`` first on
``PYTHONPATH`` and once with this tree, alternating, so both see the same machine load; the table
gives the median over repetitions of each figure's median. Figures (docs/benchmarks.md,
"Runtime"):

* the same 32-token query again: p50 of ``check_input`` in µs (a decision-cache hit after);
* a 20,000-character document with a planted injection at its start, middle or end, and a benign
  one, through ``check_context``: process CPU ms per check (one encoder thread:
  ``GUARDRAILS_ENCODER_POOL=1``), and whether the injection was found;
* 256 short queries through one ``check_input_batch`` call: texts per CPU-second and per wall
  second (the encoder pool spreads them over the cores after; before, one thread);
* a distinct 32-token query: process CPU ms per ``check_input`` (cache misses).

Wall-clock figures on a shared machine measure the neighbours too; CPU time is the cost.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def _one_thread_guard(guard):  # type: ignore[no-untyped-def]
    """A default Guard whose encoder runs on the calling thread only (where it has a pool)."""
    import inspect

    from guardrails import Guard
    from guardrails.runtime import OnnxEncoder, default_model_dir

    if "pool_threads" not in inspect.signature(OnnxEncoder).parameters:
        return guard  # before the pool: one thread already
    from guardrails.plugins import collect_encoders, get_plugin_manager
    from guardrails.protocol import Resources

    factories = collect_encoders(get_plugin_manager())
    factories["default"] = lambda: OnnxEncoder(default_model_dir(), name="default", pool_threads=1)
    return Guard.default(resources=Resources(factories))


def workload(rounds: int) -> dict[str, float]:
    """Run the figures in this process (the tree on sys.path decides which code runs)."""
    sys.path.insert(0, str(HERE))
    from _texts import planted_document, queries, varied_prose

    import guardrails
    from guardrails import Guard

    out: dict[str, float] = {"tree": str(Path(guardrails.__file__).parent.parent)}  # type: ignore[dict-item]
    guard = Guard.default()
    one = _one_thread_guard(guard)
    guard.check_input("warm up the encoder")
    guard.check_context(["warm up the context rails"])

    text = queries(32, 1, seed=13)[0]
    guard.check_input(text)
    samples = []
    for _ in range(rounds * 200):
        t0 = time.perf_counter()
        guard.check_input(text)
        samples.append(time.perf_counter() - t0)
    out["same_query_again_us"] = statistics.median(samples) * 1e6

    cpu = []
    for q in queries(32, rounds * 20, seed=77):
        c0 = time.process_time()
        guard.check_input(q)
        cpu.append(time.process_time() - c0)
    out["query32_miss_cpu_ms"] = statistics.median(cpu) * 1e3

    for where in ("start", "middle", "end"):
        cpu, found = [], []
        for seed in (0, 1, 2, 4)[: max(2, rounds)]:  # injections the shipped head flags alone
            doc, _ = planted_document(20_000, where, seed=seed + 10 * rounds)
            c0 = time.process_time()
            d = one.check_context([doc])[0]
            cpu.append(time.process_time() - c0)
            found.append(float("prompt_injection" in d.triggered))
        out[f"doc20k_{where}_cpu_ms"] = statistics.median(cpu) * 1e3
        out[f"doc20k_{where}_found"] = statistics.mean(found)
    cpu = []
    for seed in range(max(2, rounds)):
        doc = varied_prose(20_000, seed=500 + seed)
        c0 = time.process_time()
        one.check_context([doc])
        cpu.append(time.process_time() - c0)
    out["doc20k_benign_cpu_ms"] = statistics.median(cpu) * 1e3

    rates, cpu_rates = [], []
    for r in range(rounds):
        batch = queries(16, 256, seed=900 + r)
        c0, t0 = time.process_time(), time.perf_counter()
        guard.check_input_batch(batch)
        wall, used = time.perf_counter() - t0, time.process_time() - c0
        rates.append(256 / wall)
        cpu_rates.append(256 / used)
    out["batch256_texts_per_s"] = statistics.median(rates)
    out["batch256_texts_per_cpu_s"] = statistics.median(cpu_rates)
    return out


def _run(tree: Path, rounds: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tree), str(tree / "plugins")])}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--workload", "--rounds", str(rounds)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=tree, timeout=3600)
    if done.returncode != 0:
        raise SystemExit(f"workload failed in {tree}:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="the other source tree (e.g. main, exported)")
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workload", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)
    if args.workload:
        print(json.dumps(workload(args.rounds)))
        return 0
    trees = {"before": args.before.resolve(), "after": REPO} if args.before else {"after": REPO}
    runs: dict[str, list[dict[str, float]]] = {k: [] for k in trees}
    for rep in range(args.reps):
        for name, tree in trees.items():
            started = time.time()
            runs[name].append(_run(Path(tree), args.rounds))
            print(f"rep {rep + 1}/{args.reps} {name}: {time.time() - started:.0f} s", file=sys.stderr)
    keys = [k for k in runs["after"][0] if k != "tree"]
    table = {name: {k: statistics.median(r[k] for r in rs) for k in keys} for name, rs in runs.items()}
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    result = {"figures": table, "runs": runs, "load_avg_1m": load, "cpus": os.cpu_count()}
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps(result, indent=1) + "\n")
    width = max(map(len, keys))
    print(f"{'figure':<{width}}  " + "  ".join(f"{n:>12}" for n in table))
    for k in keys:
        print(f"{k:<{width}}  " + "  ".join(f"{table[n][k]:>12.2f}" for n in table))
    print(f"load average {load}, {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
