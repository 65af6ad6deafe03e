"""Benign sources: assistant requests (CLINC150, GPTeacher), search questions (NQ, MS MARCO)."""

from __future__ import annotations

import json
from pathlib import Path

from training.corpus.records import TRAIN_DIR, Record, rec, sample


def load_benign(root: Path = TRAIN_DIR) -> list[Record]:
    """CLINC150 (5,000 sampled), GPTeacher role-play (2,200) and Toolformer (1,200), NQ-open (all),
    MS MARCO (NC, all): every row benign."""
    out: list[Record] = []
    clinc = json.loads((root / "clinc150" / "data_full.json").read_text())
    rows = [rec(t, [], "clinc150", "clinc150", kind="assistant_request") for part in clinc.values() for t, _ in part]
    out += sample(rows, 5000, "clinc150")
    for sub, fname, cap in (("Roleplay", "roleplay-simple-deduped-roleplay-dataset.json", 2200),
                            ("Toolformer", "toolformer-dedupe-only-dataset.json", 1200)):
        data = json.loads((root / "gpteacher_roleplay_toolformer" / sub / fname).read_text())
        rows = [rec(r["instruction"] + ("\n" + r["input"] if r["input"] else ""), [],
                    f"gpteacher_{sub.lower()}", "gpteacher",
                    kind="roleplay_request" if sub == "Roleplay" else "tool_request") for r in data]
        out += sample(rows, cap, f"gpteacher_{sub}")
    for f in sorted((root / "nq_open").glob("*.jsonl")):
        out += [rec(json.loads(x)["question"], [], "nq_open", "nq_open", kind="search_query")
                for x in f.read_text().splitlines()]
    for line in (root / "msmarco_queries" / "topics.msmarco-passage.dev-subset.txt").read_text().splitlines():
        if "\t" in line:
            out.append(rec(line.split("\t", 1)[1], [], "msmarco", "msmarco", kind="search_query"))
    return out
