"""guardrails eval / diff: data loading, metrics on a known set, reports, the committed sample."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from guardrails.cli import main
from guardrails.errors import DataError
from guardrails.ops.commands import Progress
from guardrails.ops.data import Example, load_examples
from guardrails.ops.diff import diff_policies
from guardrails.ops.eval import evaluate
from guardrails.ops.reports import render_diff_markdown, render_markdown, write_report
from tests.linear import assert_linear

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "docs" / "examples"

POLICY = {"input": [
    {"guard": "keyword", "config": {"words": {"hate": ["vermin"], "violence": ["kill"]}}},
    {"guard": "digits", "action": "redact"},
]}


def _has_guards(*names: str) -> bool:
    from guardrails.plugins import collect_guards, get_plugin_manager

    try:
        return set(names) <= set(collect_guards(get_plugin_manager()))
    except Exception:
        return False


def test_load_jsonl_and_csv(tmp_path):
    jsonl = tmp_path / "d.jsonl"
    jsonl.write_text('{"text": "a", "labels": ["Hate"]}\n\n{"text": "b", "labels": [], "id": 7, "source": "s"}\n'
                     '{"text": "c", "label": "benign"}\n')
    rows = load_examples(jsonl)
    assert [(r.text, r.labels, r.id, r.source, r.line) for r in rows] == [
        ("a", ("hate",), None, None, 1), ("b", (), "7", "s", 3), ("c", (), None, None, 4)]
    csv_file = tmp_path / "d.csv"
    csv_file.write_text('text,labels\n"x, y",hate|violence\nz,\nw,"[""pii""]"\n')
    assert [r.labels for r in load_examples(csv_file)] == [("hate", "violence"), (), ("pii",)]


@pytest.mark.parametrize("content, message", [
    ("not json\n", "d.jsonl:1: not JSON"),
    ('{"labels": []}\n', "d.jsonl:1: needs a 'text'"),
    ('{"text": "a", "labels": 3}\n', "labels must be a list"),
])
def test_bad_data_names_file_and_line(tmp_path, content, message):
    path = tmp_path / "d.jsonl"
    path.write_text(content)
    with pytest.raises(DataError, match=message):
        load_examples(path)


def test_metrics_on_a_known_set(toy):
    guard = toy({**POLICY, "settings": {"run_all": True}})
    data = [
        Example("they are vermin", ("hate",)),          # TP hate
        Example("vermin everywhere", ("hate",)),        # TP hate
        Example("people like them", ("hate",)),         # FN hate
        Example("kill the process", ()),                # FP violence (benign)
        Example("I will kill you", ("violence",)),      # TP violence
        Example("call 555", ()),                        # redact on a benign row
        Example("hello", ()),
        Example("harmful but unknown", ("unsafe",)),    # FN unsafe
    ]
    report = evaluate(guard, data, latency_sample=3, data_name="known")
    hate, violence = report["categories"]["hate"], report["categories"]["violence"]
    assert (hate["tp"], hate["fp"], hate["fn"], hate["precision"], hate["recall"]) == (2, 0, 1, 1.0, 0.6667)
    assert (violence["tp"], violence["fp"], violence["fn"]) == (1, 1, 0)
    assert violence["fpr"] == round(1 / 6, 4)  # the unsafe row is not a negative of violence
    assert report["categories"]["unsafe"]["fn"] == 1
    overall = report["overall"]
    assert overall["labelled"] == 5 and overall["detected"] == 3 and overall["detection_rate"] == 0.6
    assert overall["false_positives"] == 2 and overall["benign_blocked_rate"] == round(1 / 3, 4)
    assert overall["actions"]["benign"] == {"block": 1, "redact": 1, "allow": 1}
    sweep = {row["threshold"]: row for row in hate["sweep"]}
    assert sweep[0.5]["recall"] == 0.6667 and hate["threshold"] == 0.5 and hate["average_precision"] == 0.8095
    conf = report["confusion"]
    assert conf["counts"][conf["labels"].index("hate")][conf["predicted"].index("hate")] == 2
    assert [r["text"] for r in report["worst_false_positives"]][:1] == ["kill the process"]
    assert {r["text"] for r in report["worst_false_negatives"]} == {"people like them", "harmful but unknown"}
    assert report["latency"]["single_request_ms"]["n"] == 3
    assert report["latency"]["batch"]["texts"] == 8
    md = render_markdown(report)
    assert "| hate | 3 | 1.000 | 0.667 |" in md and "Worst false positives" in md


def test_report_files_and_plots(toy, tmp_path):
    guard = toy(POLICY)
    data = [Example("vermin", ("hate",)), Example("fine", ()), Example("kill", ("violence",))] * 5
    paths = write_report(evaluate(guard, data, latency_sample=0), tmp_path / "out")
    names = {p.name for p in paths}
    assert {"report.md", "report.json"} <= names
    loaded = json.loads((tmp_path / "out" / "report.json").read_text())
    assert "_curve" not in loaded["categories"]["hate"] and loaded["categories"]["hate"]["recall"] == 1.0
    pytest.importorskip("matplotlib")
    assert {"pr_curves.png", "score_histograms.png"} <= names
    assert (tmp_path / "out" / "pr_curves.png").read_bytes()[:4] == b"\x89PNG"


def test_plots_are_skipped_cleanly_without_matplotlib(toy, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    warnings: list[str] = []
    guard = toy(POLICY)
    paths = write_report(evaluate(guard, [Example("vermin", ("hate",))], latency_sample=0), tmp_path,
                         warn=warnings.append)
    assert {p.name for p in paths} == {"report.md", "report.json"}
    assert "plots extra" in warnings[0]


def test_progress_bar():
    stream = io.StringIO()
    bar = Progress(10, "eval", enabled=True, stream=stream)
    bar.update(4)
    bar.update(6)
    bar.close()
    assert "10/10" in stream.getvalue() and "100%" in stream.getvalue()
    quiet = io.StringIO()
    Progress(10, enabled=False, stream=quiet).update(10)
    assert quiet.getvalue() == ""


def test_ten_thousand_lines_take_seconds(toy):
    guard = toy({"input": POLICY["input"][:1]})
    data = [Example(f"query number {i} about vermin" if i % 10 == 0 else f"query number {i}",
                    ("hate",) if i % 10 == 0 else ()) for i in range(10_000)]
    reports = []  # repeat=1: a repeat would answer from the decision cache
    assert_linear(lambda lines: reports.append(evaluate(guard, lines, latency_sample=0)), data, repeat=1)
    report = reports[-1]
    assert report["categories"]["hate"]["recall"] == 1.0 and report["overall"]["false_positive_rate"] == 0.0


def test_diff_groups_and_judges(toy):
    a = toy({"input": [{"guard": "keyword", "config": {"words": {"hate": ["vermin"]}}}]})
    b = toy({"input": [{"guard": "keyword", "config": {"words": {"hate": ["vermin", "rats"], "violence": ["kill"]}},
                        "actions": {"hate": "warn"}}]})
    data = [Example("vermin", ("hate",)), Example("rats", ("hate",)), Example("kill -9 a process", ()),
            Example("hello", ()), Example("I will kill you", ("violence",))]
    report = diff_policies(a, b, data)
    groups = report["groups"]
    assert groups["newly_blocked"]["count"] == 2 and groups["newly_blocked"]["regressions"] == 1
    assert groups["newly_blocked"]["examples"][0]["text"] == "kill -9 a process"  # regressions first
    assert groups["newly_blocked"]["per_category"] == {"violence": 2}
    assert groups["action_changed"]["transitions"] == {"block -> warn": 1, "allow -> warn": 1}
    assert groups["action_changed"]["fixes"] == 1
    assert report["changed"] == 4 and report["rates"]["b"]["detection_rate"] == 1.0
    assert "Newly blocked (2)" in render_diff_markdown(report)


needs_rules = pytest.mark.skipif(not _has_guards("lexicon", "pii", "secrets", "normalize"),
                                 reason="needs the first-party tako_rules guards installed")


@needs_rules
def test_cli_eval_and_diff_on_the_committed_sample(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # the example policy's audit/escalation paths are relative: must stay unused
    data = str(EXAMPLES / "labelled_sample.jsonl")
    prod, cand = str(EXAMPLES / "policy_prod.yaml"), str(EXAMPLES / "policy_candidate.yaml")
    assert main(["eval", "--policy", prod, data, "--out", "ev", "--latency-sample", "20", "--no-progress"]) == 0
    report = json.loads((tmp_path / "ev" / "report.json").read_text())
    assert report["data"]["rows"] == 60 and report["overall"]["false_positive_rate"] == 0.0
    assert report["categories"]["pii"]["recall"] == 1.0 and report["categories"]["jailbreak"]["recall"] == 0.0
    assert "# Evaluation: policy example-prod v1" in (tmp_path / "ev" / "report.md").read_text()
    assert main(["diff", "--policy", prod, "--policy", cand, data, "--out", "df"]) == 0
    diff = json.loads((tmp_path / "df" / "diff.json").read_text())
    assert diff["groups"]["newly_blocked"]["regressions"] == 2 and diff["groups"]["newly_allowed"]["count"] == 0
    assert diff["rates"]["b"]["detection_rate"] == 1.0
    assert "Newly blocked" in (tmp_path / "df" / "diff.md").read_text()
    assert not (tmp_path / "reports").exists()  # eval and diff never write the policy's audit log
    assert main(["eval", "--policy", prod, data, "--latency-sample", "0", "--no-plots"]) == 0
    assert "| pii | 4 | 1.000 | 1.000 |" in capsys.readouterr().out  # the PII head finds the 4 and nothing else


def test_cli_reports_bad_data_cleanly(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{oops\n")
    assert main(["eval", str(bad)]) == 2
    assert "bad.jsonl:1: not JSON" in capsys.readouterr().err
