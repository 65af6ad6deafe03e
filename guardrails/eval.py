"""Evaluate a policy on labelled data: per-category metrics, threshold sweeps, worst errors, latency.

Data: JSON Lines (or CSV/TSV with a header) with ``text`` and ``labels`` (a list of categories;
empty means benign). Optional fields: ``id``, ``source`` (metrics are also broken down by it).
The reserved label ``unsafe`` marks harmful text of no particular category: it counts as
detected when the policy acts at all, and such rows are never counted as false positives of a
specific category.

>>> from guardrails.eval import evaluate, load_examples      # doctest: +SKIP
>>> report = evaluate(Guard.from_policy("policy.yaml"), load_examples("data.jsonl"))  # doctest: +SKIP
>>> report["overall"]["detection_rate"]                        # doctest: +SKIP
"""

from __future__ import annotations

import csv
import json
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from guardrails.errors import GuardrailsError
from guardrails.results import Action, Decision

__all__ = [
    "ANY_LABEL",
    "DataError",
    "Example",
    "Outcome",
    "Progress",
    "evaluate",
    "load_examples",
    "render_markdown",
    "run_policy",
    "write_report",
]

ANY_LABEL = "unsafe"
"""Reserved label: harmful, category unknown (detected when the policy acts at all)."""
_BENIGN_WORDS = {"", "benign", "none", "safe", "0"}
SWEEP = tuple(round(0.05 * i, 2) for i in range(1, 20))


class DataError(GuardrailsError, ValueError):
    """A labelled data file cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class Example:
    """One labelled text."""

    text: str
    labels: tuple[str, ...] = ()
    id: str | None = None
    source: str | None = None
    line: int = 0


@dataclass
class Outcome:
    """What the policy decided on one example (the parts eval needs)."""

    example: Example
    action: Action
    triggered: tuple[str, ...]
    scores: dict[str, float]
    rail_ms: float
    rails: dict[str, str] = field(default_factory=dict)
    """category -> the rail that scored it."""

    @property
    def acted(self) -> bool:
        """The policy did something other than allow."""
        return self.action is not Action.ALLOW


def _parse_labels(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                raise DataError(f"{where}: labels: not a JSON list: {exc.msg}") from None
        else:
            value = text.replace(";", "|").split("|") if "|" in text or ";" in text else text.split(",")
    if not isinstance(value, list | tuple):
        raise DataError(f"{where}: labels must be a list of categories, got {type(value).__name__}")
    labels = [str(v).strip().lower() for v in value]
    return tuple(sorted({v for v in labels if v not in _BENIGN_WORDS}))


def _example(row: dict[str, Any], where: str, line: int) -> Example:
    text = row.get("text")
    if not isinstance(text, str):
        raise DataError(f"{where}: needs a 'text' string field")
    labels = row.get("labels", row.get("label"))
    source = row.get("source")
    return Example(
        text=text,
        labels=_parse_labels(labels, where),
        id=None if row.get("id") is None else str(row["id"]),
        source=None if source is None else str(source),
        line=line,
    )


def load_examples(path: str | Path, *, limit: int | None = None) -> list[Example]:
    """Read labelled examples from JSONL (``.jsonl``/``.json``) or CSV/TSV (``.csv``/``.tsv``)."""
    path = Path(path)
    try:
        handle = path.open(encoding="utf-8", errors="replace", newline="")
    except OSError as exc:
        raise DataError(f"{path}: cannot read: {exc.strerror or exc}") from None
    out: list[Example] = []
    with handle:
        if path.suffix.lower() in (".csv", ".tsv"):
            reader = csv.DictReader(handle, delimiter="\t" if path.suffix.lower() == ".tsv" else ",")
            if not reader.fieldnames or "text" not in reader.fieldnames:
                raise DataError(f"{path}: the CSV header needs a 'text' column (and 'labels')")
            for number, row in enumerate(reader, start=2):
                out.append(_example(row, f"{path}:{number}", number))
                if limit and len(out) >= limit:
                    break
            return out
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                row = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise DataError(f"{path}:{number}: not JSON: {exc.msg}") from None
            if not isinstance(row, dict):
                raise DataError(f"{path}:{number}: each line must be a JSON object")
            out.append(_example(row, f"{path}:{number}", number))
            if limit and len(out) >= limit:
                break
    return out


class Progress:
    """A one-line progress bar on stderr (only when enabled; tqdm is not needed)."""

    def __init__(self, total: int, label: str = "eval", *, enabled: bool | None = None,
                 stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.total, self.label, self.done = total, label, 0
        self.started = self._last = time.perf_counter()

    def update(self, n: int) -> None:
        """Advance by ``n`` items."""
        self.done += n
        now = time.perf_counter()
        if self.enabled and (now - self._last >= 0.1 or self.done >= self.total):
            self._last = now
            rate = self.done / max(now - self.started, 1e-9)
            frac = self.done / self.total if self.total else 1.0
            eta = (self.total - self.done) / rate if rate else 0.0
            bar = "#" * int(frac * 30)
            self.stream.write(f"\r{self.label} {self.done}/{self.total} [{bar:<30}] {frac:4.0%} "
                              f"{rate:,.0f}/s eta {eta:.0f}s ")
            self.stream.flush()

    def close(self) -> None:
        """End the line."""
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


def _decide(guard: Any, stage: str, texts: list[str]) -> list[Decision]:
    if stage == "output":
        return guard.check_output_batch(texts)
    if stage == "context":
        return guard._check_batch("context", texts, None, None)
    return guard.check_input_batch(texts)


def run_policy(
    guard: Any,
    examples: Sequence[Example],
    *,
    stage: str = "input",
    batch_size: int = 256,
    progress: Progress | None = None,
) -> tuple[list[Outcome], float]:
    """Decide every example in batches; returns the outcomes and the wall time in seconds."""
    outcomes: list[Outcome] = []
    started = time.perf_counter()
    for i in range(0, len(examples), batch_size):
        chunk = examples[i : i + batch_size]
        for ex, d in zip(chunk, _decide(guard, stage, [e.text for e in chunk])):
            rails: dict[str, str] = {}
            for v in d.verdicts:
                for c in v.categories:
                    rails.setdefault(c, v.rail or v.guard)
            outcomes.append(Outcome(ex, d.action, tuple(d.triggered), dict(d.categories),
                                    sum(v.latency_ms for v in d.verdicts), rails))
        if progress is not None:
            progress.update(len(chunk))
    return outcomes, time.perf_counter() - started


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 4) if b else None


def _percentiles(values: Iterable[float]) -> dict[str, float]:
    import numpy as np

    arr = np.asarray(list(values), dtype=float)
    if not arr.size:
        return {}
    q = np.percentile(arr, [50, 90, 95, 99])
    return {"p50": round(float(q[0]), 3), "p90": round(float(q[1]), 3), "p95": round(float(q[2]), 3),
            "p99": round(float(q[3]), 3), "max": round(float(arr.max()), 3), "mean": round(float(arr.mean()), 3)}


def _score(o: Outcome, category: str) -> float:
    if category == ANY_LABEL:
        return max(o.scores.values(), default=0.0)
    return o.scores.get(category, 0.0)


def _predicted(o: Outcome, category: str) -> bool:
    return o.acted if category == ANY_LABEL else category in o.triggered


def _eligible(o: Outcome, category: str) -> bool:
    """Rows that count for ``category``: its positives, and negatives not labelled 'unsafe'.

    For ``unsafe`` itself the negatives are the benign rows only.
    """
    labels = o.example.labels
    if category == ANY_LABEL:
        return not labels or ANY_LABEL in labels
    return category in labels or ANY_LABEL not in labels


def _counts(y: Any, pred: Any) -> dict[str, Any]:
    tp = int((y & pred).sum())
    fp = int((~y & pred).sum())
    fn = int((y & ~pred).sum())
    tn = int((~y & ~pred).sum())
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = round(2 * precision * recall / (precision + recall), 4) if precision and recall else (
        0.0 if precision is not None and recall is not None else None)
    return {"tp": tp, "fp": fp, "fn": fn, "tn": tn, "precision": precision, "recall": recall,
            "f1": f1, "fpr": _ratio(fp, fp + tn)}


def _average_precision(y: Any, s: Any) -> float | None:
    """Area under the step precision-recall curve, ties grouped (as scikit-learn computes it)."""
    import numpy as np

    if not y.any():
        return None
    order = np.argsort(-s, kind="stable")
    ys, ss = y[order], s[order]
    last = np.r_[np.nonzero(np.diff(ss))[0], len(ss) - 1]
    tp = np.cumsum(ys)[last]
    precision = tp / (last + 1)
    recall = tp / ys.sum()
    return round(float(np.sum(np.diff(np.r_[0.0, recall]) * precision)), 4)


def pr_curve(y: Any, s: Any, points: int = 200) -> dict[str, list[float]]:
    """Precision and recall at each distinct score (thinned to ``points``), for plots."""
    import numpy as np

    order = np.argsort(-s, kind="stable")
    ys, ss = y[order], s[order]
    tp = np.cumsum(ys)
    fp = np.cumsum(~ys)
    last = np.r_[np.nonzero(np.diff(ss))[0], len(ss) - 1] if len(ss) else np.array([], dtype=int)
    if len(last) > points:
        last = last[np.linspace(0, len(last) - 1, points).astype(int)]
    total = max(int(ys.sum()), 1)
    return {
        "threshold": [round(float(ss[i]), 4) for i in last],
        "precision": [round(float(tp[i] / (tp[i] + fp[i])), 4) for i in last],
        "recall": [round(float(tp[i] / total), 4) for i in last],
    }


def _category_report(outcomes: list[Outcome], category: str, thresholds: dict[str, float]) -> dict[str, Any]:
    import numpy as np

    rows = [o for o in outcomes if _eligible(o, category)]
    y = np.array([category in o.example.labels for o in rows], dtype=bool)
    s = np.array([_score(o, category) for o in rows], dtype=float)
    pred = np.array([_predicted(o, category) for o in rows], dtype=bool)
    scored = category == ANY_LABEL or any(category in o.scores for o in outcomes)
    report: dict[str, Any] = {"support": int(y.sum()), "rows": len(rows), "scored": scored, **_counts(y, pred)}
    report["threshold"] = thresholds.get(category)
    report["average_precision"] = _average_precision(y, s) if scored else None
    sweep = [{"threshold": t, **_counts(y, s >= t)} for t in SWEEP] if scored else []
    report["sweep"] = sweep
    best = max((r for r in sweep if r["f1"] is not None), key=lambda r: r["f1"], default=None)
    low_fpr = [r for r in sweep if r["fpr"] is not None and r["fpr"] <= 0.01 and r["tp"]]
    report["best"] = {
        "max_f1": best and {k: best[k] for k in ("threshold", "precision", "recall", "f1", "fpr")},
        "fpr_at_most_1pct": low_fpr and {k: low_fpr[0][k] for k in ("threshold", "precision", "recall", "fpr")}
        or None,
    }
    report["_curve"] = pr_curve(y, s) if scored and y.any() else None
    report["_hist"] = {"positive": s[y].round(4).tolist(), "negative": s[~y].round(4).tolist()} if scored else None
    return report


def _thresholds(guard: Any, stage: str, outcomes: list[Outcome]) -> dict[str, float]:
    rails = {r.spec.rail_id: r for r in guard._runners[stage].rails}
    out: dict[str, float] = {}
    for o in outcomes:
        for category, rail_id in o.rails.items():
            rail = rails.get(rail_id)
            if category not in out and rail is not None:
                out[category] = rail.spec.threshold_for(category, rail.recommended)
    return out


def _example_row(o: Outcome, focus: Sequence[str] = ()) -> dict[str, Any]:
    top = sorted(o.scores.items(), key=lambda kv: -kv[1])[:3]
    row = {"text": o.example.text, "labels": list(o.example.labels), "action": o.action.value,
           "triggered": list(o.triggered), "top_scores": {k: round(v, 4) for k, v in top}}
    if focus:
        row["label_scores"] = {c: round(_score(o, c), 4) for c in focus}
    for key in ("id", "source"):
        if getattr(o.example, key):
            row[key] = getattr(o.example, key)
    return row


def _group_rates(outcomes: list[Outcome]) -> dict[str, Any]:
    positives = [o for o in outcomes if o.example.labels]
    benign = [o for o in outcomes if not o.example.labels]
    actions: dict[str, dict[str, int]] = {"labelled": {}, "benign": {}}
    for group, rows in (("labelled", positives), ("benign", benign)):
        for o in rows:
            actions[group][o.action.value] = actions[group].get(o.action.value, 0) + 1
    return {
        "rows": len(outcomes), "labelled": len(positives), "benign": len(benign),
        "detected": sum(o.acted for o in positives),
        "detection_rate": _ratio(sum(o.acted for o in positives), len(positives)),
        "false_positives": sum(o.acted for o in benign),
        "false_positive_rate": _ratio(sum(o.acted for o in benign), len(benign)),
        "benign_blocked_rate": _ratio(
            sum(o.action in (Action.BLOCK, Action.ESCALATE) for o in benign), len(benign)),
        "actions": actions,
    }


def evaluate(
    guard: Any,
    examples: Sequence[Example],
    *,
    stage: str = "input",
    batch_size: int = 256,
    examples_shown: int = 10,
    latency_sample: int = 200,
    progress: Progress | None = None,
    data_name: str = "",
) -> dict[str, Any]:
    """Run ``guard`` over ``examples`` and return the report (a JSON-ready dict)."""
    if not examples:
        raise DataError(f"{data_name or 'data'}: no examples")
    single: dict[str, Any] = {}  # first, while the encoder's cache is cold
    if latency_sample:
        timings = []
        check = {"output": guard.check_output, "context": lambda t: guard.check_context([t])}.get(
            stage, guard.check_input)
        for ex in examples[:latency_sample]:
            t0 = time.perf_counter()
            check(ex.text)
            timings.append((time.perf_counter() - t0) * 1000)
        single = {"n": len(timings), **_percentiles(timings)}

    outcomes, wall = run_policy(guard, examples, stage=stage, batch_size=batch_size, progress=progress)
    labels = sorted({c for o in outcomes for c in o.example.labels})
    predicted = sorted({c for o in outcomes for c in o.triggered})
    categories = sorted(set(labels) | set(predicted))
    thresholds = _thresholds(guard, stage, outcomes)
    per_category = {c: _category_report(outcomes, c, thresholds) for c in categories}

    columns = [*predicted, "(none)"]
    confusion = []
    for label in [*labels, "benign"]:
        rows = [o for o in outcomes if (label in o.example.labels if label != "benign" else not o.example.labels)]
        confusion.append([sum(c in o.triggered for o in rows) for c in predicted] + [sum(not o.triggered for o in rows)])

    false_pos = [o for o in outcomes if not o.example.labels and o.acted]
    false_pos.sort(key=lambda o: -max((o.scores.get(c, 0.0) for c in o.triggered), default=0.0))
    false_neg = [o for o in outcomes if o.example.labels and not o.acted]
    false_neg.sort(key=lambda o: max(_score(o, c) for c in o.example.labels))

    sources: dict[str, Any] = {}
    for name in sorted({o.example.source for o in outcomes if o.example.source}):
        sources[name] = _group_rates([o for o in outcomes if o.example.source == name])

    return {
        "policy": {"name": guard.policy.name, "version": guard.policy.version, "source": guard.source},
        "data": {"name": data_name, "stage": stage, "rows": len(outcomes),
                 "labels": {c: sum(c in o.example.labels for o in outcomes) for c in labels}},
        "overall": _group_rates(outcomes),
        "categories": per_category,
        "confusion": {"labels": [*labels, "benign"], "predicted": columns, "counts": confusion},
        "worst_false_positives": [_example_row(o) for o in false_pos[:examples_shown]],
        "worst_false_negatives": [_example_row(o, o.example.labels) for o in false_neg[:examples_shown]],
        "by_source": sources,
        "latency": {
            "batch": {"texts": len(outcomes), "seconds": round(wall, 3),
                      "texts_per_second": round(len(outcomes) / wall, 1) if wall else None,
                      "batch_size": batch_size},
            "rail_ms_per_text": _percentiles(o.rail_ms for o in outcomes),
            "single_request_ms": single,
        },
    }


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _short(text: str, n: int = 160) -> str:
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= n else text[: n - 1] + "…"


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(_fmt(v) for v in row) + " |" for row in rows]
    return out


def render_markdown(report: dict[str, Any], plots: Sequence[str] = ()) -> str:
    """The report as markdown (what ``guardrails eval`` writes to report.md)."""
    p, d, o = report["policy"], report["data"], report["overall"]
    lines = [f"# Evaluation: policy {p['name']} v{p['version']}", "",
             f"Data: {d['name'] or '(in memory)'}, {d['rows']} rows ({o['labelled']} labelled, {o['benign']} benign), "
             f"stage {d['stage']}.", "", "## Overall", ""]
    lines += _table(["detection rate", "false-positive rate", "benign blocked/escalated", "detected", "false positives"],
                    [[o["detection_rate"], o["false_positive_rate"], o["benign_blocked_rate"],
                      f"{o['detected']}/{o['labelled']}", f"{o['false_positives']}/{o['benign']}"]])
    lines += ["", "Actions on labelled rows: " + (", ".join(f"{k} {v}" for k, v in sorted(o["actions"]["labelled"].items())) or "–"),
              "", "Actions on benign rows: " + (", ".join(f"{k} {v}" for k, v in sorted(o["actions"]["benign"].items())) or "–"),
              "", "## Per category", ""]
    lines += _table(
        ["category", "support", "precision", "recall", "F1", "FPR", "threshold", "avg precision", "TP", "FP", "FN"],
        [[c, r["support"], r["precision"], r["recall"], r["f1"], r["fpr"], r["threshold"], r["average_precision"],
          r["tp"], r["fp"], r["fn"]] for c, r in report["categories"].items()])
    unscored = [c for c, r in report["categories"].items() if not r["scored"]]
    if unscored:
        lines += ["", f"No rail of this policy scores: {', '.join(unscored)} (recall is 0 by construction)."]
    lines += ["", f"`{ANY_LABEL}` rows count as detected when the policy acts at all; they are not counted as "
              "false positives of any single category.", "", "## Confusion (rows: labels, columns: categories triggered)", ""]
    conf = report["confusion"]
    lines += _table(["label \\ triggered", *conf["predicted"]],
                    [[label, *counts] for label, counts in zip(conf["labels"], conf["counts"])])
    lines += ["", "## Threshold sweep", "",
              "Each row: what the category would give if the threshold were t (score ≥ t counts as detected).", ""]
    for c, r in report["categories"].items():
        if not r["sweep"]:
            continue
        best = r["best"]["max_f1"] or {}
        low = r["best"]["fpr_at_most_1pct"] or {}
        lines += [f"### {c}", "", f"Current threshold {_fmt(r['threshold'])}; best F1 {_fmt(best.get('f1'))} at "
                  f"{_fmt(best.get('threshold'))}; lowest threshold with FPR ≤ 1%: {_fmt(low.get('threshold'))}.", ""]
        lines += _table(["t", "precision", "recall", "F1", "FPR"],
                        [[s["threshold"], s["precision"], s["recall"], s["f1"], s["fpr"]] for s in r["sweep"][1::2]])
        lines.append("")
    for title, key in (("Worst false positives (benign rows the policy acted on)", "worst_false_positives"),
                       ("Worst false negatives (labelled rows allowed)", "worst_false_negatives")):
        lines += [f"## {title}", ""]
        lines += _table(["text", "labels", "action", "triggered", "scores"],
                        [[_short(r["text"]), ", ".join(r["labels"]) or "benign", r["action"], ", ".join(r["triggered"]),
                          ", ".join(f"{k} {v:.3f}" for k, v in (r.get("label_scores") or r["top_scores"]).items())]
                         for r in report[key]]) if report[key] else ["None."]
        lines.append("")
    if report["by_source"]:
        lines += ["## By source", ""]
        lines += _table(["source", "rows", "detection rate", "false-positive rate"],
                        [[s, r["rows"], r["detection_rate"], r["false_positive_rate"]]
                         for s, r in report["by_source"].items()])
        lines.append("")
    lat = report["latency"]
    lines += ["## Latency", "", f"Batched run: {lat['batch']['texts']} texts in {lat['batch']['seconds']} s "
              f"({_fmt(lat['batch']['texts_per_second'])} texts/s, batch size {lat['batch']['batch_size']}).", ""]
    rows = [["rail time per text (batched)", *(lat["rail_ms_per_text"].get(k) for k in ("p50", "p90", "p99", "max"))]]
    if lat["single_request_ms"]:
        s = lat["single_request_ms"]
        rows.append([f"single request ({s['n']} texts, cold cache)", s.get("p50"), s.get("p90"), s.get("p99"), s.get("max")])
    lines += _table(["ms", "p50", "p90", "p99", "max"], rows)
    if plots:
        lines += ["", "## Charts", ""] + [f"![{Path(p).stem}]({Path(p).name})" for p in plots]
    return "\n".join(lines) + "\n"


def write_report(report: dict[str, Any], out_dir: str | Path, *, plots: bool = True,
                 warn: Callable[[str], None] | None = None) -> list[Path]:
    """Write report.json, report.md and (with matplotlib) PNG charts to ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    charts: list[Path] = []
    if plots:
        from guardrails._eval_plots import write_plots

        charts = write_plots(report, out, warn=warn)
    public = {**report, "categories": {c: {k: v for k, v in r.items() if not k.startswith("_")}
                                       for c, r in report["categories"].items()}}
    (out / "report.json").write_text(json.dumps(public, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "report.md").write_text(render_markdown(report, [str(c) for c in charts]), encoding="utf-8")
    written += [out / "report.md", out / "report.json", *charts]
    return written
