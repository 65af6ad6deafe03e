"""Labelled data: the one reader of labelled texts for eval, diff and train-head.

JSON Lines (or CSV/TSV with a header) with ``text`` and ``labels`` (a list of categories; empty
means benign). Optional fields: ``id``, ``source`` (eval breaks metrics down by it). Labels are
lower-cased; ``benign``, ``none``, ``safe`` and ``0`` mean no label. The reserved label
``unsafe`` marks harmful text of no particular category.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from guardrails.errors import DataError
from guardrails.jsonl import iter_jsonl

__all__ = ["ANY_LABEL", "Example", "iter_examples", "load_examples", "parse_labels"]

ANY_LABEL = "unsafe"
"""Reserved label: harmful, category unknown (detected when the policy acts at all)."""
_BENIGN_WORDS = {"", "benign", "none", "safe", "0"}


@dataclass(frozen=True)
class Example:
    """One labelled text."""

    text: str
    labels: tuple[str, ...] = ()
    id: str | None = None
    source: str | None = None
    line: int = 0


def parse_labels(value: Any, where: str) -> tuple[str, ...]:
    """Normalised labels of one row (a list, a JSON list string, or "a|b", "a;b", "a,b"): lower-cased,
    sorted, benign words removed; raises DataError naming ``where`` for anything else."""
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
        labels=parse_labels(labels, where),
        id=None if row.get("id") is None else str(row["id"]),
        source=None if source is None else str(source),
        line=line,
    )


def load_examples(path: str | Path, *, limit: int | None = None) -> list[Example]:
    """Read labelled examples from JSONL (``.jsonl``/``.json``) or CSV/TSV (``.csv``/``.tsv``)."""
    return list(iter_examples(path, limit=limit))


def iter_examples(path: str | Path, *, limit: int | None = None) -> Iterator[Example]:
    """``load_examples`` one example at a time (files larger than memory); raises DataError
    naming the file and line of the first bad row."""
    path = Path(path)
    try:
        handle = path.open(encoding="utf-8", errors="replace", newline="")
    except OSError as exc:
        raise DataError(f"{path}: cannot read: {exc.strerror or exc}") from None
    count = 0
    with handle:
        if path.suffix.lower() in (".csv", ".tsv"):
            reader = csv.DictReader(handle, delimiter="\t" if path.suffix.lower() == ".tsv" else ",")
            if not reader.fieldnames or "text" not in reader.fieldnames:
                raise DataError(f"{path}: the CSV header needs a 'text' column (and 'labels')")
            rows: Iterable[tuple[int, dict[str, Any] | None, str | None]] = (
                (number, row, None) for number, row in enumerate(reader, start=2)
            )
        else:
            rows = iter_jsonl(handle)
        for number, row, problem in rows:
            if row is None:
                raise DataError(f"{path}:{number}: {problem}")
            yield _example(row, f"{path}:{number}", number)
            count += 1
            if limit and count >= limit:
                break
