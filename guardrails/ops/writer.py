"""JsonlWriter: the one background JSON Lines writer of the ops plugin (audit log, review queue).

The request path only puts a record on a bounded queue (never waits for the disk); a writer
thread turns records into lines and appends them in whole batches with one ``write`` call each,
so lines from many threads never interleave. Records reach the file at most
``flush_interval_ms`` after they were queued; ``fsync: true`` also pushes them to the device.
The file rotates by size. When the queue is full, or the disk is full or unwritable, records are
dropped and counted (``stats()``, a logged error, and a ``dropped`` record in the file once it
can be written again), never raised into a request.

``durable=True`` adds ``write_durable(record)``: it returns only once the record is written and
fsynced. Callers waiting at the same time share one write and one fsync (group commit): the writer
takes everything queued, writes it in one call, fsyncs once and releases every waiter.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

__all__ = ["JsonlWriter", "now_iso"]

log = logging.getLogger("guardrails.audit")

_STOP = object()
_FLUSH = "flush"


class _Durable:
    """A record whose writer waits until it is on disk (``ok``: written and fsynced)."""

    __slots__ = ("done", "ok", "record")

    def __init__(self, record: Any) -> None:
        self.record = record
        self.done = threading.Event()
        self.ok = False
_BATCH_BYTES = 256 * 1024
_REPORT_EVERY_S = 10.0


class JsonlWriter:
    """Appends dict records as JSON lines to a file from a background thread.

    ``write(record)`` never blocks: it returns False (and counts a drop) when the queue is full.
    ``flush()`` waits until everything queued so far is written; ``close()`` flushes and stops
    (also run at interpreter exit). Safe to call from many threads.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        max_bytes: int = 0,
        backups: int = 5,
        flush_interval_ms: float = 1000.0,
        fsync: bool = False,
        queue_size: int = 10_000,
        name: str = "audit log",
        durable: bool = False,
    ) -> None:
        self.path = Path(os.path.expandvars(os.path.expanduser(str(path))))
        self.max_bytes = max_bytes
        self.backups = backups
        self.flush_interval = flush_interval_ms / 1000.0
        self.durable = durable
        self.fsync = fsync or durable
        self.name = name
        self._items: deque[Any] = deque()
        self._maxsize = queue_size
        self._wake_at = max(1, queue_size // 2) if flush_interval_ms > 0 else 1
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._counts = {"written": 0, "dropped": 0, "failed": 0, "errors": 0, "rotations": 0,
                        "late": 0, "commits": 0}
        self._unreported_drops = 0
        self._last_report = 0.0
        self.last_error: str | None = None
        self._fd: int | None = None
        self._size = 0
        self._closed = False
        self._open()
        self._thread = threading.Thread(target=self._run, name=f"guardrails-{name}", daemon=True)
        self._thread.start()
        self._atexit = partial(_close_at_exit, weakref.ref(self))
        atexit.register(self._atexit)

    # request side ---------------------------------------------------------------------------

    def write(self, record: dict[str, Any] | Callable[[], dict[str, Any]]) -> bool:
        """Queue a record (or a function returning it, called on the writer thread).

        Returns False (and counts a drop) when the queue is full or the writer is closed.
        """
        items = self._items
        if not self._closed and len(items) < self._maxsize:
            items.append(record)
            if len(items) >= self._wake_at:
                self._wake.set()
            return True
        with self._lock:
            self._counts["dropped"] += 1
            self._unreported_drops += 1
            now = time.monotonic()
            report = now - self._last_report >= _REPORT_EVERY_S
            if report:
                self._last_report = now
        if report:
            log.error("%s %s: queue full (%d records); dropping records (%d so far)",
                      self.name, self.path, self._maxsize, self._counts["dropped"])
        return False

    def write_durable(self, record: dict[str, Any] | Callable[[], dict[str, Any]], timeout: float = 5.0) -> bool:
        """Queue a record and wait until it is written and fsynced (``durable=True`` writers).

        True once it is on disk. False when the write failed (counted in ``failed``), the writer
        is closed (``dropped``), or ``timeout`` seconds passed first (``late``: the record stays
        queued and is still written). Never drops a record for a full queue: the queue holds at
        most one record per waiting caller beyond ``queue_size``.
        """
        if self._closed:
            with self._lock:
                self._counts["dropped"] += 1
            return False
        entry = _Durable(record)
        self._items.append(entry)
        self._wake.set()
        if not entry.done.wait(timeout):
            with self._lock:
                self._counts["late"] += 1
            return False
        return entry.ok

    def stats(self) -> dict[str, Any]:
        """Counts: written, dropped (queue full), failed (disk errors), errors, rotations, queued,
        late (durable writes that outlasted their timeout), commits (writes with their fsync)."""
        with self._lock:
            out: dict[str, Any] = dict(self._counts)
        out["queued"] = len(self._items)
        out["last_error"] = self.last_error
        out["path"] = str(self.path)
        return out

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every record queued before this call is written; False on timeout."""
        if self._closed or not self._thread.is_alive():
            return False
        done = threading.Event()
        self._items.append((_FLUSH, done))
        self._wake.set()
        return done.wait(timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Write what is queued, then stop the writer thread and close the file."""
        if self._closed:
            return
        self._closed = True
        atexit.unregister(self._atexit)
        if self._thread.is_alive():
            self._items.append(_STOP)
            self._wake.set()
            self._thread.join(timeout)
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self._counts["dropped"] or self._counts["failed"]:
            log.warning("%s %s closed: %d written, %d dropped (queue full), %d lost to write errors",
                        self.name, self.path, self._counts["written"], self._counts["dropped"],
                        self._counts["failed"])

    # writer side ----------------------------------------------------------------------------

    def _error(self, what: str, exc: OSError) -> None:
        message = f"{self.name} {self.path}: {what}: {exc.strerror or exc}"
        with self._lock:
            self._counts["errors"] += 1
            repeated = message == self.last_error
            self.last_error = message
        if not repeated:
            log.error("%s; records are dropped and counted until it can be written", message)

    def _open(self) -> bool:
        if self._fd is not None:
            return True
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            created = not self.path.exists()
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
            self._size = os.fstat(self._fd).st_size
            if created and self.fsync:  # the new file's directory entry must survive a crash too
                _fsync_dir(self.path.parent)
            return True
        except OSError as exc:
            self._error("cannot open", exc)
            return False

    def _rotate(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        try:
            if self.backups == 0:
                self.path.unlink(missing_ok=True)
            else:
                for i in range(self.backups - 1, 0, -1):
                    older = self.path.with_name(f"{self.path.name}.{i}")
                    if older.exists():
                        os.replace(older, self.path.with_name(f"{self.path.name}.{i + 1}"))
                os.replace(self.path, self.path.with_name(f"{self.path.name}.1"))
            with self._lock:
                self._counts["rotations"] += 1
        except OSError as exc:
            self._error("cannot rotate", exc)
        self._open()

    def _write_lines(self, lines: list[bytes]) -> bool:
        data = b"".join(lines)
        if self.max_bytes and self._fd is not None and self._size and self._size + len(data) > self.max_bytes:
            self._rotate()
        if not self._open():
            with self._lock:
                self._counts["failed"] += len(lines)
            return False
        assert self._fd is not None
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view):]
            if self.fsync:
                os.fsync(self._fd)
        except OSError as exc:
            self._error("write failed", exc)
            with self._lock:
                self._counts["failed"] += len(lines)
            os.close(self._fd)
            self._fd = None
            return False
        self._size += len(data)
        with self._lock:
            self._counts["written"] += len(lines)
            self._counts["commits"] += 1
            self._unreported_drops, drops = 0, self._unreported_drops
        if drops:
            self._write_lines([_line({"type": "dropped", "count": drops, "time": now_iso(),
                                      "reason": "queue full"})])
        return True

    def _commit(self, lines: list[bytes], waiting: list[_Durable]) -> None:
        """Write ``lines`` (one write, one fsync) and release the durable writers among them."""
        ok = self._write_lines(lines) if lines else True
        for entry in waiting:
            entry.ok = ok
            entry.done.set()

    def _run(self) -> None:
        period = self.flush_interval if self.flush_interval > 0 else None
        items = self._items
        while True:
            self._wake.wait(period)
            self._wake.clear()
            lines: list[bytes] = []
            waiting: list[_Durable] = []
            size = 0
            stop = False
            while items:
                item = items.popleft()
                if item is _STOP:
                    stop = True
                elif isinstance(item, tuple):
                    if lines:  # everything queued before the flush request is written first
                        self._commit(lines, waiting)
                        lines, waiting, size = [], [], 0
                    item[1].set()
                else:
                    entry = item if isinstance(item, _Durable) else None
                    record = entry.record if entry is not None else item
                    try:
                        lines.append(_line(record() if callable(record) else record))
                    except Exception as exc:  # a bad record must not stop the writer
                        log.error("%s: a record could not be serialised: %s", self.name, exc)
                        if entry is not None:
                            entry.done.set()  # ok stays False
                        continue
                    if entry is not None:
                        waiting.append(entry)
                    size += len(lines[-1])
                    if size >= _BATCH_BYTES:
                        self._commit(lines, waiting)
                        lines, waiting, size = [], [], 0
            if lines:
                self._commit(lines, waiting)
            if stop:
                return


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory descriptors
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _close_at_exit(ref: weakref.ref[JsonlWriter]) -> None:
    writer = ref()
    if writer is not None:
        writer.close()


def _line(record: dict[str, Any]) -> bytes:
    return (json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str) + "\n").encode(
        "utf-8", "replace"
    )


def now_iso(ts: float | None = None) -> str:
    ts = time.time() if ts is None else ts
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{int(ts % 1 * 1000):03d}Z"
