"""``guardrails scan``: check every line of a JSON Lines file, in order, one decision per line.

Reads bytes and decodes line by line (``--encoding``, ``--errors``), so one bad line is
reported with its number and the rest are still checked. A byte-order mark picks the encoding
when none is given. Exit codes are in :mod:`guardrails.cli`.
"""

from __future__ import annotations

import argparse
import codecs
import io
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from guardrails.errors import DataError
from guardrails.jsonl import iter_jsonl

__all__ = ["ScanReport", "display_name", "read_lines", "scan"]

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_MAX_REPORTED = 20
"""Unreadable lines reported one per line on stderr; the rest are counted."""


@dataclass
class ScanReport:
    """What a scan did: decisions per action, unreadable lines, notes (e.g. a byte-order mark)."""

    actions: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def checked(self) -> int:
        """Lines read and checked."""
        return sum(self.actions.values())


def display_name(name: str) -> str:
    """How messages name the input (``-`` is standard input)."""
    return "standard input" if name == "-" else name


def _open(name: str) -> BinaryIO:
    if name == "-":
        return sys.stdin.buffer
    path = Path(name)
    if path.is_dir():
        raise DataError(f"{name}: is a folder; pass a JSON Lines file (one {{\"text\": ...}} object per line)")
    try:
        return path.open("rb")
    except FileNotFoundError:
        raise DataError(f"{name}: no such file") from None
    except OSError as exc:
        raise DataError(f"{name}: cannot read: {exc.strerror or exc}") from None


def read_lines(handle: BinaryIO, name: str, encoding: str | None, errors: str,
               report: ScanReport) -> Iterator[tuple[int, str | None, str | None]]:
    """``(line number, text, None)`` per line, ``(line number, None, problem)`` for a line that
    cannot be decoded. ``encoding`` None: UTF-8, or what a byte-order mark says."""
    head = handle.read(4)
    bom = next(((mark, enc) for mark, enc in _BOMS if head.startswith(mark)), None)
    if bom is not None:
        kind = bom[1].replace("-sig", "").upper()
        if encoding is None:
            encoding = bom[1]
            _note(report, f"{name}: starts with a {kind} byte-order mark; read as {kind}")
        elif bom[0] == codecs.BOM_UTF8:
            head = head[len(codecs.BOM_UTF8) :]
            _note(report, f"{name}: starts with a UTF-8 byte-order mark; skipped it, read as {encoding} (--encoding)")
    encoding = encoding or "utf-8"
    shown = "utf-8" if encoding == "utf-8-sig" else encoding
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        raise DataError(f"unknown encoding {encoding!r} (--encoding)") from None
    rest = io.BufferedReader(_Prefixed(head, handle))  # type: ignore[arg-type]
    if info.name.startswith(("utf-16", "utf-32")):  # lines cannot be split on bytes: decode as a stream
        text = io.TextIOWrapper(rest, encoding=encoding, errors=errors, newline=None)
        number = 0
        try:
            for number, line in enumerate(text, start=1):
                yield number, line, None
        except UnicodeDecodeError as exc:
            yield number + 1, None, f"not valid {shown} ({exc.reason}); the rest of the file was not read"
        return
    decoder = "utf-8-sig" if info.name == "utf-8" else encoding
    for number, raw in enumerate(rest, start=1):
        try:
            yield number, raw.decode(decoder if number == 1 else encoding, errors), None
        except UnicodeDecodeError as exc:
            yield number, None, (f"not valid {shown} (byte 0x{raw[exc.start]:02x} at column {exc.start + 1}); "
                                 "use --encoding (e.g. latin-1) or --errors replace")


class _Prefixed(io.RawIOBase):
    """A binary stream with ``head`` (bytes already read) put back in front."""

    def __init__(self, head: bytes, handle: BinaryIO) -> None:
        self.head, self.handle = head, handle

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.head:
            n = min(len(buffer), len(self.head))
            buffer[:n], self.head = self.head[:n], self.head[n:]
            return n
        data = self.handle.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def scan(guard: Any, args: argparse.Namespace, out: TextIO, ensure_ascii: bool) -> ScanReport:
    """Check every line of ``args.file``; write one JSON record per line to ``out``, in order.

    A record holds ``line``, the input's ``id`` (when it has one), the decision (``text``,
    ``action``, ``flagged``, ``triggered``, ``categories``, ...) with its own id as
    ``decision_id``, and ``latency_ms``: this line's share of the rails' time. A line that
    cannot be read gets ``{"line": n, "error": ...}``. Raises DataError (one line: the file and
    why) when the input cannot be scanned at all: missing, a folder, empty, an unknown encoding.
    """
    report = ScanReport()
    handle = _open(args.file)
    pending: list[tuple[int, dict[str, Any] | None, str | None]] = []
    texts = 0

    def flush() -> None:
        rows = [row for _, row, _ in pending if row is not None]
        decisions: Iterator[Any] = iter(())
        if rows:
            if args.stage == "output":
                decisions = iter(guard.check_output_batch([r["text"] for r in rows], prompts=[r.get("prompt") for r in rows]))
            else:
                decisions = iter(guard.check_input_batch([r["text"] for r in rows]))
        for number, row, problem in pending:
            if row is None:
                record: dict[str, Any] = {"line": number, "error": f"line {number}: {problem}"}
                _report_error(report, f"{args.file}:{number}: {problem}")
            else:
                record = _record(number, row, next(decisions))
                action = record["action"]
                report.actions[action] = report.actions.get(action, 0) + 1
            out.write(json.dumps(record, ensure_ascii=ensure_ascii) + "\n")
        pending.clear()

    seen_any = False
    try:
        lines = read_lines(handle, display_name(args.file), args.encoding, args.errors, report)
        for number, text, problem in lines:
            seen_any = seen_any or bool(text and text.strip()) or problem is not None
            if problem is not None:
                pending.append((number, None, problem))
                continue
            for _, row, why in iter_jsonl([text or ""], require_text=True, start=number):
                pending.append((number, row, why))
                texts += row is not None
            if texts >= args.batch_size:
                flush()
                texts = 0
        if not seen_any:
            raise DataError(f"{display_name(args.file)}: is empty: no lines to scan")
        flush()
    finally:
        if handle is not sys.stdin.buffer:
            handle.close()
    return report


def _record(number: int, row: dict[str, Any], decision: Any) -> dict[str, Any]:
    record: dict[str, Any] = {"line": number}
    if "id" in row:
        record["id"] = row["id"]
    body = decision.to_record()
    body["decision_id"] = body.pop("id")
    body["latency_ms"] = round(sum(v.latency_ms for v in decision.verdicts), 3)
    record.update(body)
    return record


def _note(report: ScanReport, line: str) -> None:
    report.notes.append(line)
    print(f"guardrails scan: note: {line}", file=sys.stderr)


def _report_error(report: ScanReport, line: str) -> None:
    report.errors.append(line)
    if len(report.errors) <= _MAX_REPORTED:
        print(f"guardrails scan: {line}", file=sys.stderr)
