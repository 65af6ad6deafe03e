"""``--engine ray`` for ``scan``, ``eval`` and ``diff``, and the ``guardrails report`` command.

Added through the ops plugin's ``register_commands`` hook, after the core's commands (the core's
hook runs first): the ``scan``, ``eval`` and ``diff`` parsers gain a "Ray" argument group and a
dispatcher that runs the Ray engine when asked and the command's own function otherwise.
Nothing here imports Ray until a Ray run starts.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_scale_commands"]


def _options(args: argparse.Namespace) -> Any:
    from guardrails.ops.ray_engine import RayOptions

    return RayOptions(address=args.address, num_cpus=args.num_cpus, workers=args.workers,
                      batch_size=args.batch_size, progress=getattr(args, "progress", None))


def _scan_ray(args: argparse.Namespace) -> int:
    from guardrails.ops.ray_engine import DEFAULT_KEEP
    from guardrails.ops.ray_scan import scan_with_ray

    if args.file == "-" or not args.out:
        raise SystemExit("guardrails scan --engine ray: give a file (JSONL or Parquet) and --out FOLDER "
                         "(decisions are written there as Parquet)")
    keep = DEFAULT_KEEP if args.keep is None else tuple(k for k in args.keep.split(",") if k)
    summary = scan_with_ray(args.file, args.out, policy=args.policy, stage=args.stage, options=_options(args),
                            text_column=args.text_column, id_column=args.id_column, keep=keep,
                            include_text=not args.no_text, overwrite=args.overwrite)
    counts = ", ".join(f"{k}: {v}" for k, v in summary["actions"].items()) or "no lines"
    print(summary["out"])
    print(f"scanned {summary['rows']} rows on Ray in {summary['seconds']:.1f} s ({counts})", file=sys.stderr)
    return 1 if summary["actions"].get("error") else 0  # as the in-process scan: 1 for unreadable rows


def _eval_ray(args: argparse.Namespace) -> int:
    from guardrails.ops.commands import emit_eval
    from guardrails.ops.ray_eval import evaluate_with_ray

    report = evaluate_with_ray(args.data, args.policy, stage=args.stage, options=_options(args),
                               as_enforced=args.as_enforced, examples_shown=args.examples, limit=args.limit,
                               decisions_out=_decisions(args), overwrite=args.overwrite, data_name=str(args.data))
    return emit_eval(args, report)


def _diff_ray(args: argparse.Namespace) -> int:
    from guardrails.ops.commands import emit_diff, policy_pair
    from guardrails.ops.ray_eval import diff_with_ray

    a, b = policy_pair(args)
    report = diff_with_ray(args.data, a, b, stage=args.stage, options=_options(args), examples_shown=args.examples,
                           limit=args.limit, decisions_out=_decisions(args), overwrite=args.overwrite,
                           data_name=str(args.data))
    return emit_diff(args, report)


def _decisions(args: argparse.Namespace) -> Path | None:
    """``--decisions``, else ``OUT/decisions`` when the report goes to a folder."""
    if args.decisions:
        return args.decisions
    return Path(args.out) / "decisions" if args.out else None


def _ray_group(parser: argparse.ArgumentParser, *, scan: bool) -> None:
    g = parser.add_argument_group("Ray (cluster scale; the 'ray' extra)")
    g.add_argument("--engine", choices=("local", "ray"), default="local",
                   help="'ray': run on Ray Data, one Guard per actor (default: in this process)")
    g.add_argument("--address", help="an existing Ray cluster (e.g. ray://head:10001, auto); default: start a local Ray")
    g.add_argument("--num-cpus", type=int, help="CPUs of the local Ray started for the run (default: all)")
    g.add_argument("--workers", type=int, help="actors, one Guard and one CPU each (default: as many as fit)")
    g.add_argument("--overwrite", action="store_true", help="replace the decisions folder if it holds files")
    if scan:
        g.add_argument("--text-column", default="text", help="the column with the texts (default: text)")
        g.add_argument("--id-column", default="id", help="the input's key column (default: id; Parquet needs one)")
        g.add_argument("--keep", help="input columns copied into the decisions, comma-separated "
                       "(default: time,timestamp,lang,language,source where present)")
        g.add_argument("--no-text", action="store_true", help="leave the (redacted) text out of the decisions")
        g.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                       help="Ray Data's progress bars (default: Ray's choice)")
    else:
        g.add_argument("--decisions", type=Path,
                       help="write every row's decisions here as Parquet (default: OUT/decisions with --out)")


def _dispatch(parser: argparse.ArgumentParser, ray_func: Any) -> None:
    local = parser.get_default("func")

    def run(args: argparse.Namespace) -> int:
        if args.engine == "ray":
            return ray_func(args)
        return local(args)

    parser.set_defaults(func=run)


def _cmd_report(args: argparse.Namespace) -> int:
    from guardrails.ops.htmlreport import write_html_report

    path, summary = write_html_report(args.inputs, args.out, title=args.title, bucket=args.bucket)
    print(path)
    print(summary, file=sys.stderr)
    return 0


def add_scale_commands(sub: Any) -> None:
    """Add ``--engine ray`` to ``scan``, ``eval`` and ``diff`` (where present) and the ``report`` command."""
    choices = getattr(sub, "choices", {}) or {}
    for name, func in (("scan", _scan_ray), ("eval", _eval_ray), ("diff", _diff_ray)):
        parser = choices.get(name)
        if parser is None:
            continue
        try:
            _ray_group(parser, scan=name == "scan")
        except argparse.ArgumentError:  # another plugin already gave it an --engine
            continue
        _dispatch(parser, func)

    p = sub.add_parser("report", help="one self-contained HTML page of charts from an audit log, a scan or an eval")
    p.add_argument("inputs", nargs="+", type=Path,
                   help="audit log files (rotated ones too), scan output (JSONL, or a Parquet folder from "
                        "--engine ray), or an eval's report.json (or its folder)")
    p.add_argument("--out", type=Path, default=Path("report.html"), help="the HTML file (default: report.html)")
    p.add_argument("--title", help="page title (default: from the input)")
    p.add_argument("--bucket", choices=("auto", "minute", "hour", "day"), default="auto",
                   help="time bucket of the over-time charts (default: auto, about 20 to 60 points)")
    p.set_defaults(func=_cmd_report)
