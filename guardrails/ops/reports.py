"""Reports as markdown and files: eval reports, policy diffs and audit-log summaries.

``render_markdown``/``write_report`` for ``guardrails eval``, ``render_diff_markdown``/``write_diff``
for ``guardrails diff``, ``render_summary`` for ``guardrails audit summarize``; the charts of an
eval report come from guardrails.ops.plots.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from guardrails.ops.data import ANY_LABEL

__all__ = [
    "public_report",
    "render_diff_markdown",
    "render_markdown",
    "render_summary",
    "write_diff",
    "write_report",
]


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


def public_report(report: dict[str, Any]) -> dict[str, Any]:
    """The eval report without its private plot data (what report.json and ``--json`` hold)."""
    return {**report, "categories": {c: {k: v for k, v in r.items() if not k.startswith("_")}
                                     for c, r in report["categories"].items()}}


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
        from guardrails.ops.plots import write_plots

        charts = write_plots(report, out, warn=warn)
    public = public_report(report)
    (out / "report.json").write_text(json.dumps(public, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "report.md").write_text(render_markdown(report, [str(c) for c in charts]), encoding="utf-8")
    written += [out / "report.md", out / "report.json", *charts]
    return written


def render_diff_markdown(report: dict[str, Any]) -> str:
    """The diff as markdown (what ``guardrails diff`` writes to diff.md)."""
    a, b, d = report["a"], report["b"], report["data"]
    lines = [f"# Policy diff: A = {a['name']} v{a['version']}, B = {b['name']} v{b['version']}", "",
             f"Data: {d['name'] or '(in memory)'}, {d['rows']} rows, stage {d['stage']}. "
             f"{report['changed']} decisions change action.", ""]
    if "rates" in report:
        ra, rb = report["rates"]["a"], report["rates"]["b"]
        lines += _table(["", "detection rate", "false-positive rate", "benign blocked/escalated"],
                        [["A", ra["detection_rate"], ra["false_positive_rate"], ra["benign_blocked_rate"]],
                         ["B", rb["detection_rate"], rb["false_positive_rate"], rb["benign_blocked_rate"]]])
        lines.append("")
    head = ["group", "count", *(["fixes", "regressions"] if d["labelled"] else []), "by category", "transitions"]
    lines += _table(head, [
        [name.replace("_", " "), g["count"], *([g["fixes"], g["regressions"]] if d["labelled"] else []),
         ", ".join(f"{c} {n}" for c, n in g["per_category"].items()) or "–",
         ", ".join(f"{t} ({n})" for t, n in g["transitions"].items()) or "–"]
        for name, g in report["groups"].items()])
    for name, g in report["groups"].items():
        if not g["examples"]:
            continue
        lines += ["", f"## {name.replace('_', ' ').capitalize()} ({g['count']})", ""]
        lines += _table(["text", "labels", "A", "B", "scores A → B", *(["judged"] if d["labelled"] else [])], [
            [_short(r["text"]), ", ".join(r["labels"]) or "benign",
             f"{r['a']['action']} {', '.join(r['a']['triggered'])}".strip(),
             f"{r['b']['action']} {', '.join(r['b']['triggered'])}".strip(),
             ", ".join(f"{c} {x:.2f}→{y:.2f}" for c, (x, y) in r["scores"].items()),
             *([r.get("judged", "–")] if d["labelled"] else [])]
            for r in g["examples"]])
    return "\n".join(lines) + "\n"


def write_diff(report: dict[str, Any], out_dir: str | Path) -> list[Path]:
    """Write diff.md and diff.json to ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "diff.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "diff.md").write_text(render_diff_markdown(report), encoding="utf-8")
    return [out / "diff.md", out / "diff.json"]


def render_summary(summary: dict[str, Any]) -> str:
    """The summary as markdown."""
    s = summary
    lines = ["# Audit log summary", "",
             f"{s['decisions']} decisions, {s['first'] or '–'} to {s['last'] or '–'}; policies: "
             + (", ".join(f"{p} ({n})" for p, n in s["policies"].items()) or "–"), ""]
    lines += _table(["stage/action", "decisions"], list(s["by_stage_action"].items()))
    lines += ["", "## Categories triggered", ""]
    lines += _table(["category", "decisions"], list(s["triggered"].items())) if s["triggered"] else ["None."]
    lines += ["", "## Rail errors and timeouts", ""]
    lines += _table(["rail/kind", "count"], list(s["errors"].items())) if s["errors"] else ["None."]
    lat = s["latency_ms"]
    if lat:
        lines += ["", f"Latency: p50 {lat['p50']} ms, p99 {lat['p99']} ms, max {lat['max']} ms."]
    sh = s["shadow"]
    if sh["compared"]:
        lines += ["", "## Shadow", "", f"{sh['compared']} decisions ran in shadow; {sh['disagree']} "
                  f"({sh['disagree'] / sh['compared']:.1%}) would have been different.", ""]
        lines += _table(["enforced -> shadow", "decisions"], list(sh["pairs"].items()))
    if s["dropped"] or s["unreadable_lines"]:
        lines += ["", f"Records dropped by the writer: {s['dropped']}; unreadable lines: {s['unreadable_lines']}."]
    return "\n".join(lines) + "\n"
