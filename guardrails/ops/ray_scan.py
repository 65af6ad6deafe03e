"""Scan JSONL or Parquet with a policy on Ray Data: one Guard per actor, decisions as Parquet.

>>> from guardrails.ops.ray_scan import scan_with_ray                            # doctest: +SKIP
>>> from guardrails.ops.ray_engine import RayOptions                             # doctest: +SKIP
>>> summary = scan_with_ray("queries.jsonl", "decisions/", policy="policy.yaml",
...                         options=RayOptions(num_cpus=2, workers=2))           # doctest: +SKIP
>>> summary["actions"]                                                          # doctest: +SKIP
{'allow': 1890, 'block': 97, 'redact': 13}

``decide`` is the building block: a ``ray.data.Dataset`` with a ``text`` column in, the same rows
with their decisions out (lazy; chain it, write it anywhere Ray writes). The decision of each row
equals ``Guard.check_batch`` in one process (``guardrails scan``): the encoder's result does not
depend on the batch a text ran in. docs/scale.md has the columns and a worked example.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from guardrails.ops.ray_engine import (
    DEFAULT_KEEP,
    PolicySpec,
    RayOptions,
    prepare_output,
    ray_session,
    read_rows,
)

__all__ = ["DECISION_COLUMNS", "ScanBatch", "decide", "scan_with_ray"]

DECISION_COLUMNS = (
    "decision_id", "stage", "action", "flagged", "triggered", "categories", "text", "policy",
    "policy_version", "latency_ms", "message", "shadow_action", "shadow_triggered",
    "rails_triggered", "errors", "error", "batch_texts",
)
"""The columns ``decide`` adds (``text`` is the text after redaction; ``error`` says why a row has
no decision: an unreadable line or a missing text; ``latency_ms`` is, as in-process, the time of
the whole ``check_batch`` call, which decided ``batch_texts`` texts)."""


def _decision_schema(include_text: bool) -> Any:
    import pyarrow as pa

    strings = pa.list_(pa.string())
    fields = [
        ("decision_id", pa.string()), ("stage", pa.string()), ("action", pa.string()), ("flagged", pa.bool_()),
        ("triggered", strings), ("categories", pa.map_(pa.string(), pa.float64())), ("text", pa.string()),
        ("policy", pa.string()), ("policy_version", pa.string()), ("latency_ms", pa.float64()),
        ("message", pa.string()), ("shadow_action", pa.string()), ("shadow_triggered", strings),
        ("rails_triggered", strings), ("errors", pa.map_(pa.string(), pa.string())), ("error", pa.string()),
        ("batch_texts", pa.int32()),
    ]
    return pa.schema([f for f in fields if include_text or f[0] != "text"])


def _row(decision: Any, include_text: bool) -> dict[str, Any]:
    record = decision.to_record(include_text=include_text)
    record["decision_id"] = record.pop("id")
    record["categories"] = list(record["categories"].items())
    record["errors"] = list(record.get("errors", {}).items()) or None
    record["rails_triggered"] = [v.rail or v.guard for v in decision.verdicts if v.triggered]
    return record


class ScanBatch:
    """The ``map_batches`` callable class: builds one Guard per actor, decides batches of rows.

    Rows in: ``text`` (string), optional ``error`` (a reading problem: passed on, no decision),
    ``prompt`` (output stage), and key columns (``line``, ``id``, the ``keep`` columns) that are
    carried over unchanged. Rows out: the key columns, then ``DECISION_COLUMNS``. A batch whose
    ``check_batch`` raises is retried text by text, and a text that still raises becomes an
    error row: no row is lost.
    """

    def __init__(self, spec: PolicySpec, stage: str = "input", keep: Sequence[str] = (),
                 include_text: bool = True) -> None:
        self.guard = spec.build()
        self.stage, self.keep, self.include_text = stage, tuple(keep), include_text
        self.schema = _decision_schema(include_text)

    def _decide(self, texts: list[str], prompts: list[Any] | None) -> list[Any]:
        try:
            return self.guard.check_batch(self.stage, texts, prompts=prompts)
        except Exception:  # a guard broke the batch: decide the texts one by one
            out: list[Any] = []
            for i, text in enumerate(texts):
                try:
                    out.extend(self.guard.check_batch(self.stage, [text], prompts=prompts and [prompts[i]]))
                except Exception as exc:
                    out.append(exc)
            return out

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        n, names = batch.num_rows, batch.column_names
        texts = batch.column("text").to_pylist()
        problems = batch.column("error").to_pylist() if "error" in names else [None] * n
        todo = [i for i in range(n) if problems[i] is None and isinstance(texts[i], str)]
        for i in set(range(n)) - set(todo):
            problems[i] = problems[i] or "no text: the row needs a text string"
        prompts = None
        if self.stage == "output" and "prompt" in names:
            column = batch.column("prompt").to_pylist()
            prompts = [column[i] for i in todo]
        rows: list[dict[str, Any]] = [{"error": problems[i]} for i in range(n)]
        for i, decision in zip(todo, self._decide([texts[i] for i in todo], prompts)):
            if isinstance(decision, Exception):
                rows[i] = {"error": f"check failed: {type(decision).__name__}: {decision}"}
            else:
                rows[i] = _row(decision, self.include_text)
                rows[i]["batch_texts"] = len(todo)
        keys = [c for c in ("line", "id", *self.keep) if c in names and c != "text"]
        decided = pa.Table.from_pylist(rows, schema=self.schema)
        return pa.Table.from_arrays([*(batch.column(c) for c in keys), *decided.columns],
                                    names=[*keys, *decided.column_names])


def decide(ds: Any, policy: str | Path | PolicySpec | None = None, *, stage: str = "input",
           options: RayOptions | None = None, keep: Sequence[str] = (), include_text: bool = True,
           ray: Any = None) -> Any:
    """``ds`` (a ray.data.Dataset with ``text``, and ``id``/``line``/``keep`` columns carried over)
    with each row's decision columns added, lazily: ``map_batches`` over an actor pool of
    ``ScanBatch`` (one Guard per actor, ``options.batch_size`` texts per call)."""
    from guardrails.ops.ray_engine import import_ray

    ray = ray or import_ray()
    options = options or RayOptions()
    spec = policy if isinstance(policy, PolicySpec) else PolicySpec.load(policy)
    return ds.map_batches(
        ScanBatch, fn_constructor_kwargs={"spec": spec, "stage": stage, "keep": tuple(keep), "include_text": include_text},
        batch_format="pyarrow", batch_size=options.batch_size, compute=options.compute(ray),
        num_cpus=options.cpus_per_worker,
    )


def count_actions(ray: Any, out: str) -> dict[str, int]:
    """``{action: rows}`` of a decisions folder, unreadable rows under ``error``."""
    counts: dict[str, int] = {}
    for batch in ray.data.read_parquet(out).select_columns(["action"]).iter_batches(batch_format="pyarrow"):
        for value in batch.column("action").to_pylist():
            key = value or "error"
            counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


def scan_with_ray(
    source: str | Path,
    out: str | Path,
    *,
    policy: str | Path | None = None,
    stage: str = "input",
    options: RayOptions | None = None,
    text_column: str = "text",
    id_column: str = "id",
    prompt_column: str = "prompt",
    keep: Sequence[str] = DEFAULT_KEEP,
    include_text: bool = True,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Decide every row of ``source`` (JSON Lines, or Parquet file/folder) and write the decisions
    to the folder ``out`` as Parquet, keyed by ``id`` (and ``line`` for JSON Lines), in input order.

    Returns ``{"rows", "actions": {action: rows}, "seconds", "out"}``. Raises PolicyError for a bad
    policy and DataError for an unreadable input or an output folder that is not empty, before
    any work starts; GuardrailsError when Ray is not installed.
    """
    options = options or RayOptions()
    target, mode = prepare_output(out, overwrite)
    spec = PolicySpec.load(policy)
    spec.build().close()  # every guard's config validated here, not in N actors
    started = time.perf_counter()
    with ray_session(options) as ray:
        ds, present = read_rows(ray, source, text_column=text_column, id_column=id_column, keep=keep,
                                prompt_column=prompt_column if stage == "output" else None,
                                batch_size=options.batch_size)
        decided = decide(ds, spec, stage=stage, options=options, keep=present, include_text=include_text, ray=ray)
        decided.write_parquet(target, mode=mode, ray_remote_args={"num_cpus": 0})  # writers never wait for the actors' CPUs
        seconds = time.perf_counter() - started
        actions = count_actions(ray, target)
    return {"rows": sum(actions.values()), "actions": actions, "seconds": round(seconds, 3), "out": target}
