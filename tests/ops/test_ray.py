"""Cluster-scale scan, eval and diff on Ray Data: the same decisions and reports as in-process.

A local Ray (2 CPUs) stands in for a cluster. The first test lets the command start and stop its
own Ray; the others share one started here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("ray", reason="the Ray tests need the ray extra: pip install 'tako-guardrails[ray]'")
pytest.importorskip("pyarrow", reason="the Ray tests need pyarrow (the ray extra)")

import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from guardrails.cli import main  # noqa: E402
from guardrails.errors import DataError  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "docs" / "examples"
SUFFIXES = ("", " please", " today", " for kids", " 2024", " full video", " explained", " again")
COMPARED = ("stage", "action", "flagged", "triggered", "categories", "text", "message", "policy",
            "policy_version", "shadow_action", "shadow_triggered", "errors")

pytestmark = pytest.mark.slow


def _base_texts() -> list[str]:
    texts: list[str] = []
    for name in ("queries.jsonl", "labelled_sample.jsonl", "custom_head_example.jsonl"):
        for line in (EXAMPLES / name).read_text(encoding="utf-8").splitlines():
            text = json.loads(line)["text"]
            if text not in texts:
                texts.append(text)
    return texts


def write_rows(path: Path, n: int) -> Path:
    """``n`` distinct queries built from the committed examples, then two lines that cannot be read."""
    base = _base_texts()
    texts = [t + s for s in SUFFIXES for t in base][:n]
    assert len(texts) == n
    with path.open("w", encoding="utf-8") as f:
        for i, text in enumerate(texts):
            f.write(json.dumps({"id": f"r{i:05d}", "text": text, "lang": "en"}) + "\n")
        f.write("{not json\n")
        f.write(json.dumps({"id": "no-text", "text": 42}) + "\n")
    return path


def _labelled(path: Path, copies: int = 5) -> Path:
    rows = [json.loads(line) for line in (EXAMPLES / "labelled_sample.jsonl").read_text().splitlines()]
    with path.open("w", encoding="utf-8") as f:
        for k in range(copies):
            for row in rows:
                f.write(json.dumps({**row, "id": f"{row['id']}-{k}", "text": row["text"] + SUFFIXES[k],
                                    "source": f"s{k % 2}"}) + "\n")
    return path


def _same(ray_row: dict, local: dict) -> None:
    for key in COMPARED:
        mine = ray_row.get(key)
        if key in ("categories", "errors"):
            mine = dict(mine or ())
            theirs = local.get(key) or {}
        elif key in ("triggered", "shadow_triggered"):
            mine, theirs = list(mine or ()), list(local.get(key) or ())
        else:
            theirs = local.get(key)
        assert mine == theirs, f"line {local['line']}: {key}: ray {mine!r} != in-process {theirs!r}"


def test_scan_engine_ray_equals_the_in_process_scan_on_2000_rows(tmp_path, capsys):
    import ray

    data = write_rows(tmp_path / "rows.jsonl", 2000)
    assert main(["scan", str(data), "--out", str(tmp_path / "local.jsonl")]) == 1  # two unreadable lines
    local = {r["line"]: r for r in map(json.loads, (tmp_path / "local.jsonl").read_text().splitlines())}
    assert not ray.is_initialized()
    assert main(["scan", "--engine", "ray", str(data), "--out", str(tmp_path / "decisions"),
                 "--num-cpus", "2", "--workers", "2", "--no-progress"]) == 1  # the same exit status
    assert not ray.is_initialized()  # the local Ray the command started is gone
    assert "scanned 2002 rows on Ray" in capsys.readouterr().err
    rows = sorted(pq.read_table(tmp_path / "decisions").to_pylist(), key=lambda r: r["line"])  # files of two
    assert [r["line"] for r in rows] == sorted(local) == list(range(1, 2003))  # workers: every line, once
    assert len({r["decision_id"] for r in rows if r["action"]}) == 2000
    for row in rows:
        local_row = local[row["line"]]
        if "error" in local_row:
            assert row["action"] is None and row["error"] == local_row["error"]
            continue
        assert row["id"] == f"r{row['line'] - 1:05d}" and row["lang"] == "en"
        _same(row, local_row)
    actions = {r["action"] for r in rows}
    assert {"allow", "block"} <= actions  # a real mix, not one constant answer


@pytest.fixture(scope="module")
def local_ray():
    import ray

    if not ray.is_initialized():
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def _json_out(capsys) -> dict:
    out = capsys.readouterr().out
    return json.loads(out[out.index("{\n"):])  # a Ray left running by the fixture may print a warning first


def test_diff_engine_ray_on_a_labelled_file_equals_the_in_process_diff(local_ray, tmp_path, capsys):
    data = str(_labelled(tmp_path / "labelled.jsonl"))
    prod, cand = str(EXAMPLES / "policy_prod.yaml"), str(EXAMPLES / "policy_candidate.yaml")
    assert main(["diff", "--policy", prod, "--policy", cand, data, "--json"]) == 0
    local = _json_out(capsys)
    assert main(["diff", "--engine", "ray", "--workers", "2", "--policy", prod, "--policy", cand, data, "--json",
                 "--decisions", str(tmp_path / "dec"), "--no-progress"]) == 0
    remote = _json_out(capsys)
    assert remote.pop("engine")["name"] == "ray"
    assert remote == local
    assert local["groups"]["newly_blocked"]["regressions"] > 0 and local["rates"]["b"]["detection_rate"] == 1.0
    table = pq.read_table(tmp_path / "dec")
    assert table.num_rows == 300 and table.column("id").to_pylist()[:2] == ["ex01-0", "ex02-0"]
    assert {"action_a", "action_b", "scores_a", "labels"} <= set(table.column_names)


def test_eval_engine_ray_equals_the_in_process_eval(local_ray, tmp_path, capsys):
    data = str(_labelled(tmp_path / "labelled.jsonl", copies=2))
    prod = str(EXAMPLES / "policy_prod.yaml")
    assert main(["eval", "--policy", prod, data, "--json", "--latency-sample", "0"]) == 0
    local = _json_out(capsys)
    assert main(["eval", "--engine", "ray", "--policy", prod, data, "--json", "--no-progress"]) == 0
    remote = _json_out(capsys)
    assert remote.pop("engine")["address"] == "local"
    for report in (local, remote):
        report.pop("latency")
    assert remote == local


def test_unlabelled_parquet_diff_streams_and_keys_by_the_input_id(local_ray, tmp_path):
    from guardrails.ops.ray_engine import RayOptions
    from guardrails.ops.ray_eval import diff_with_ray

    texts = _base_texts()
    pq.write_table(pa.table({"query_id": list(range(len(texts))), "text": texts}), tmp_path / "in.parquet")
    with pytest.raises(DataError, match="no 'id' column"):
        diff_with_ray(tmp_path / "in.parquet", None, EXAMPLES / "policy_prod.yaml")
    pq.write_table(pa.table({"id": list(range(len(texts))), "text": texts}), tmp_path / "in.parquet")
    report = diff_with_ray(tmp_path / "in.parquet", EXAMPLES / "policy_prod.yaml", EXAMPLES / "policy_candidate.yaml",
                           options=RayOptions(workers=1), examples_shown=2, decisions_out=tmp_path / "dec")
    assert report["data"] == {"name": str(tmp_path / "in.parquet"), "stage": "input", "rows": len(texts),
                              "labelled": False}
    assert "rates" not in report and report["changed"] > 0
    assert all(len(g["examples"]) <= 2 for g in report["groups"].values())
    ids = pq.read_table(tmp_path / "dec").column("id")
    assert pa.types.is_integer(ids.type)  # ints stay ints
    # every input id once; a folder of Parquet parts has no row order across its files (Ray names the
    # parts by write task, and a CI run read block 2's part first)
    assert sorted(ids.to_pylist()) == list(range(len(texts)))
    with pytest.raises(DataError, match="not empty"):
        diff_with_ray(tmp_path / "in.parquet", None, None, decisions_out=tmp_path / "dec")


def test_parquet_scan_with_shadow_and_output_stage(local_ray, tmp_path):
    from guardrails.guard import Guard
    from guardrails.ops.ray_engine import RayOptions
    from guardrails.ops.ray_scan import scan_with_ray

    policy = tmp_path / "p.yaml"
    policy.write_text((EXAMPLES / "policy_prod.yaml").read_text().split("\naudit:")[0]
                      + f"\nshadow:\n  policy: {EXAMPLES / 'policy_candidate.yaml'}\n")
    texts = _base_texts()[:120]
    pq.write_table(pa.table({"key": [f"k{i}" for i in range(len(texts))], "body": texts,
                             "timestamp": [1_764_000_000 + 60 * i for i in range(len(texts))]}), tmp_path / "in.parquet")
    summary = scan_with_ray(tmp_path / "in.parquet", tmp_path / "out", policy=policy, text_column="body",
                            id_column="key", options=RayOptions(workers=2, batch_size=16))
    assert summary["rows"] == len(texts) and sum(summary["actions"].values()) == len(texts)
    by_id = {r["id"]: r for r in pq.read_table(tmp_path / "out").to_pylist()}  # keyed by id: two
    assert sorted(by_id) == sorted(f"k{i}" for i in range(len(texts)))  # workers write in any order
    rows = [by_id[f"k{i}"] for i in range(len(texts))]
    guard = Guard.from_policy(policy)
    for i, (row, decision) in enumerate(zip(rows, guard.check_input_batch(texts), strict=True)):
        assert row["timestamp"] == 1_764_000_000 + 60 * i
        _same(row, {"line": row["id"], **decision.to_record()})
    assert any(r["shadow_action"] != r["action"] for r in rows)  # the candidate disagrees somewhere

    out = tmp_path / "answers.jsonl"
    out.write_text("".join(json.dumps({"id": i, "text": f"Sure! Mail jane.doe{i}@example.com", "prompt": "contact?"})
                           + "\n" for i in range(5)))
    scan_with_ray(out, tmp_path / "out2", stage="output", options=RayOptions(workers=1))
    rows = pq.read_table(tmp_path / "out2").to_pylist()
    assert [r["stage"] for r in rows] == ["output"] * 5 and all("jane.doe" not in r["text"] for r in rows)
