"""The sections of a report page: charts (guardrails.ops.htmlreport.charts) with their numbers.

Each section is a heading, one line saying what is shown, the chart, and a small table of the
same numbers (for readers of the HTML source, screen readers, and tests).
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from guardrails.ops.htmlreport import charts
from guardrails.ops.htmlreport.sources import UNKNOWN, Tally

__all__ = ["BUCKETS", "decision_sections", "eval_sections", "section"]

BUCKETS = {"minute": 60, "5 minutes": 300, "15 minutes": 900, "hour": 3600, "6 hours": 21600,
           "day": 86400, "week": 604800}
ACTIONS = ("allow", "warn", "redact", "escalate", "block")


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """An HTML table (values escaped; floats with 3 decimals)."""
    def cell(v: Any) -> str:
        return f"{v:.3f}" if isinstance(v, float) else ("–" if v is None else _esc(v))

    head = "".join(f"<th>{_esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def section(key: str, title: str, note: str, *parts: str) -> str:
    """One ``<section id=key>``: heading, note, then charts and tables as given (already HTML)."""
    return (f'<section id="{_esc(key)}"><h2>{_esc(title)}</h2><p class="note">{_esc(note)}</p>'
            + "".join(parts) + "</section>")


def _pct(n: int, total: int) -> str:
    return f"{n / total:.1%}" if total else "–"


def _bucket(t: Tally, choice: str) -> tuple[str, int]:
    if choice != "auto":
        return choice, BUCKETS[choice]
    minutes = sorted(t.by_minute)
    span = (minutes[-1] - minutes[0] + 1) * 60 if minutes else 60
    for name, seconds in BUCKETS.items():
        if span / seconds <= 60:
            return name, seconds
    return "week", BUCKETS["week"]


def _over_time(t: Tally, seconds: int) -> tuple[list[datetime], list[Counter[str]]]:
    merged: dict[int, Counter[str]] = {}
    for minute, counts in t.by_minute.items():
        merged.setdefault(minute * 60 // seconds, Counter()).update(counts)
    keys = sorted(merged)
    return [datetime.fromtimestamp(k * seconds, tz=timezone.utc) for k in keys], [merged[k] for k in keys]


def _time_sections(t: Tally, bucket: str) -> list[str]:
    if not t.by_minute:
        return [section("over-time", "Over time", "The input has no times (audit logs have them; a scan has them "
                        "when its input had a time or timestamp column, kept by --engine ray).")]
    name, seconds = _bucket(t, bucket)
    x, buckets = _over_time(t, seconds)
    rate = {a: [c[f"action:{a}"] / c["total"] for c in buckets] for a in ACTIONS if t.actions.get(a)}
    rate.pop("allow", None)
    top = [c for c, _ in t.categories.most_common(8)]
    cats = {c: [b[f"category:{c}"] / b["total"] for b in buckets] for c in top}
    rows = [[d.strftime("%Y-%m-%d %H:%M"), b["total"], *(_pct(b[f"action:{a}"], b["total"]) for a in rate)]
            for d, b in zip(x, buckets)]
    out = [section("actions-over-time", f"Action rates over time (per {name}, UTC)",
                   "Share of decisions per action in each bucket (allow is the rest).",
                   charts.lines(x, rate, title="Share of decisions by action", ylabel="% of decisions",
                                colors=charts.ACTION_COLORS, step=timedelta(seconds=seconds)),
                   "<details><summary>numbers</summary>" + table(["bucket", "decisions", *rate], rows) + "</details>")]
    if cats:
        out.append(section("categories-over-time", f"Category rates over time (per {name}, UTC)",
                           "Share of decisions that triggered each category (the 8 most frequent).",
                           charts.lines(x, cats, title="Share of decisions triggering each category",
                                        ylabel="% of decisions", step=timedelta(seconds=seconds))))
    return out


def _language_sections(t: Tally) -> list[str]:
    languages = sorted(t.by_language, key=lambda k: -t.by_language[k]["total"])
    if languages == [UNKNOWN]:
        return [section("per-language", "Per language", "The input names no language (audit logs carry it when "
                        "the language rail runs or request metadata has 'lang'; scans when the input has a "
                        "lang or language column).")]
    shown = languages[:15]
    totals = [t.by_language[k]["total"] for k in shown]
    parts = {a: [t.by_language[k][f"action:{a}"] / n for k, n in zip(shown, totals)]
             for a in ACTIONS if t.actions.get(a)}
    top = [c for c, _ in t.categories.most_common(8)]
    out = [charts.stacked_shares(shown, parts, title="Actions per language (15 largest)", totals=totals)]
    if top:
        values = [[t.by_language[k][f"category:{c}"] / t.by_language[k]["total"] for c in top] for k in shown[:12]]
        out.append(charts.heatmap(shown[:12], top, values, title="Category rate per language",
                                  xlabel="category", ylabel="language"))
    rows = [[k, n, *(_pct(t.by_language[k][f"action:{a}"], n) for a in parts)] for k, n in zip(shown, totals)]
    return [section("per-language", "Per language", "Action shares and category rates by language.", *out,
                    table(["language", "decisions", *parts], rows))]


def _rails_section(t: Tally) -> str:
    counter, what = (t.rails, "rails") if t.rails_detail else (t.categories, "categories")
    items = counter.most_common(15)
    note = ("How many decisions each rail triggered on (a decision can trigger several)." if t.rails_detail else
            "This input records categories, not rails (audit logs and --engine ray scans record rails).")
    if not items:
        return section("top-rails", f"Top triggered {what}", "Nothing triggered.")
    return section("top-rails", f"Top triggered {what}", note,
                   charts.barh(items, title=f"Top triggered {what}", xlabel="decisions"),
                   table([what[:-1], "decisions", "share"], [[k, n, _pct(n, t.decisions)] for k, n in items]))


def _shadow_sections(t: Tally, bucket: str) -> str:
    compared = sum(t.shadow.values())
    if not compared:
        return section("shadow", "Shadow vs enforce", "No decision in the input ran a shadow policy.")
    disagree = sum(n for (a, b), n in t.shadow.items() if a != b)
    enforced = [a for a in ACTIONS if any(k[0] == a for k in t.shadow)]
    shadowed = [a for a in ACTIONS if any(k[1] == a for k in t.shadow)]
    values = [[t.shadow[(a, b)] / compared for b in shadowed] for a in enforced]
    parts = [charts.heatmap(enforced, shadowed, values, title="Enforced action (rows) vs shadow action (columns)",
                            xlabel="shadow", ylabel="enforced")]
    if t.by_minute:
        name, seconds = _bucket(t, bucket)
        x, buckets = _over_time(t, seconds)
        rate = [b["shadow:disagree"] / b["shadow:compared"] if b["shadow:compared"] else None for b in buckets]
        parts.append(charts.lines(x, {"disagreement": rate}, title=f"Shadow disagreement per {name}",
                                  ylabel="% of compared", step=timedelta(seconds=seconds)))
    rows = [[f"{a} -> {b}", n, _pct(n, compared)] for (a, b), n in sorted(t.shadow.items())]
    return section("shadow", "Shadow vs enforce",
                   f"{compared:,} decisions ran in shadow; {disagree:,} ({_pct(disagree, compared)}) would differ.",
                   *parts, table(["enforced -> shadow", "decisions", "share"], rows))


def _latency_section(t: Tally) -> str:
    from guardrails.ops.eval import percentiles

    overall = percentiles(t.latency_ms)
    if not overall:
        return section("latency", "Latency", "The input records no latencies.")
    keys = ("p50", "p90", "p99", "max")
    parts = [charts.barh([(k, overall[k]) for k in keys], title="Decision latency percentiles (ms)", xlabel="ms",
                         annotate="{:,.2f}")]
    rows = [["whole decision", *(overall[k] for k in keys)]]
    rails = {r: percentiles(v) for r, v in t.rail_latency_ms.items() if v}
    if rails:
        names = sorted(rails, key=lambda r: -rails[r]["p99"])[:12]
        parts.append(charts.grouped_bars(names, {"p50": [rails[r]["p50"] for r in names],
                                                 "p99": [rails[r]["p99"] for r in names]},
                                         title="Per-rail latency (ms), slowest p99 first", ylabel="ms"))
        rows += [[r, *(rails[r][k] for k in keys)] for r in names]
    if t.kind == "audit":
        note = "Per decision, from the audit log."
    elif t.per_text:
        note = "Batched scan: each batch's time divided by its texts (the CPU cost per text on one worker)."
    else:
        note = "As the scan recorded it: a batched scan records the time of the whole batch for each decision."
    return section("latency", "Latency percentiles", note, *parts, table(["ms", *keys], rows))


def decision_sections(t: Tally, bucket: str = "auto") -> list[str]:
    """Sections for an audit log or scan tally."""
    out = [*_time_sections(t, bucket), *_language_sections(t), _rails_section(t), _shadow_sections(t, bucket),
           _latency_section(t)]
    if t.rail_errors:
        items = t.rail_errors.most_common(15)
        out.append(section("rail-errors", "Rail errors and timeouts", "Rails that failed (their on_error decided).",
                           charts.barh(items, title="Rail errors and timeouts", xlabel="decisions", color="#6d28d9"),
                           table(["rail", "decisions"], items)))
    return out


def eval_sections(report: dict[str, Any]) -> list[str]:
    """Sections for an eval report (guardrails eval's report.json)."""
    cats = {c: r for c, r in report["categories"].items() if r.get("support") or r.get("fp")}
    names = list(cats)
    out = []
    if names:
        out.append(section(
            "per-category", "Per category", "Precision, recall and F1 at the policy's thresholds.",
            charts.grouped_bars(names, {m: [cats[c].get(m) for c in names] for m in ("precision", "recall", "f1")},
                                title="Precision, recall and F1 per category", ylabel="score"),
            charts.barh([(c, (cats[c].get("fpr") or 0.0) * 100) for c in names], title="False-positive rate (%)",
                        xlabel="% of rows without the label", color="#c62828", annotate="{:.2f}"),
            table(["category", "support", "precision", "recall", "F1", "FPR", "threshold"],
                  [[c, r["support"], r["precision"], r["recall"], r["f1"], r["fpr"], r["threshold"]]
                   for c, r in cats.items()])))
    sweeps = {c: r["sweep"] for c, r in cats.items() if r.get("sweep") and r.get("support")}
    if sweeps:
        xs = [s["threshold"] for s in next(iter(sweeps.values()))]
        out.append(section(
            "sweep", "Threshold sweep", "Recall (solid) and false-positive rate per category if the threshold were t.",
            charts.lines(xs, {f"{c} recall": [s["recall"] for s in sw] for c, sw in sweeps.items()},
                         title="Recall by threshold", ylabel="recall %", xlabel="threshold"),
            charts.lines(xs, {f"{c} FPR": [s["fpr"] for s in sw] for c, sw in sweeps.items()},
                         title="False-positive rate by threshold", ylabel="FPR %", xlabel="threshold")))
    conf = report.get("confusion") or {}
    if conf.get("counts"):
        counts = conf["counts"]
        shares = [[n / max(sum(row), 1) for n in row] for row in counts]
        out.append(section("confusion", "Confusion", "Rows: labels; columns: categories triggered (share of the row).",
                           charts.heatmap(conf["labels"], conf["predicted"], shares, title="Labels vs triggered")))
    o = report["overall"]
    groups = [g for g in ("labelled", "benign") if o["actions"].get(g)]
    if groups:
        totals = [sum(o["actions"][g].values()) for g in groups]
        parts = {a: [o["actions"][g].get(a, 0) / n for g, n in zip(groups, totals)] for a in ACTIONS}
        out.append(section("actions", "Actions", "What the policy did on labelled and on benign rows.",
                           charts.stacked_shares(groups, {a: v for a, v in parts.items() if any(v)},
                                                 title="Actions on labelled and benign rows", totals=totals)))
    lat = report.get("latency") or {}
    rows = [[name, *(p.get(k) for k in ("p50", "p90", "p99", "max"))]
            for name, p in (("rail time per text (batched)", lat.get("rail_ms_per_text") or {}),
                            ("single request", lat.get("single_request_ms") or {})) if p]
    if rows:
        out.append(section("latency", "Latency percentiles (ms)",
                           f"Batched run: {lat.get('batch', {}).get('texts_per_second')} texts/s.",
                           charts.grouped_bars([r[0] for r in rows], {k: [r[i + 1] for r in rows] for i, k in
                                                                      enumerate(("p50", "p90", "p99", "max"))},
                                               title="Latency percentiles (ms)", ylabel="ms"),
                           table(["ms", "p50", "p90", "p99", "max"], rows)))
    return out
