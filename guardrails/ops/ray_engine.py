"""Ray Data plumbing shared by the cluster-scale scan, eval and diff (extra ``ray``).

- ``RayOptions``: where to run (a local Ray started for the run, or an existing cluster by
  address), how many actors (one Guard each), batch size, progress bars;
- ``ray_session``: starts a local Ray (``ray.init(num_cpus=..., include_dashboard=False)``, usage
  statistics off: nothing is sent anywhere) or connects to a cluster, and shuts down only what it
  started;
- ``PolicySpec``: a policy resolved on the driver (its shadow candidate included) and shipped to
  the actors as data, so workers need the package but not the policy files;
- ``read_rows``: JSON Lines, CSV or Parquet as a ``ray.data.Dataset`` of rows with a fixed schema.

JSON Lines are parsed on the driver (one pass, about 146,000 short lines per CPU-second: some
500 times what one worker decides) so that every line keeps its number and a malformed line
becomes an error row instead of failing the job; the blocks go to the workers through Ray's
object store.
Parquet is read by the workers themselves (``ray.data.read_parquet``): the format for inputs
of tens of millions of rows, on storage every node can reach.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from guardrails.errors import DataError, GuardrailsError

__all__ = [
    "DEFAULT_KEEP",
    "PolicySpec",
    "RayOptions",
    "import_ray",
    "is_parquet",
    "prepare_output",
    "ray_session",
    "read_rows",
]

DEFAULT_KEEP = ("time", "timestamp", "lang", "language", "source")
"""Input columns carried into the decisions when present (the report charts them)."""
BLOCK_ROWS = 20_000
"""The most JSON Lines rows per block handed to Ray; the first blocks are smaller (two batches,
doubling every 64 blocks) so that a small file still reaches every actor."""


@dataclass(frozen=True)
class RayOptions:
    """How a Ray run is placed and cut.

    ``address``: an existing cluster (``"ray://head:10001"``, ``"auto"``); None starts a local Ray
    for the run with ``num_cpus`` CPUs (None: all). ``workers``: actors, each holding one Guard
    and ``cpus_per_worker`` CPUs (None: as many as fit). ``batch_size``: texts per
    ``check_batch`` call. ``progress``: Ray Data's progress bars (None: Ray's default).
    """

    address: str | None = None
    num_cpus: int | None = None
    workers: int | None = None
    cpus_per_worker: float = 1.0
    batch_size: int = 256
    progress: bool | None = None

    def compute(self, ray: Any) -> Any:
        """The actor pool of ``map_batches``: ``workers`` actors, or as many as the cluster fits."""
        if self.workers is not None and self.workers < 1:
            raise DataError(f"--workers must be at least 1, got {self.workers}")
        cpus = float(ray.cluster_resources().get("CPU", 1.0))
        most = self.workers or max(1, int(cpus // self.cpus_per_worker))
        # A pool that starts at one actor and grows: a fixed pool as large as the cluster would
        # take every CPU before Ray Data's read tasks (Parquet file listing) got one, and wait forever.
        return ray.data.ActorPoolStrategy(min_size=1, max_size=most)


def import_ray() -> Any:
    """The ``ray`` module with ``ray.data``; raises GuardrailsError naming the extra when absent."""
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise GuardrailsError("this needs Ray Data: pip install 'tako-guardrails[ray]'") from None
    return ray


@contextmanager
def ray_session(options: RayOptions) -> Iterator[Any]:
    """Yield ``ray`` ready to run: connected to ``options.address`` or a local Ray started here.

    A Ray already initialised in this process is used as is and left running; one started here
    is shut down on exit. Meanwhile ``sys.stdout`` is standard error: Ray prints its raylet
    warnings to stdout, which a command keeps for its results.
    """
    ray = import_ray()
    started = False
    if not ray.is_initialized():
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no usage report leaves the machine
        if options.address:
            ray.init(address=options.address, log_to_driver=False)
        else:
            ray.init(num_cpus=options.num_cpus, include_dashboard=False, log_to_driver=False)
        started = True
    context = ray.data.DataContext.get_current()
    saved = (context.enable_progress_bars, context.execution_options.preserve_order)
    if options.progress is not None:
        context.enable_progress_bars = options.progress
    context.execution_options.preserve_order = True  # output rows in input order
    try:
        with redirect_stdout(sys.stderr):  # Ray prints its raylet warnings to stdout: keep stdout for results
            yield ray
    finally:
        context.enable_progress_bars, context.execution_options.preserve_order = saved
        if started:
            ray.shutdown()


@dataclass(frozen=True)
class PolicySpec:
    """A policy resolved on the driver, rebuilt as a Guard on each actor (``build``).

    ``policy`` has no plugin sections (no audit log, metrics or escalation from the workers: an
    offline run is not live traffic) but keeps its ``shadow:`` settings, with ``shadow`` the
    candidate already loaded. ``source`` names the policy in reports.
    """

    policy: Any
    shadow: Any = None
    source: str = "<default policy>"

    @classmethod
    def load(cls, source: str | Path | None, *, keep_shadow: bool = True, run_all: bool = False) -> PolicySpec:
        """Load and validate ``source`` (None: the shipped default). ``run_all`` keeps running
        rails after a block (eval: every category scored); ``keep_shadow`` False drops the shadow
        candidate (eval and diff, like their in-process runs)."""
        from guardrails.policy import load_policy
        from guardrails.shadow import resolve_candidate

        loaded = load_policy(source)
        name = str(source) if source else "<default policy>"
        shadow = None
        if keep_shadow and loaded.shadow is not None:
            shadow = resolve_candidate(loaded.shadow.policy, name, lambda p: p)
            policy = loaded.with_sections({})
        else:
            policy = loaded.core_only()
        if run_all and not policy.settings.run_all:
            policy = policy.model_copy(update={"settings": policy.settings.model_copy(update={"run_all": True})})
        return cls(policy, shadow, name)

    def build(self, share_with: Any = None) -> Any:
        """A Guard of this policy (``share_with``: reuse another Guard's plugins and encoders)."""
        from guardrails.guard import Guard

        kwargs: dict[str, Any] = {}
        if share_with is not None:
            kwargs = {"plugin_manager": share_with.plugin_manager, "resources": share_with.resources}
        guard = Guard(self.policy, shadow=self.shadow, **kwargs)
        guard.source = self.source
        return guard


def prepare_output(out: str | Path, overwrite: bool) -> tuple[str, Any]:
    """The output folder as Ray writes it (absolute when local) and the save mode; raises
    DataError when a local folder already holds files and ``overwrite`` is False."""
    ray = import_ray()
    text = str(out)
    if "://" in text:
        return text, ray.data.SaveMode.OVERWRITE if overwrite else ray.data.SaveMode.ERROR
    path = Path(text).resolve()
    if path.exists() and not path.is_dir():
        raise DataError(f"{out}: exists and is not a folder (decisions are written as a folder of Parquet files)")
    if path.is_dir() and any(path.iterdir()) and not overwrite:
        raise DataError(f"{out}: the folder is not empty; remove it or pass --overwrite")
    return str(path), ray.data.SaveMode.OVERWRITE if overwrite else ray.data.SaveMode.APPEND


def is_parquet(path: str | Path) -> bool:
    """A ``.parquet`` file, or a folder (or URI) of Parquet files."""
    text = str(path)
    return text.endswith(".parquet") or (("://" not in text) and Path(text).is_dir())


@dataclass
class _Columns:
    text: str = "text"
    id: str = "id"
    keep: Sequence[str] = DEFAULT_KEEP
    prompt: str | None = None
    labelled: bool = False
    present: list[str] = field(default_factory=list)


def _schema(cols: _Columns) -> Any:
    import pyarrow as pa

    fields = [("line", pa.int64()), ("id", pa.string()), ("text", pa.string()), ("error", pa.string())]
    if cols.prompt:
        fields.append(("prompt", pa.string()))
    if cols.labelled:
        fields += [("labels", pa.list_(pa.string())), ("source", pa.string())]
    fields += [(k, pa.string()) for k in cols.keep if k not in {f for f, _ in fields}]
    return pa.schema(fields)


class _Sizes:
    def __init__(self, batch_size: int) -> None:
        self.size, self.blocks = max(2 * batch_size, 64), 0

    def full(self, rows: int) -> bool:
        if rows < min(self.size, BLOCK_ROWS):
            return False
        self.blocks += 1
        if self.blocks % 64 == 0:
            self.size *= 2
        return True


def _jsonl_blocks(path: Path, cols: _Columns, limit: int | None, sizes: _Sizes) -> Iterator[Any]:
    import pyarrow as pa

    from guardrails.jsonl import read_jsonl

    schema = _schema(cols)
    names = schema.names
    buffer: list[dict[str, Any]] = []
    count = 0
    for number, row, problem in read_jsonl(path):
        if row is not None and not isinstance(row.get(cols.text), str):
            row, problem = None, f"needs a '{cols.text}' string field"
        if row is None:
            out = {"line": number, "error": f"line {number}: {problem}"}
        else:
            out = {"line": number, "text": row[cols.text]}
            if row.get(cols.id) is not None:
                out["id"] = str(row[cols.id])
            if cols.prompt and row.get(cols.prompt) is not None:
                out["prompt"] = str(row[cols.prompt])
            for key in names[4:]:
                if key not in out and row.get(key) is not None:
                    out[key] = str(row[key])
                    if key in cols.keep and key not in cols.present:
                        cols.present.append(key)
        buffer.append(out)
        count += 1
        if sizes.full(len(buffer)):
            yield pa.Table.from_pylist(buffer, schema=schema)
            buffer = []
        if limit and count >= limit:
            break
    if buffer:
        yield pa.Table.from_pylist(buffer, schema=schema)


def _example_blocks(path: Path, cols: _Columns, limit: int | None, sizes: _Sizes) -> Iterator[Any]:
    """Labelled rows through the in-process eval's own reader (JSONL or CSV; bad rows are fatal)."""
    import pyarrow as pa

    from guardrails.ops.data import iter_examples

    schema = _schema(cols)
    buffer: list[dict[str, Any]] = []
    for ex in iter_examples(path, limit=limit):
        buffer.append({"line": ex.line, "id": ex.id, "text": ex.text, "labels": list(ex.labels), "source": ex.source})
        if sizes.full(len(buffer)):
            yield pa.Table.from_pylist(buffer, schema=schema)
            buffer = []
    if buffer:
        yield pa.Table.from_pylist(buffer, schema=schema)


def read_rows(
    ray: Any,
    path: str | Path,
    *,
    text_column: str = "text",
    id_column: str = "id",
    keep: Sequence[str] = DEFAULT_KEEP,
    prompt_column: str | None = None,
    labelled: bool = False,
    limit: int | None = None,
    batch_size: int = 256,
) -> tuple[Any, list[str]]:
    """The input as a Dataset of rows, and the ``keep`` columns it has.

    JSON Lines/CSV rows: ``line`` (1-based), ``id`` (the input's id as a string, null when
    absent), ``text``, ``error`` (why a line could not be read, else null), ``prompt`` (with
    ``prompt_column``), ``labels`` and ``source`` (``labelled``), and the ``keep`` columns as
    strings. Parquet keeps its own column types; it needs ``id_column`` (decisions are keyed by
    it), which is renamed ``id``, and ``text_column``, renamed ``text``. Raises DataError naming the
    file for a missing file or column (and, when ``labelled``, for the first bad row).
    """
    cols = _Columns(text_column, id_column, tuple(keep), prompt_column, labelled)
    if is_parquet(path):
        return _read_parquet(ray, str(path), cols, limit)
    local = Path(path)
    if not local.is_file():
        raise DataError(f"{path}: no such file")
    blocks = (_example_blocks if labelled else _jsonl_blocks)(local, cols, limit, _Sizes(batch_size))
    refs = [ray.put(block) for block in blocks]
    if not refs:
        raise DataError(f"{path}: no rows")
    return ray.data.from_arrow_refs(refs), [k for k in cols.keep if k in cols.present]


def _read_parquet(ray: Any, path: str, cols: _Columns, limit: int | None) -> tuple[Any, list[str]]:
    import pyarrow.dataset as pds

    try:
        names = pds.dataset(path, format="parquet").schema.names if "://" not in path else None
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: cannot read as Parquet: {exc}") from None
    if names is not None:
        for column, what in ((cols.text, "the texts"), (cols.id, "decisions are keyed by it")):
            if column not in names:
                raise DataError(f"{path}: no '{column}' column ({what}); columns: {', '.join(names)}")
    wanted = [cols.text, cols.id, *([cols.prompt] if cols.prompt else []),
              *(["labels", "source"] if cols.labelled else []), *cols.keep]
    columns = [c for c in dict.fromkeys(wanted) if names is None or c in names]
    ds = ray.data.read_parquet(path, num_cpus=0).select_columns(columns)  # reads never wait for the actors' CPUs
    renames = {old: new for old, new in ((cols.text, "text"), (cols.id, "id"), (cols.prompt, "prompt")) if old and old != new}
    if renames:
        ds = ds.rename_columns(renames)
    if limit:
        ds = ds.limit(limit)
    present = [k for k in cols.keep if k in columns and k not in ("text", "id")]
    return ds, present
