"""``guardrails report``: an audit log, a scan or an eval as one self-contained HTML page.

>>> from guardrails.ops.htmlreport import write_html_report              # doctest: +SKIP
>>> path, summary = write_html_report(["audit.jsonl"], "report.html")    # doctest: +SKIP

The charts are SVG drawn by matplotlib (extra ``plots``) and inlined in the page with their
numbers: no script, no stylesheet, font or image from anywhere, so the file opens offline and
can be mailed or attached to a ticket. Audit logs and scans give action and category rates over
time and per language, the top triggered rails, shadow-vs-enforce disagreement and latency
percentiles; an eval report gives per-category precision/recall/FPR, the threshold sweep, the
confusion table and latency. (The markdown reports of eval and diff live in
guardrails.ops.reports; this package only draws pages.) docs/report.md has a worked example.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

__all__ = ["build_html_report", "write_html_report"]

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:980px;padding:16px 24px;color:#1f2933}
h1{font-size:1.5em;margin-bottom:0}h2{font-size:1.15em;border-bottom:1px solid #d9e2ec;padding-bottom:4px;margin-top:28px}
p.note,p.meta{color:#52606d;margin:4px 0 10px}table{border-collapse:collapse;font-size:.85em;margin:8px 0}
td,th{border:1px solid #d9e2ec;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}
th{background:#f0f4f8}svg.chart{max-width:100%;height:auto;display:block;margin:6px 0}
nav a{margin-right:10px;font-size:.9em}details{margin:4px 0}
""".strip()


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _pct(n: int, total: int) -> str:
    return f"{n / total:.1%}" if total else "–"


def _summary_decisions(t: Any) -> tuple[str, list[tuple[str, Any]]]:
    minutes = sorted(t.by_minute)
    span = "–"
    if minutes:
        first = datetime.fromtimestamp(minutes[0] * 60, tz=timezone.utc).strftime("%Y-%m-%d %H:%M")
        last = datetime.fromtimestamp(minutes[-1] * 60 + 59, tz=timezone.utc).strftime("%Y-%m-%d %H:%M")
        span = f"{first} to {last} UTC"
    acted = t.decisions - t.actions.get("allow", 0)
    rows: list[tuple[str, Any]] = [
        ("decisions", f"{t.decisions:,}"), ("time span", span),
        ("acted on (not allow)", f"{acted:,} ({_pct(acted, t.decisions)})"),
        *((f"action {a}", f"{n:,} ({_pct(n, t.decisions)})") for a, n in sorted(t.actions.items())),
        ("policies", ", ".join(f"{p} ({n:,})" for p, n in t.policies.most_common()) or "–"),
    ]
    if t.unreadable or t.input_errors:
        rows.append(("unreadable lines / rows without a decision", f"{t.unreadable:,} / {t.input_errors:,}"))
    if t.untimed and t.by_minute:
        rows.append(("decisions without a time (left out of the time charts)", f"{t.untimed:,}"))
    what = "Audit log" if t.kind == "audit" else "Scan"
    line = f"{what}: {t.decisions:,} decisions, {acted:,} acted on ({_pct(acted, t.decisions)})"
    return line, rows


def _summary_eval(report: dict[str, Any]) -> tuple[str, list[tuple[str, Any]]]:
    p, d, o = report["policy"], report.get("data", {}), report["overall"]
    rows = [("policy", f"{p.get('name')} v{p.get('version')}"), ("data", f"{d.get('name') or '–'} ({o['rows']:,} rows)"),
            ("labelled / benign", f"{o['labelled']:,} / {o['benign']:,}"), ("detection rate", o["detection_rate"]),
            ("false-positive rate", o["false_positive_rate"]), ("benign blocked or escalated", o["benign_blocked_rate"])]
    engine = report.get("engine")
    if engine:
        rows.append(("engine", f"{engine.get('name')} ({engine.get('address')})"))
    line = (f"Eval: policy {p.get('name')} v{p.get('version')}, detection rate {o['detection_rate']}, "
            f"false-positive rate {o['false_positive_rate']}")
    return line, rows


def build_html_report(inputs: Sequence[str | Path], *, title: str | None = None,
                      bucket: str = "auto") -> tuple[str, str]:
    """The page (HTML text) and a one-line summary, from audit logs and/or scan outputs, or from
    one eval report. ``bucket``: ``auto`` or a key of ``page.BUCKETS`` (time charts). Raises
    DataError naming an input that is none of these, GuardrailsError without matplotlib."""
    from guardrails.errors import DataError
    from guardrails.ops.htmlreport import page
    from guardrails.ops.htmlreport.sources import detect_kind, load_eval, tally

    paths = [Path(p) for p in inputs]
    if not paths:
        raise DataError("report: give at least one input")
    if bucket != "auto" and bucket not in page.BUCKETS:
        raise DataError(f"report: unknown bucket {bucket!r}; use auto or one of {', '.join(page.BUCKETS)}")
    if len(paths) == 1 and detect_kind(paths[0]) == "eval":
        report = load_eval(paths[0])
        line, rows = _summary_eval(report)
        sections = page.eval_sections(report)
        heading = title or f"Evaluation of policy {report['policy'].get('name')}"
    else:
        t = tally(paths)
        line, rows = _summary_decisions(t)
        sections = page.decision_sections(t, bucket)
        heading = title or ("Safety metrics from the audit log" if t.kind == "audit" else "Safety metrics of a scan")
    made = datetime.now(tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    summary = page.section("summary", "Summary", "Inputs: " + ", ".join(str(p) for p in paths),
                           page.table(["", "value"], rows))
    nav = "".join(f'<a href="#{key}">{_esc(key.replace("-", " "))}</a>'
                  for key in ["summary", *(s.split('"', 2)[1] for s in sections)])
    body = f"<h1>{_esc(heading)}</h1><p class=\"meta\">made {made} by guardrails report</p><nav>{nav}</nav>"
    text = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{_esc(heading)}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_CSS}</style></head>'
            f"<body>{body}{summary}{''.join(sections)}</body></html>\n")
    return text, line


def write_html_report(inputs: Sequence[str | Path], out: str | Path, *, title: str | None = None,
                      bucket: str = "auto") -> tuple[Path, str]:
    """Write ``build_html_report`` to ``out`` (folders made as needed); returns the path and the
    summary line."""
    text, line = build_html_report(inputs, title=title, bucket=bucket)
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path, f"{line}; {len(text) / 1024:,.0f} KiB written to {path}"
