"""Reviewed rows (training/data/reviewed/*.jsonl): loading and format checks (see its README)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from training.corpus.records import CATEGORIES, REVIEWED_DIR, Record, rec

_LANG = re.compile(r"^[a-z]{2,3}$")
FIELDS = {"text", "labels", "lang", "kind", "group"}


def check_row(row: object, where: str) -> list[str]:
    """Problems of one reviewed row (empty when it follows the style guide)."""
    if not isinstance(row, dict):
        return [f"{where}: not a JSON object"]
    problems = []
    missing = {"text", "labels"} - set(row)
    if missing:
        problems.append(f"{where}: missing {sorted(missing)}")
    extra = set(row) - FIELDS - {"note"}
    if extra:
        problems.append(f"{where}: unknown fields {sorted(extra)}")
    if not isinstance(row.get("text"), str):
        problems.append(f"{where}: text must be a string")
    labels = row.get("labels")
    if not isinstance(labels, list) or not set(labels) <= set(CATEGORIES):
        problems.append(f"{where}: labels must be a list of {CATEGORIES}, got {labels!r}")
    elif "indirect_injection" in labels and "prompt_injection" not in labels:
        problems.append(f"{where}: indirect_injection needs prompt_injection too")
    lang = row.get("lang", "en")
    if not isinstance(lang, str) or not _LANG.match(lang):
        problems.append(f"{where}: lang must be an ISO 639 code, got {lang!r}")
    return problems


def read_file(path: Path) -> tuple[list[dict], list[str]]:
    """(rows, problems) of one reviewed JSONL file."""
    rows, problems = [], []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path.name}:{n}"
        try:
            row = json.loads(line)
        except ValueError as exc:
            problems.append(f"{where}: invalid JSON ({exc})")
            continue
        bad = check_row(row, where)
        problems += bad
        if not bad:
            rows.append(row)
    return rows, problems


def load_reviewed(root: Path = REVIEWED_DIR) -> list[Record]:
    """Every valid reviewed row; source ``reviewed_<file stem>``, kind and group as written."""
    out: list[Record] = []
    for f in sorted(root.glob("*.jsonl")):
        rows, _ = read_file(f)
        for i, row in enumerate(rows):
            group = row.get("group") or f"reviewed:{f.stem}:{i}"
            out.append(rec(row["text"], row["labels"], f"reviewed_{f.stem}", "reviewed",
                           lang=row.get("lang", "en"), kind=row.get("kind", ""), group=group))
    return out
