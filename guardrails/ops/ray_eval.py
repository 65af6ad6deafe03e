"""``eval`` and ``diff`` on Ray Data: the decisions on the cluster, the same reports as in-process.

The actors (``OutcomeBatch``, one per worker, holding the policy's Guard, or both policies'
Guards sharing one set of encoders for a diff) decide the rows; the driver turns the decided
rows into the same report ``guardrails eval`` / ``guardrails diff`` write, through the same code
(guardrails.ops.eval.summarize_outcomes, guardrails.ops.diff.compare_outcomes). Per-row decisions
can be kept as Parquet keyed by the input's id (``decisions_out``).

Memory on the driver: a diff streams (counters and the examples shown, whatever the row count);
an eval keeps one compact outcome per row for its curves and sweeps (docs/scale.md has the
measured size), so label sets of a few million rows fit on an ordinary machine.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from guardrails.ops.ray_engine import PolicySpec, RayOptions, prepare_output, ray_session, read_rows

__all__ = ["OutcomeBatch", "diff_with_ray", "evaluate_with_ray"]


def _schema(policies: int) -> Any:
    import pyarrow as pa

    fields = [("labels", pa.list_(pa.string())), ("source", pa.string())]
    for key in "ab"[:policies]:
        fields += [(f"action_{key}", pa.string()), (f"triggered_{key}", pa.list_(pa.string())),
                   (f"scores_{key}", pa.map_(pa.string(), pa.float64())), (f"rail_ms_{key}", pa.float64()),
                   (f"rails_{key}", pa.map_(pa.string(), pa.string()))]
    return pa.schema(fields)


class OutcomeBatch:
    """The ``map_batches`` callable class of eval (one policy) and diff (two): rows with ``text``,
    ``labels``, ``source`` (and ``id``/``line``, carried over) in; per policy ``a``/``b`` the
    action, categories triggered, every score, the rails' time (ms) and which rail scored each
    category out, exactly what guardrails.ops.eval.run_policy records."""

    def __init__(self, specs: Sequence[PolicySpec], stage: str = "input") -> None:
        first = specs[0].build()
        self.guards = [first, *(s.build(share_with=first) for s in specs[1:])]
        self.stage, self.schema = stage, _schema(len(specs))

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        from guardrails.ops.data import parse_labels

        texts = batch.column("text").to_pylist()
        where = batch.column("id").to_pylist() if "id" in batch.column_names else [None] * len(texts)
        raw = batch.column("labels").to_pylist() if "labels" in batch.column_names else [None] * len(texts)
        sources = batch.column("source").to_pylist() if "source" in batch.column_names else [None] * len(texts)
        columns: dict[str, list[Any]] = {
            "labels": [list(parse_labels(v, f"row id {w}")) for v, w in zip(raw, where)],
            "source": [None if s is None else str(s) for s in sources],
        }
        for key, guard in zip("ab", self.guards):
            decisions = guard.check_batch(self.stage, texts)
            columns[f"action_{key}"] = [d.action.value for d in decisions]
            columns[f"triggered_{key}"] = [list(d.triggered) for d in decisions]
            columns[f"scores_{key}"] = [list(d.categories.items()) for d in decisions]
            columns[f"rail_ms_{key}"] = [sum(v.latency_ms for v in d.verdicts) for d in decisions]
            rails = []
            for d in decisions:
                found: dict[str, str] = {}
                for v in d.verdicts:
                    for c in v.categories:
                        found.setdefault(c, v.rail or v.guard)
                rails.append(list(found.items()))
            columns[f"rails_{key}"] = rails
        decided = pa.Table.from_pydict(columns, schema=self.schema)
        keys = [c for c in ("line", "id", "text") if c in batch.column_names]
        return pa.Table.from_arrays([*(batch.column(c) for c in keys), *decided.columns],
                                    names=[*keys, *decided.column_names])


class _Outcomes:
    """Decided rows back into guardrails.ops.eval.Outcome objects (shared small dicts interned)."""

    def __init__(self) -> None:
        self._rails: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}

    def __call__(self, row: dict[str, Any], keys: str = "a") -> tuple[Any, ...]:
        """One Outcome per policy key (``"a"`` or ``"ab"``), sharing the row's Example."""
        from guardrails.ops.data import Example
        from guardrails.ops.eval import Outcome
        from guardrails.results import Action

        example = Example(row["text"], tuple(row["labels"] or ()), None if row.get("id") is None else str(row["id"]),
                          row.get("source"), int(row.get("line") or 0))
        out = []
        for key in keys:
            pairs = tuple(row[f"rails_{key}"] or ())
            rails = self._rails.setdefault(pairs, dict(pairs))
            out.append(Outcome(example, Action(row[f"action_{key}"]), tuple(row[f"triggered_{key}"] or ()),
                               dict(row[f"scores_{key}"] or ()), float(row[f"rail_ms_{key}"]), rails))
        return tuple(out)


def _rows(ray: Any, decided: Any, out: tuple[str, Any] | None) -> Iterator[dict[str, Any]]:
    """The decided rows, in input order: written to ``out`` (folder, save mode) first, then read back."""
    source = decided
    if out is not None:
        target, mode = out
        decided.write_parquet(target, mode=mode, ray_remote_args={"num_cpus": 0})
        source = ray.data.read_parquet(target)
    for batch in source.iter_batches(batch_format="pyarrow"):
        yield from batch.to_pylist()


def _run(data: str | Path, specs: list[PolicySpec], *, stage: str, options: RayOptions, limit: int | None,
         ray: Any) -> Any:
    ds, _ = read_rows(ray, data, labelled=True, limit=limit, batch_size=options.batch_size)
    return ds.map_batches(OutcomeBatch, fn_constructor_kwargs={"specs": specs, "stage": stage},
                          batch_format="pyarrow", batch_size=options.batch_size, compute=options.compute(ray),
                          num_cpus=options.cpus_per_worker)


def _engine(options: RayOptions, seconds: float) -> dict[str, Any]:
    return {"name": "ray", "address": options.address or "local", "workers": options.workers,
            "seconds": round(seconds, 3)}


def evaluate_with_ray(
    data: str | Path,
    policy: str | Path | None = None,
    *,
    stage: str = "input",
    options: RayOptions | None = None,
    as_enforced: bool = False,
    examples_shown: int = 10,
    limit: int | None = None,
    decisions_out: str | Path | None = None,
    overwrite: bool = False,
    data_name: str = "",
) -> dict[str, Any]:
    """``guardrails eval``'s report with the decisions made on Ray (``evaluate``'s dict, plus
    ``engine``; no single-request latency sample). ``data``: labelled JSON Lines, CSV or Parquet
    (``text``, ``labels``, optional ``id``/``source``). Raises DataError/PolicyError as ``eval``."""
    from guardrails.errors import DataError
    from guardrails.ops.eval import summarize_outcomes

    options = options or RayOptions()
    out = prepare_output(decisions_out, overwrite) if decisions_out is not None else None
    spec = PolicySpec.load(policy, keep_shadow=False, run_all=not as_enforced)
    guard = spec.build()  # the thresholds in force, and every config validated before Ray starts
    started = time.perf_counter()
    try:
        with ray_session(options) as ray:
            decided = _run(data, [spec], stage=stage, options=options, limit=limit, ray=ray)
            outcome = _Outcomes()
            outcomes = [outcome(row)[0] for row in _rows(ray, decided, out)]
        if not outcomes:
            raise DataError(f"{data}: no examples")
        seconds = time.perf_counter() - started
        report = summarize_outcomes(guard, outcomes, stage=stage, seconds=seconds, batch_size=options.batch_size,
                                    examples_shown=examples_shown, data_name=data_name or str(data))
    finally:
        guard.close()
    report["engine"] = _engine(options, seconds)
    return report


def diff_with_ray(
    data: str | Path,
    policy_a: str | Path | None,
    policy_b: str | Path | None,
    *,
    stage: str = "input",
    options: RayOptions | None = None,
    examples_shown: int = 10,
    limit: int | None = None,
    decisions_out: str | Path | None = None,
    overwrite: bool = False,
    data_name: str = "",
) -> dict[str, Any]:
    """``guardrails diff``'s report with both policies run on Ray, side by side in each actor
    (their encoders shared, as in-process). Unlabelled data (no ``labels``) is fine: the report
    then counts changes without judging them. Streams: any number of rows."""
    from guardrails.ops.diff import compare_outcomes

    options = options or RayOptions()
    out = prepare_output(decisions_out, overwrite) if decisions_out is not None else None
    specs = [PolicySpec.load(p, keep_shadow=False) for p in (policy_a, policy_b)]
    first = specs[0].build()
    guards = [first, specs[1].build(share_with=first)]  # validated before Ray starts; names for the report
    started = time.perf_counter()
    try:
        with ray_session(options) as ray:
            decided = _run(data, specs, stage=stage, options=options, limit=limit, ray=ray)
            outcome = _Outcomes()
            pairs = (outcome(row, "ab") for row in _rows(ray, decided, out))
            report = compare_outcomes(guards[0], guards[1], pairs, stage=stage, examples_shown=examples_shown,
                                      data_name=data_name or str(data))
    finally:
        for guard in guards:
            guard.close()
    report["engine"] = _engine(options, time.perf_counter() - started)
    return report
