"""The operators' subcommands: ``guardrails eval``, ``guardrails diff``, ``guardrails audit``.

Added through the ``register_commands`` hook of the ops plugin; each command imports what it
needs when it runs, so building the parser stays cheap.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, TextIO

__all__ = ["Progress", "add_commands", "build_eval_guard", "emit_diff", "emit_eval", "policy_pair"]


class Progress:
    """A one-line progress bar on stderr (only when enabled; tqdm is not needed)."""

    def __init__(self, total: int, label: str = "eval", *, enabled: bool | None = None,
                 stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.total, self.label, self.done = total, label, 0
        self.started = self._last = time.perf_counter()

    def update(self, n: int) -> None:
        """Advance by ``n`` items."""
        self.done += n
        now = time.perf_counter()
        if self.enabled and (now - self._last >= 0.1 or self.done >= self.total):
            self._last = now
            rate = self.done / max(now - self.started, 1e-9)
            frac = self.done / self.total if self.total else 1.0
            eta = (self.total - self.done) / rate if rate else 0.0
            bar = "#" * int(frac * 30)
            self.stream.write(f"\r{self.label} {self.done}/{self.total} [{bar:<30}] {frac:4.0%} "
                              f"{rate:,.0f}/s eta {eta:.0f}s ")
            self.stream.flush()

    def close(self) -> None:
        """End the line."""
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


def build_eval_guard(policy: str | None, *, run_all: bool = True, share_with: Any = None) -> Any:
    """A Guard for offline runs: the policy without its audit/metrics/escalation/shadow sections.

    ``run_all`` keeps running rails after a block so that every category gets a score (the
    action is unchanged: the most severe action wins either way). ``share_with`` reuses another
    Guard's plugins and encoders (and so their embedding cache).
    """
    from guardrails.guard import Guard
    from guardrails.policy import load_policy

    loaded = load_policy(policy).core_only()
    if run_all and not loaded.settings.run_all:
        loaded = loaded.model_copy(update={"settings": loaded.settings.model_copy(update={"run_all": True})})
    if share_with is not None:  # same encoders and cache: a second policy over the same models is cheap
        guard = Guard(loaded, plugin_manager=share_with.plugin_manager, resources=share_with.resources)
    else:
        guard = Guard(loaded)
    guard.source = str(policy) if policy else "<default policy>"
    return guard


def _cmd_eval(args: argparse.Namespace) -> int:
    from guardrails.ops.data import load_examples
    from guardrails.ops.eval import evaluate

    examples = load_examples(args.data, limit=args.limit)
    guard = build_eval_guard(args.policy, run_all=not args.as_enforced)
    progress = Progress(len(examples), "eval", enabled=args.progress)
    try:
        report = evaluate(guard, examples, stage=args.stage, batch_size=args.batch_size,
                          examples_shown=args.examples, latency_sample=args.latency_sample,
                          progress=progress, data_name=str(args.data))
    finally:
        progress.close()
        guard.close()
    return emit_eval(args, report)


def emit_eval(args: argparse.Namespace, report: dict[str, Any]) -> int:
    """Print or write an eval report as ``--out``/``--json`` ask (any engine)."""
    from guardrails.ops.reports import public_report, render_markdown, write_report

    o = report["overall"]
    summary = (f"policy {report['policy']['name']} v{report['policy']['version']}: {o['rows']} rows, "
               f"detection rate {o['detection_rate']}, false-positive rate {o['false_positive_rate']}, "
               f"{report['latency']['batch']['texts_per_second']} texts/s")
    if args.out:
        paths = write_report(report, args.out, plots=not args.no_plots,
                             warn=lambda m: print(f"guardrails eval: {m}", file=sys.stderr))
        print(summary, file=sys.stderr)
        for path in paths:
            print(path)
    elif args.json:
        print(json.dumps(public_report(report), indent=2, ensure_ascii=False))
    else:
        print(render_markdown(report), end="")
        print(summary, file=sys.stderr)
    return 0


def _cmd_diff(args: argparse.Namespace) -> int:
    from guardrails.ops.data import load_examples
    from guardrails.ops.diff import diff_policies

    policies = policy_pair(args)
    examples = load_examples(args.data, limit=args.limit)
    first = build_eval_guard(policies[0], run_all=False)
    guards = [first, build_eval_guard(policies[1], run_all=False, share_with=first)]
    progress = Progress(2 * len(examples), "diff", enabled=args.progress)
    try:
        report = diff_policies(guards[0], guards[1], examples, stage=args.stage, batch_size=args.batch_size,
                               examples_shown=args.examples, progress=progress, data_name=str(args.data))
    finally:
        progress.close()
        for guard in guards:
            guard.close()
    return emit_diff(args, report)


def policy_pair(args: argparse.Namespace) -> list[str | None]:
    """``--policy A --policy B``, or the default policy and the one ``--policy``."""
    policies = args.policy or []
    if len(policies) == 1:
        policies = [None, policies[0]]  # the shipped default policy against the candidate
    if len(policies) != 2:
        raise SystemExit("guardrails diff: give --policy A --policy B (or one --policy to compare with the default)")
    return policies


def emit_diff(args: argparse.Namespace, report: dict[str, Any]) -> int:
    """Print or write a diff report as ``--out``/``--json`` ask (any engine)."""
    from guardrails.ops.reports import render_diff_markdown, write_diff

    groups = report["groups"]
    summary = ", ".join(f"{name.replace('_', ' ')} {g['count']}" for name, g in groups.items())
    if args.out:
        for path in write_diff(report, args.out):
            print(path)
    elif args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print(render_diff_markdown(report), end="")
    print(f"{report['changed']} of {report['data']['rows']} decisions change: {summary}", file=sys.stderr)
    return 0


def _cmd_audit(args: argparse.Namespace) -> int:
    from guardrails.ops.audit_summary import summarize
    from guardrails.ops.reports import render_summary

    summary = summarize(args.files)
    print(json.dumps(summary, indent=2) if args.json else render_summary(summary), end="\n" if args.json else "")
    return 0


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("data", type=Path, help="labelled JSONL (text, labels) or CSV/TSV with a header")
    p.add_argument("--stage", choices=("input", "output", "context"), default="input")
    p.add_argument("--out", type=Path, help="write the report files to this folder (else markdown to stdout)")
    p.add_argument("--json", action="store_true", help="print the report as JSON instead of markdown")
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--examples", type=int, default=10, help="examples shown per group (default 10)")
    p.add_argument("--limit", type=int, help="only the first N rows")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar on stderr (default: when stderr is a terminal)")


def add_commands(sub: Any) -> None:
    """Add ``eval``, ``diff`` and ``audit summarize`` to the ``guardrails`` command."""
    p = sub.add_parser("eval", help="evaluate a policy on labelled data: metrics, sweeps, worst errors, charts")
    _common(p)
    p.add_argument("--policy", help="policy file (default: the shipped default policy)")
    p.add_argument("--latency-sample", type=int, default=200,
                   help="also time this many single requests (0: skip; default 200)")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG charts")
    p.add_argument("--as-enforced", action="store_true",
                   help="stop at the first block like production (default: run every rail so all categories are scored)")
    p.set_defaults(func=_cmd_eval)

    p = sub.add_parser("diff", help="which decisions change between two policies (newly blocked, newly allowed, ...)")
    _common(p)
    p.add_argument("--policy", action="append", help="policy A, then policy B (one --policy: default vs it)")
    p.set_defaults(func=_cmd_diff)

    p = sub.add_parser("audit", help="read audit logs")
    asub = p.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    a = asub.add_parser("summarize", help="actions, categories, rail errors and shadow agreement in audit logs")
    a.add_argument("files", nargs="+", type=Path, help="audit log files (rotated ones too)")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=_cmd_audit)
