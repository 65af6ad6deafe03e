"""guardrails report: one self-contained HTML page of charts from a scan, an audit log or an eval."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytest.importorskip("matplotlib", reason="the report draws with matplotlib: pip install 'tako-guardrails[plots]'")

from guardrails.cli import main  # noqa: E402
from guardrails.errors import DataError  # noqa: E402
from guardrails.ops.htmlreport import build_html_report  # noqa: E402
from guardrails.ops.htmlreport.sources import detect_kind, tally  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "docs" / "examples"
PROD = EXAMPLES / "policy_prod.yaml"


def _has_guards(*names: str) -> bool:
    from guardrails.plugins import collect_guards, get_plugin_manager

    try:
        return set(names) <= set(collect_guards(get_plugin_manager()))
    except Exception:
        return False


pytestmark = pytest.mark.skipif(not _has_guards("lexicon", "pii", "secrets", "normalize"),
                                reason="needs the first-party tako_rules guards installed")


def _charts(page: str) -> dict[str, str]:
    """aria-label -> the SVG of every chart on the page."""
    return {m.group(1): m.group(0) for m in re.finditer(r'<svg role="img" aria-label="([^"]*)".*?</svg>', page, re.S)}


def _self_contained(page: str) -> None:
    assert "<script" not in page and "<link" not in page and "<img" not in page and "@import" not in page
    assert not re.search(r'(src|href)="(https?:)?//', page)  # nothing fetched: only #anchors
    assert not re.search(r"url\((?!#)", page)


def _sections(page: str) -> set[str]:
    return set(re.findall(r'<section id="([^"]+)">', page))


def _policy_without_ops(tmp_path: Path, *, shadow: bool = False, language: bool = False, audit: Path | None = None):
    import yaml

    policy = yaml.safe_load(PROD.read_text())
    policy.pop("audit"), policy.pop("escalation")
    if language:
        policy["input"].insert(0, {"guard": "language"})
    if shadow:
        policy["shadow"] = {"policy": str(EXAMPLES / "policy_candidate.yaml")}
    if audit:
        policy["audit"] = {"path": str(audit), "flush_interval_ms": 20}
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(policy))
    return path


def _traffic() -> list[dict]:
    return [json.loads(line) for line in (EXAMPLES / "traffic.jsonl").read_text(encoding="utf-8").splitlines()]


def test_report_from_a_ray_scan_output_has_every_chart(tmp_path):
    pa = pytest.importorskip("pyarrow", reason="Parquet scan output needs pyarrow")
    import pyarrow.parquet as pq

    from guardrails.ops.ray_engine import PolicySpec
    from guardrails.ops.ray_scan import ScanBatch

    rows = _traffic()
    worker = ScanBatch(PolicySpec.load(_policy_without_ops(tmp_path, shadow=True)), keep=("time", "lang"))
    batch = pa.table({"line": list(range(1, len(rows) + 1)), "id": [r["id"] for r in rows],
                      "text": [r["text"] for r in rows], "time": [r["time"] for r in rows],
                      "lang": [r["lang"] for r in rows]})
    (tmp_path / "decisions").mkdir()
    pq.write_table(worker(batch), tmp_path / "decisions" / "part-0.parquet")  # what --engine ray writes

    page, summary = build_html_report([tmp_path / "decisions"])
    _self_contained(page)
    assert {"summary", "actions-over-time", "categories-over-time", "per-language", "top-rails", "shadow",
            "latency"} <= _sections(page)
    charts = _charts(page)
    assert {"Share of decisions by action", "Share of decisions triggering each category",
            "Actions per language (15 largest)", "Category rate per language", "Top triggered rails",
            "Enforced action (rows) vs shadow action (columns)", "Decision latency percentiles (ms)"} <= set(charts)
    assert all("<path" in svg for svg in charts.values())  # something drawn in each
    t = tally([tmp_path / "decisions"])
    assert t.decisions == len(rows) == sum(t.actions.values())
    assert summary.startswith(f"Scan: {len(rows)} decisions, {len(rows) - t.actions['allow']} acted on")
    assert t.per_text and len(t.by_language) == 12 and t.rails_detail
    assert "per 6 hours" in page  # a week of traffic, bucketed automatically
    assert f"{sum(t.shadow.values())} decisions ran in shadow" in page


def test_report_from_an_audit_log_and_from_the_in_process_scan(tmp_path, capsys):
    pytest.importorskip("py3langid", reason="the language rail needs the language extra")
    from guardrails.guard import Guard

    log = tmp_path / "audit" / "audit.jsonl"
    texts = [r["text"] for r in _traffic()]
    with Guard.from_policy(_policy_without_ops(tmp_path, shadow=True, language=True, audit=log)) as guard:
        for text in texts:
            guard.check_input(text)
    assert detect_kind(log) == "audit"
    assert main(["report", str(log), "--out", str(tmp_path / "audit.html")]) == 0
    page = (tmp_path / "audit.html").read_text(encoding="utf-8")
    _self_contained(page)
    charts = _charts(page)
    assert {"Share of decisions by action", "Actions per language (15 largest)", "Top triggered rails",
            "Enforced action (rows) vs shadow action (columns)", "Shadow disagreement per minute",
            "Decision latency percentiles (ms)", "Per-rail latency (ms), slowest p99 first"} <= set(charts)
    t = tally([log])
    assert t.kind == "audit" and t.decisions == len(texts) and sum(t.shadow.values()) == len(texts)
    assert {"en", "es", "ja"} <= set(t.by_language)  # the language rail's answer is in the audit log
    assert {"violence_terms", "hate_terms", "pii"} <= set(t.rails) and "language" in t.rail_latency_ms
    assert f"Audit log: {len(texts)} decisions" in capsys.readouterr().err

    data = tmp_path / "traffic.jsonl"
    data.write_text((EXAMPLES / "traffic.jsonl").read_text(encoding="utf-8") + "{broken\n", encoding="utf-8")
    assert main(["scan", str(data), "--policy", str(_policy_without_ops(tmp_path)),
                 "--out", str(tmp_path / "scan.jsonl")]) == 1  # the broken line: exit status 1
    page, summary = build_html_report([tmp_path / "scan.jsonl"])
    _self_contained(page)
    assert "Top triggered categories" in _charts(page)  # in-process scan lines have no per-rail detail
    assert "the input has no times" in page.lower() and f"Scan: {len(texts)} decisions" in summary
    assert "unreadable lines / rows without a decision" in page


def test_report_from_an_eval(tmp_path):
    out = tmp_path / "ev"
    assert main(["eval", "--policy", str(PROD), str(EXAMPLES / "labelled_sample.jsonl"), "--out", str(out),
                 "--latency-sample", "5", "--no-plots"]) == 0
    assert detect_kind(out) == "eval"
    page, summary = build_html_report([out])
    _self_contained(page)
    assert {"Precision, recall and F1 per category", "False-positive rate (%)", "Recall by threshold",
            "Labels vs triggered", "Actions on labelled and benign rows", "Latency percentiles (ms)"} <= set(_charts(page))
    assert summary.startswith("Eval: policy example-prod v1")
    with pytest.raises(DataError, match="on its own"):
        build_html_report([out, out / "report.json"])


def test_bad_inputs_get_one_clear_line(tmp_path, capsys):
    other = tmp_path / "other.jsonl"
    other.write_text('{"hello": 1}\n')
    assert main(["report", str(other)]) == 2
    assert "neither an audit log, a scan output nor an eval report" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "missing.jsonl")]) == 2
    assert "no such file" in capsys.readouterr().err
    (tmp_path / "bad.json").write_text("[1, 2]")
    with pytest.raises(DataError, match="not an eval report"):
        build_html_report([tmp_path / "bad.json"])
    empty = tmp_path / "empty.jsonl"
    empty.write_text('{"type": "decision", "action": "allow"}\n' + "not json\n")
    page, summary = build_html_report([empty])
    assert "Audit log: 1 decisions" in summary and "The input records no latencies." in page


@pytest.mark.skipif(not shutil.which("chromium"), reason="no Debian chromium on this machine for a headless screenshot")
def test_the_page_renders_in_headless_chromium(tmp_path):
    from matplotlib.image import imread

    log = tmp_path / "audit.jsonl"
    with log.open("w") as f:
        for i, (action, lang) in enumerate([("allow", "en"), ("block", "es"), ("redact", "en"), ("allow", "ja")] * 30):
            f.write(json.dumps({"type": "decision", "time": f"2026-11-2{i % 7}T{i % 24:02d}:00:00Z", "action": action,
                                "triggered": [] if action == "allow" else ["hate"], "language": lang,
                                "latency_ms": 1.0 + i % 5, "shadow_action": "block" if i % 3 else action}) + "\n")
    html = tmp_path / "page.html"
    assert main(["report", str(log), "--out", str(html)]) == 0
    png = tmp_path / "shot.png"
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    "--window-size=1100,2400", f"--screenshot={png}", html.as_uri()],
                   capture_output=True, timeout=120, check=False)
    assert png.exists(), "chromium wrote no screenshot"
    pixels = imread(png)[..., :3]
    assert pixels.shape[:2] == (2400, 1100)
    drawn = (pixels.mean(axis=2) < 0.9).mean()
    assert drawn > 0.03, f"only {drawn:.1%} of the page is drawn"
    red = ((pixels[..., 0] > 0.6) & (pixels[..., 1] < 0.3) & (pixels[..., 2] < 0.3)).mean()
    assert red > 0.001  # the block series / heatmap cells: the charts rendered, not just text
