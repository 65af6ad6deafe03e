"""scripts/convert_dev_eval.py on the shared dev-eval sets (skipped where they are absent)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"


def _script():
    spec = importlib.util.spec_from_file_location("convert_dev_eval", REPO / "scripts" / "convert_dev_eval.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bipia_insertion_positions():
    insert = _script()._insert
    context = "line one\nline two\nline three\nline four"
    assert insert(context, "ATTACK", "start").startswith("ATTACK\n")
    assert insert(context, "ATTACK", "end").endswith("\nATTACK")
    assert insert(context, "ATTACK", "middle").split("\n")[2] == "ATTACK"
    assert "First. ATTACK Second." in insert("First. Second.", "ATTACK", "middle")


@pytest.mark.skipif(not (SHARED / "datasets" / "dev-eval").is_dir(), reason="needs ../shared/datasets (not shipped to users)")
def test_conversion_counts(tmp_path):
    assert _script().main(["--shared", str(SHARED), "--out", str(tmp_path), "--max-per-source", "300",
                           "--bipia-positions", "end"]) == 0

    def rows(name):
        return [json.loads(line) for line in (tmp_path / f"{name}.jsonl").read_text().splitlines()]

    toxic = rows("toxicchat")
    assert len(toxic) == 2853 and sum("unsafe" in r["labels"] for r in toxic) == 362
    assert sum("jailbreak" in r["labels"] for r in toxic) == 91
    hate = rows("tweeteval_hate")
    assert len(hate) == 2970 and sum(r["labels"] == ["hate"] for r in hate) == 1252
    german = rows("germeval2018")
    assert len(german) == 3532 and sum(bool(r["labels"]) for r in german) == 1202
    assert len(rows("all_input")) == 2853 + 2970 + 860 + 3532
    bipia = rows("bipia")
    assert sum(not r["labels"] for r in bipia) == 200  # every clean context is kept
    assert all(r["labels"] == ["prompt_injection"] for r in bipia if r["labels"])
    assert {r["source"] for r in bipia} == {"bipia_email", "bipia_table", "bipia_code"}
