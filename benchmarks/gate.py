"""Benchmark regression gate: run the benchmarks, print the table, compare with the baseline.

    python benchmarks/gate.py [--ci]               # CI: short mode, gate against benchmarks/baseline.json
    python benchmarks/gate.py --full --docs        # the full suite (peer included), rewrite docs/benchmarks.md
    python benchmarks/gate.py --update-baseline    # record a new baseline (commit it with the change)
    python benchmarks/gate.py --update-baseline --runs 3   # ... as the per-figure median of 3 runs

Each timing is divided by a calibration workload (benchmarks/_calibration.py) timed in the
same run, right before and after the benchmark, so a slower or busier machine does not fail
the build. A figure regresses when its normalised median AND its normalised minimum are both
more than ``--margin`` (1.5x) above the baseline, and the slowdown exceeds ``--floor-us``
(20 µs of absolute time): the minimum guard and the floor keep a noisy neighbour from failing
the build, a real slowdown moves all three. Memory (RSS) fails beyond ``--memory-margin``.
Accuracy on ../shared/datasets/dev-eval is gated against benchmarks/accuracy_baseline.json
(skipped cleanly when ../shared is absent). Exit status: 0 pass, 1 regression, 2 error.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import _report  # noqa: E402

BASELINE = HERE / "baseline.json"
ACCURACY_BASELINE = HERE / "accuracy_baseline.json"
SHARED = REPO.parent / "shared"
QUICK_FILES = ("test_bench_pipeline.py", "test_bench_chain.py", "test_bench_runtime.py", "test_bench_startup.py")
FULL_FILES = (*QUICK_FILES, "test_bench_peer.py")
"""The other suites (encoder, rules, multilingual, accuracy) report in their own docs sections;
run them with ``--paths`` or plain pytest."""
QUICK_KEYS_SKIP: tuple[str, ...] = ()


def machine() -> dict[str, Any]:
    """The machine a run was taken on."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or "unknown"
    try:
        import onnxruntime

        ort = onnxruntime.__version__
    except ImportError:  # pragma: no cover
        ort = "absent"
    try:
        load = os.getloadavg()[0]
    except OSError:  # pragma: no cover
        load = None
    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(), "onnxruntime": ort,
            "platform": platform.platform(), "load_avg_1m": load}


def run_suite(out: Path, *, full: bool, paths: list[str] | None, select: str | None, extra: list[str]) -> int:
    """Run pytest over the benchmarks, writing pytest-benchmark's JSON to ``out``."""
    if paths is None:
        paths = [str(HERE / f) for f in (FULL_FILES if full else QUICK_FILES) if (HERE / f).is_file()]
    cmd = [sys.executable, "-m", "pytest", *paths, "-q", "-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-rs",
           f"--benchmark-json={out}", "--benchmark-save-data", "--benchmark-sort=name"]
    if not full:
        cmd += ["--bench-quick", "-m", "not peer", "--benchmark-max-time=0.3", "--benchmark-min-rounds=20"]
    if select:
        cmd += ["-k", select]
    cmd += extra
    print("$", " ".join(cmd), flush=True)
    return subprocess.call(cmd, cwd=REPO)


def reproduced(first: list[str], second: list[str]) -> list[str]:
    """The regressions of ``first`` whose figure regressed in ``second`` too (a second run of the
    suite): this VM's noisy neighbours slow one run by 1.5-2x now and then, a real slowdown
    shows in both. Entries are ``"<figure>: <verdict>"``."""
    again = {r.split(": ", 1)[0] for r in second}
    return [r for r in first if r.split(": ", 1)[0] in again]


def compare(rows: list[_report.Row], baseline: dict[str, Any], margin: float, floor_s: float,
            memory_margin: float) -> tuple[list[list[str]], list[str]]:
    """Compare a run's rows with the baseline: (lines of the comparison table, failures)."""
    lines, failures = [], []
    current = {r.key: r for r in rows}
    for key, base in sorted(baseline.get("entries", {}).items()):
        row = current.get(key)
        if row is None:
            lines.append([key, "-", "-", "not run", "skipped (no figure in this run)"])
            continue
        if row.unit == "found":
            bad = base["median"] >= 1 and row.median < 1
            verdict = "REGRESSION (no longer found)" if bad else ("ok" if row.median >= 1 else "not found (as in the baseline)")
            lines.append([key, "found" if base["median"] >= 1 else "not found",
                          "found" if row.median >= 1 else "not found", "-", verdict])
        elif not base.get("normalise", True):
            ratio = row.median / base["median"]
            bad = ratio > memory_margin
            verdict = f"REGRESSION (> {memory_margin:g}x)" if bad else "ok"
            lines.append([key, f"{base['median']:.1f}", f"{row.median:.1f}", f"{ratio:.2f}x", verdict])
        else:
            ratio = row.norm_median / base["norm_median"]
            ratio_min = row.norm_min / base["norm_min"] if base.get("norm_min") else ratio
            slower_s = (row.norm_median - base["norm_median"]) * row.calibration_s
            bad = ratio > margin and ratio_min > margin and slower_s > floor_s
            if bad:
                verdict = f"REGRESSION (median {ratio:.2f}x, min {ratio_min:.2f}x, +{slower_s * 1e6:,.0f} µs)"
            elif ratio > margin:
                verdict = f"noise? (min {ratio_min:.2f}x, +{slower_s * 1e6:,.1f} µs): passes"
            else:
                verdict = "ok"
            lines.append([key, f"{base['norm_median']:.4g}", f"{row.norm_median:.4g}", f"{ratio:.2f}x", verdict])
        if bad:
            failures.append(f"{key}: {lines[-1][-1]}")
    for key in sorted(set(current) - set(baseline.get("entries", {}))):
        if current[key].spec is None or current[key].spec.group not in ("peer", "throughput-peer"):
            lines.append([key, "-", f"{current[key].norm_median:.4g}", "-", "new (no baseline yet)"])
    return lines, failures


def baseline_from(rows: list[_report.Row], result: dict[str, Any]) -> dict[str, Any]:
    """A baseline document from a run (peer figures and 16-text batches left out)."""
    entries = {}
    for r in rows:
        if r.spec is not None and r.spec.group in ("peer", "throughput-peer"):
            continue
        if r.key in QUICK_KEYS_SKIP:
            continue
        entries[r.key] = {"norm_median": r.norm_median, "norm_min": r.norm_min, "median": r.median,
                          "unit": r.unit, "normalise": r.normalise}
    return {
        "about": "normalised medians (median / calibration median); written by benchmarks/gate.py --update-baseline",
        "created": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": machine(),
        "calibration_s": _report.median_calibration(result),
        "quick": result.get("guardrails_quick", False),
        "entries": entries,
    }


def merge_baselines(docs: list[dict[str, Any]]) -> dict[str, Any]:
    """One baseline from several runs: per figure, the median of each run's normalised median,
    normalised minimum and raw median (figures missing from a run use the runs that have them)."""
    import statistics

    merged = dict(docs[-1])
    merged["runs"] = len(docs)
    merged["calibration_s"] = statistics.median(d["calibration_s"] for d in docs)
    entries: dict[str, Any] = {}
    for key in docs[-1]["entries"]:
        seen = [d["entries"][key] for d in docs if key in d["entries"]]
        entries[key] = {**seen[-1], **{f: statistics.median(e[f] for e in seen)
                                       for f in ("norm_median", "norm_min", "median")}}
    merged["entries"] = entries
    merged["about"] += f"; per-figure median of {len(docs)} runs"
    return merged


def accuracy_gate(full: bool) -> tuple[list[str], list[str]]:
    """Dev-eval headline figures vs benchmarks/accuracy_baseline.json: (report lines, failures)."""
    if not (SHARED / "datasets" / "dev-eval").is_dir():
        return ["accuracy: skipped (needs ../shared/datasets/dev-eval, not shipped to users)"], []
    if not ACCURACY_BASELINE.is_file():
        return ["accuracy: skipped (no benchmarks/accuracy_baseline.json committed yet)"], []
    try:
        from training import evalsets
        from training.evaluate import BIPIA_N, headline, measure, shipped_guards
    except Exception as exc:  # the training extra or the model is missing
        return [f"accuracy: skipped (cannot load the evaluation code: {type(exc).__name__}: {exc})"], []
    base = json.loads(ACCURACY_BASELINE.read_text())
    margin = float(base.get("margin", 0.02))
    started = time.perf_counter()
    try:
        guards = shipped_guards()
        sets = evalsets.all_sets(BIPIA_N)
        if not full and base.get("subsample_n"):
            sets = evalsets.subsample(sets, base["subsample_n"])
            committed = base.get("subsample_headline", {})
        else:
            committed = base.get("headline", {})
        got = headline(measure(guards, sets))
    except Exception as exc:
        return [f"accuracy: ERROR {type(exc).__name__}: {exc}"], [f"accuracy evaluation failed: {exc}"]
    lines = [f"accuracy on dev-eval ({'full' if full or not base.get('subsample_n') else 'subsample'}; "
             f"fails more than {margin} below the committed figure; {time.perf_counter() - started:.0f} s):"]
    failures = []
    for key, value in sorted(committed.items()):
        now = got.get(key)
        bad = now is None or now < value - margin
        lines.append(f"  {key:32} committed {value:.4f}  now {'-' if now is None else f'{now:.4f}'}"
                     f"  {'REGRESSION' if bad else 'ok'}")
        if bad:
            failures.append(f"accuracy {key}: {now} < {value} - {margin}")
    return lines, failures


def _print_table(head: list[str], lines: list[list[str]]) -> None:
    widths = [max(len(h), *(len(c[i]) for c in lines)) if lines else len(h) for i, h in enumerate(head)]
    pattern = "  ".join(f"{{:{w}}}" for w in widths)
    print(pattern.format(*head))
    print(pattern.format(*("-" * w for w in widths)))
    for cells in lines:
        print(pattern.format(*cells))


def main(argv: list[str] | None = None) -> int:
    """Run, print, gate. See the module docstring."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--full", action="store_true", help="full rounds, peer comparison included")
    p.add_argument("--ci", action="store_true", help="the CI mode (the default: short run, gate, verdict)")
    p.add_argument("--docs", action="store_true", help="rewrite the table in docs/benchmarks.md and the chart")
    p.add_argument("--update-baseline", action="store_true", help="write the baseline from this run")
    p.add_argument("--runs", type=int, default=1, help="with --update-baseline: the median of this many runs")
    p.add_argument("--baseline", type=Path, default=BASELINE)
    p.add_argument("--margin", type=float, default=1.5, help="allowed normalised slowdown (default 1.5x)")
    p.add_argument("--floor-us", type=float, default=20.0, help="ignore slowdowns smaller than this (µs)")
    p.add_argument("--memory-margin", type=float, default=1.3, help="allowed RSS growth (default 1.3x)")
    p.add_argument("--from-json", type=Path, help="gate an existing run's JSON instead of running")
    p.add_argument("--json-out", type=Path, help="keep the run's JSON here")
    p.add_argument("--paths", nargs="+", help="benchmark files to run (default: the CI subset)")
    p.add_argument("-k", dest="select", help="pytest -k expression")
    p.add_argument("--no-accuracy", action="store_true", help="skip the dev-eval accuracy gate")
    p.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = p.parse_args(argv)

    started = time.perf_counter()
    if args.from_json:
        out, status = args.from_json, 0
    else:
        out = args.json_out or Path(tempfile.mkdtemp(prefix="guardrails-bench-")) / "bench.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        status = run_suite(out, full=args.full, paths=args.paths, select=args.select, extra=args.pytest_args)
        if not out.is_file():
            print(f"GATE: ERROR: the benchmark run (exit {status}) wrote no results")
            return 2
    result = _report.load(out)
    rows = _report.rows(result)
    info = machine()
    print(f"\nmachine: {info['nproc']} CPUs, {info['cpu']}, Python {info['python']}, onnxruntime "
          f"{info['onnxruntime']}, load {info['load_avg_1m']}; calibration median "
          f"{_report.median_calibration(result) * 1e6:.1f} µs")
    print(_report.table(rows, markdown=False))

    if args.docs:
        from _docs import write_docs

        write_docs(rows, result, info)
    if args.update_baseline:
        docs = [baseline_from(rows, result)]
        for _ in range(max(0, args.runs - 1)):
            more = out.with_name(f"{out.stem}-{len(docs)}.json")
            status = max(status, run_suite(more, full=args.full, paths=args.paths, select=args.select,
                                           extra=args.pytest_args))
            res = _report.load(more)
            docs.append(baseline_from(_report.rows(res), res))
        doc = merge_baselines(docs) if len(docs) > 1 else docs[0]
        args.baseline.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"\nbaseline written: {args.baseline} ({len(doc['entries'])} figures)")
        return 0 if status == 0 else 2

    failures: list[str] = []
    if status != 0:
        failures.append(f"the benchmark run itself failed (pytest exit {status})")
    if args.baseline.is_file():
        baseline = json.loads(args.baseline.read_text(encoding="utf-8"))
        lines, regressions = compare(rows, baseline, args.margin, args.floor_us * 1e-6, args.memory_margin)
        print(f"\nregression gate: normalised median vs {args.baseline.name} (margin {args.margin:g}x, "
              f"floor {args.floor_us:g} µs, memory {args.memory_margin:g}x)")
        _print_table(["figure", "baseline", "now", "ratio", "verdict"], lines)
        if regressions and not args.from_json:
            again = out.with_name(f"{out.stem}-confirm.json")
            print(f"\nre-measuring once: {len(regressions)} figure(s) regressed, and a regression must reproduce")
            status = max(status, run_suite(again, full=args.full, paths=args.paths, select=args.select,
                                           extra=args.pytest_args))
            if again.is_file():
                _, second = compare(_report.rows(_report.load(again)), baseline, args.margin,
                                    args.floor_us * 1e-6, args.memory_margin)
                for line in second:
                    print(f"  second run: {line}")
                regressions = reproduced(regressions, second)
        failures += regressions
    else:
        print(f"\nregression gate: no baseline at {args.baseline}; run with --update-baseline")
    if not args.no_accuracy:
        acc_lines, acc_failures = accuracy_gate(args.full)
        print()
        print("\n".join(acc_lines))
        failures += acc_failures
    elapsed = time.perf_counter() - started
    if failures:
        print(f"\nGATE: FAIL ({len(failures)}) in {elapsed:.0f} s")
        for f in failures:
            print(f"  - {f}")
        return 1
    print(f"\nGATE: PASS in {elapsed:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
