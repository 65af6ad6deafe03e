"""Turns a benchmark run's JSON into rows: median, p99, ratio to the DESIGN.md budget and to the peer.

Timings come from pytest-benchmark (``benchmarks[]``) and from the suite's own metrics
(``guardrails_metrics``: subprocess start-up figures, RSS, per-guard latency). Every row carries
a calibration-normalised median and minimum for the regression gate.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

US, MS = 1e-6, 1e-3


@dataclass(frozen=True)
class Budget:
    """A DESIGN.md budget line: ``value`` in the row's unit; ``kind`` is max (latency) or min (rate)."""

    text: str
    median: float | None = None
    p99: float | None = None
    kind: str = "max"


@dataclass(frozen=True)
class Spec:
    """How a raw result becomes a table row."""

    key: str
    label: str
    budget: Budget | None = None
    peer: str | None = None
    group: str = "chain"


SPECS: tuple[Spec, ...] = (
    Spec("test_input_chain[8tok]", "input chain, 8-token query (cache miss)", peer="test_peer_scan[8tok]"),
    Spec("test_input_chain[32tok]", "input chain, 32-token query (cache miss)",
         Budget("p50 ≤ 2 ms, p99 ≤ 5 ms", 2 * MS, 5 * MS), peer="test_peer_scan[32tok]"),
    Spec("test_output_chain[8tok]", "output chain, 8-token answer", peer="test_peer_scan[8tok]"),
    Spec("test_output_chain[32tok]", "output chain, 32-token answer", peer="test_peer_scan[32tok]"),
    Spec("test_answer_2000[input]", "input chain, 2,000-character text", peer="test_peer_scan[answer2000]"),
    Spec("test_answer_2000[output]", "output chain, 2,000-character answer", peer="test_peer_scan[answer2000]"),
    Spec("test_document_20000", "20,000-character document, injection at its end found",
         Budget("≤ 150 ms", 150 * MS), peer="test_peer_scan[document20000]"),
    Spec("document_injection_found", "the injection at the end of that document is found", Budget("found", 1.0)),
    Spec("test_document_one_thread[start]", "20,000-character document, injection at its start, one thread",
         Budget("≤ 150 ms", 150 * MS), group="runtime"),
    Spec("document_found[start]", "  … the injection at its start is found", Budget("found", 1.0), group="runtime"),
    Spec("test_document_one_thread[middle]", "20,000-character document, injection in its middle, one thread",
         Budget("≤ 150 ms", 150 * MS), group="runtime"),
    Spec("document_found[middle]", "  … the injection in its middle is found", Budget("found", 1.0), group="runtime"),
    Spec("test_document_one_thread[end]", "20,000-character document, injection at its end, one thread",
         Budget("≤ 150 ms", 150 * MS), group="runtime"),
    Spec("document_found[end]", "  … the injection at its end is found", Budget("found", 1.0), group="runtime"),
    Spec("test_document_one_thread[benign]", "20,000-character benign document, one thread", group="runtime"),
    Spec("test_input_cache_hit", "same 32-token query again (decision cache hit)", Budget("≤ 20 µs", 20 * US)),
    Spec("test_decision_cache_miss_vs_hit", "same 32-token query, decision cache off (encoder cache hit)"),
    Spec("test_token_states[pooled]", "32-token query, pooled vectors only", group="runtime"),
    Spec("test_token_states[pooled+tokens]", "32-token query, pooled vectors and token states (same run)",
         group="runtime"),
    Spec("test_chain_batch[batch_call-16]", "batch of 16, one check_input_batch call", group="throughput"),
    Spec("test_chain_batch[batch_call-64]", "batch of 64, one check_input_batch call", group="throughput",
         peer="test_peer_batch"),
    Spec("test_chain_batch[batch_call-256]", "batch of 256, one check_input_batch call", group="throughput"),
    Spec("test_chain_batch[two_threads-16]", "batch of 16, two threads", group="throughput"),
    Spec("test_chain_batch[two_threads-64]", "batch of 64, two threads", group="throughput", peer="test_peer_batch"),
    Spec("test_chain_batch[two_threads-256]", "batch of 256 short queries, two threads",
         Budget("≥ 1,500 texts/s", 1500, kind="min"), group="throughput"),
    Spec("test_overhead[0-guards]", "pipeline overhead, no guards", Budget("≤ 20 µs", 20 * US), group="core"),
    Spec("test_overhead[5-guards]", "pipeline overhead, 5 trivial guards", group="core"),
    Spec("test_stream_overhead[0-guards]", "streaming, per chunk, no guards", group="core"),
    Spec("test_stream_overhead[5-guards]", "streaming, per chunk, 5 trivial guards", group="core"),
    Spec("test_stream_default", "streaming, per chunk, default output chain", group="core"),
    Spec("import_guardrails", "`import guardrails` (fresh process)", Budget("≤ 150 ms", 150 * MS), group="startup"),
    Spec("import_guardrails_cpu", "`import guardrails`, CPU time of the process", Budget("≤ 150 ms", 150 * MS),
         group="startup"),
    Spec("guard_default_cold", "`Guard.default()` cold (fresh process)", Budget("≤ 1 s", 1.0), group="startup"),
    Spec("cold_to_first_decision", "`Guard.default()` + first decision (fresh process)", Budget("≤ 1 s", 1.0),
         group="startup"),
    Spec("cold_to_first_decision_cpu", "`Guard.default()` + first decision, CPU time (all threads)",
         group="startup"),
    Spec("rss_after_load", "RSS after load and first decision", Budget("≤ 250 MB", 250), group="startup"),
    Spec("test_peer_scan[8tok]", "PEER (random weights): one scanner, 8-token query", group="peer"),
    Spec("test_peer_scan[32tok]", "PEER (random weights): one scanner, 32-token query", group="peer"),
    Spec("test_peer_scan[answer2000]", "PEER (random weights): one scanner, 2,000 characters", group="peer"),
    Spec("test_peer_scan[document20000]", "PEER (random weights): one scanner, 20,000 characters", group="peer"),
    Spec("test_peer_batch", "PEER (random weights): batch of 64", group="throughput-peer"),
)
SPEC_BY_KEY = {s.key: s for s in SPECS}


@dataclass
class Row:
    """One measured figure. ``median``/``p99``/``minimum`` are seconds (per text or per chunk where
    the benchmark says so), MB, or texts/s for throughput; ``norm_*`` are for the gate."""

    key: str
    label: str
    unit: str
    median: float
    p99: float
    minimum: float
    rounds: int
    calibration_s: float
    norm_median: float
    norm_min: float
    normalise: bool = True
    spec: Spec | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    cpu: float | None = None
    """Median CPU seconds per call (calling thread), or for throughput rows texts per CPU-second."""

    @property
    def rate(self) -> bool:
        return self.unit == "texts/s"


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def load(path: str | Path) -> dict[str, Any]:
    """The JSON a run wrote."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def rows(result: dict[str, Any]) -> list[Row]:
    """Every figure of a run, in SPECS order first, then the rest (other suites' benchmarks)."""
    cal = result.get("guardrails_calibration", {})
    global_cal = cal.get("median_s") or 1.0
    by_test = cal.get("by_test", {})
    out: dict[str, Row] = {}
    for bench in result.get("benchmarks", []):
        key = bench["name"]
        stats = bench["stats"]
        data = stats.get("data") or [stats["median"]]
        info = bench.get("extra_info", {})
        local = by_test.get(key, global_cal)
        divisor = float(info.get("chunks", 1))
        median, minimum = stats["median"] / divisor, stats["min"] / divisor
        p99 = _quantile(data, 0.99) / divisor
        spec = SPEC_BY_KEY.get(key)
        unit = "s"
        extra = {k: v for k, v in info.items() if k in ("chunks", "texts", "stage", "tokens", "chars")}
        if info.get("throughput"):
            texts = float(info["texts"])
            unit = "texts/s"
            median_rate, p99_rate, best = texts / stats["median"], texts / _quantile(data, 0.99), texts / stats["min"]
            out[key] = Row(key, spec.label if spec else key, unit, median_rate, p99_rate, best, stats["rounds"],
                           local, stats["median"] / local, stats["min"] / local, spec=spec, extra=extra)
            continue
        out[key] = Row(key, spec.label if spec else key, unit, median, p99, minimum, stats["rounds"], local,
                       median / local, minimum / local, spec=spec, extra=extra)
    cpu_metrics = {k[: -len(":cpu")]: m for k, m in result.get("guardrails_metrics", {}).items()
                   if k.endswith(":cpu")}
    for key, metric in result.get("guardrails_metrics", {}).items():
        if key.endswith(":cpu"):
            continue
        spec = SPEC_BY_KEY.get(key)
        samples = metric["samples"]
        unit = metric["unit"]
        timed = unit == "s"
        local = by_test.get(key, global_cal)
        divisor = local if timed else 1.0
        if spec is not None:
            label = spec.label
        elif key.startswith(("per_guard[", "per_guard_hit[")):
            stage, rail = key.split("[", 1)[1][:-1].split(":", 1)
            label = f"guard `{rail}` inside the {stage} chain, 32-token query" + (
                " (cache hit)" if key.startswith("per_guard_hit[") else " (cache miss)")
        else:
            label = key
        out[key] = Row(key, label, unit, metric["median"], metric["p99"],
                       min(samples), len(samples), local, metric["median"] / divisor, min(samples) / divisor,
                       normalise=timed, spec=spec,
                       extra={k: v for k, v in metric.items() if k not in ("samples", "median", "p99", "unit")})
    for key, metric in cpu_metrics.items():
        row = out.get(key)
        if row is None:
            continue
        cpu = float(metric["median"]) / float(row.extra.get("chunks", 1))
        row.cpu = float(row.extra["texts"]) / cpu if row.rate and cpu > 0 else cpu
    ordered = [out.pop(s.key) for s in SPECS if s.key in out]
    return ordered + sorted(out.values(), key=lambda r: r.key)


def fmt(value: float, unit: str) -> str:
    """A human figure: µs/ms/s for seconds, MB, texts/s."""
    if unit == "s":
        if value < 1e-3:
            return f"{value * 1e6:.1f} µs"
        if value < 1:
            return f"{value * 1e3:.2f} ms"
        return f"{value:.2f} s"
    if unit == "MB":
        return f"{value:.0f} MB"
    if unit == "found":
        return "found" if value >= 1 else "NOT found"
    if unit == "texts/s":
        return f"{value:,.0f} texts/s"
    return f"{value:g} {unit}"


def budget_ratio(row: Row) -> str:
    """Measured / budget (for a rate: budget / measured), so ≤ 1.00 always means within budget."""
    spec = row.spec
    if spec is None or spec.budget is None:
        return ""
    b = spec.budget
    if row.unit == "found":
        score = row.extra.get("score")
        detail = f" (score {score:.2f})" if isinstance(score, float) else ""
        return ("✅" if row.median >= 1 else "❌") + detail
    parts = []
    if b.median is not None:
        ratio = (b.median / row.median) if b.kind == "min" else (row.median / b.median)
        parts.append(f"{ratio:.2f}{' ✅' if ratio <= 1 else ' ❌'}")
    if b.p99 is not None:
        ratio = row.p99 / b.p99
        parts.append(f"p99 {ratio:.2f}{' ✅' if ratio <= 1 else ' ❌'}")
    if row.cpu is not None and b.median is not None and not row.rate:
        ratio = row.cpu / b.median
        parts.append(f"CPU {ratio:.2f}{' ✅' if ratio <= 1 else ' ❌'}")
    return " / ".join(parts)


def peer_ratio(row: Row, by_key: dict[str, Row]) -> str:
    """How many times faster our whole chain is than one peer-shaped scanner on the same texts."""
    if row.spec is None or row.spec.peer is None or row.spec.peer not in by_key:
        return ""
    peer = by_key[row.spec.peer]
    if row.rate:
        text = f"{row.median / peer.median:.1f}× faster"
        if row.cpu and peer.cpu:
            text += f" (CPU {row.cpu / peer.cpu:.1f}×)"
        return text
    text = f"{peer.median / row.median:.1f}× faster"
    if row.cpu and peer.cpu:
        text += f" (CPU {peer.cpu / row.cpu:.1f}×)"
    return text


def table(rs: list[Row], *, markdown: bool = True) -> str:
    """The benchmark table (markdown, or plain text for a terminal)."""
    by_key = {r.key: r for r in rs}
    head = ["what", "median", "p99", "CPU time", "budget", "ratio to budget", "vs one peer-sized scanner",
            "rounds"]
    lines = []
    for r in rs:
        spec = r.spec
        lines.append([
            r.label,
            fmt(r.median, r.unit),
            fmt(r.p99, r.unit) + (" (worst)" if r.rate else ""),
            "" if r.cpu is None else (f"{r.cpu:,.0f} texts/CPU-s" if r.rate else fmt(r.cpu, "s")),
            spec.budget.text if spec and spec.budget else "",
            budget_ratio(r),
            peer_ratio(r, by_key),
            str(r.rounds),
        ])
    if markdown:
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        out += ["| " + " | ".join(cells) + " |" for cells in lines]
        return "\n".join(out)
    widths = [max(len(h), *(len(c[i]) for c in lines)) if lines else len(h) for i, h in enumerate(head)]
    fmt_line = "  ".join(f"{{:{w}}}" for w in widths)
    return "\n".join([fmt_line.format(*head), fmt_line.format(*("-" * w for w in widths))]
                     + [fmt_line.format(*c) for c in lines])


def median_calibration(result: dict[str, Any]) -> float:
    """The run's calibration median in seconds."""
    cal = result.get("guardrails_calibration", {})
    samples = cal.get("samples") or [cal.get("median_s", 0.0)]
    return statistics.median(samples)
