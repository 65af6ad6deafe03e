"""The ``guardrails`` command (also ``tako-guardrails``); its subcommands come from a hook.

Every subcommand is added through the ``register_commands`` hook: the core ones (check, scan,
plugins, policy) by this module, which the command registers as the plugin ``commands``; the
operators' tools (eval, diff, audit) by the ``ops`` plugin; the build-time ones (train-head,
models) by the ``offline`` plugin; and any installed plugin's own.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from guardrails.errors import GuardrailsError
from guardrails.hookspecs import hookimpl
from guardrails.jsonl import iter_jsonl

__all__ = ["build_parser", "main", "register_commands"]

_BAR = "█"


def _guard(args: argparse.Namespace) -> Any:
    from guardrails.guard import Guard

    return Guard.from_policy(args.policy) if getattr(args, "policy", None) else Guard.default()


def _format_decision(decision: Any) -> str:
    lines = [
        f"{decision.action.value.upper():<9} policy {decision.policy} v{decision.policy_version}"
        f"  ({decision.latency_ms:.1f} ms)"
    ]
    if decision.triggered:
        lines.append(f"triggered: {', '.join(decision.triggered)}")
    if decision.message:
        lines.append(f"message:   {decision.message}")
    if decision.text != decision.original_text:
        lines.append(f"text:      {decision.text}")
    if decision.shadow_action is not None:
        lines.append(f"shadow:    {decision.shadow_action.value} {', '.join(decision.shadow_triggered)}".rstrip())
    if decision.categories:
        lines.append("scores:")
        for category, score in sorted(decision.categories.items(), key=lambda kv: -kv[1]):
            mark = " *" if category in decision.triggered else ""
            lines.append(f"  {category:<18} {score:5.3f} {_BAR * round(score * 20)}{mark}")
    lines.append("rails:")
    for v in decision.verdicts:
        state = v.error or v.outcome
        lines.append(f"  {v.stage:<7} {v.rail:<20} {v.action.value:<8} {v.mode:<8} {v.latency_ms:7.2f} ms  {state}")
    return "\n".join(lines)


def _cmd_check(args: argparse.Namespace) -> int:
    guard = _guard(args)
    text = sys.stdin.read() if args.text == "-" else args.text
    if args.stage == "output":
        decision = guard.check_output(text, prompt=args.prompt)
    elif args.stage == "context":
        decision = guard.check_context([text])[0]
    else:
        decision = guard.check_input(text)
    if args.json:
        utf8 = (getattr(sys.stdout, "encoding", "") or "").lower().replace("-", "") == "utf8"
        print(json.dumps(decision.to_record(), ensure_ascii=not utf8))
    else:
        print(_format_decision(decision))
    return 0


def _cmd_scan(args: argparse.Namespace) -> int:
    guard = _guard(args)
    source = sys.stdin if args.file == "-" else open(args.file, encoding="utf-8", errors="replace")
    out = open(args.out, "w", encoding="utf-8") if args.out else sys.stdout
    counts: dict[str, int] = {}
    batch: list[tuple[int, dict[str, Any]]] = []

    def flush() -> None:
        texts = [row["text"] for _, row in batch]
        if args.stage == "output":
            decisions = guard.check_output_batch(texts, prompts=[row.get("prompt") for _, row in batch])
        else:
            decisions = guard.check_input_batch(texts)
        for (number, row), decision in zip(batch, decisions):
            record = {"line": number, **decision.to_record()}
            if "id" in row:
                record["input_id"] = row["id"]
            counts[decision.action.value] = counts.get(decision.action.value, 0) + 1
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        batch.clear()

    try:
        for number, row, problem in iter_jsonl(source, require_text=True):
            if row is None:
                counts["error"] = counts.get("error", 0) + 1
                out.write(json.dumps({"line": number, "error": f"line {number}: {problem}"}) + "\n")
                continue
            batch.append((number, row))
            if len(batch) >= args.batch_size:
                flush()
        if batch:
            flush()
    finally:
        if source is not sys.stdin:
            source.close()
        if out is not sys.stdout:
            out.close()
    summary = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "no lines"
    print(f"scanned {sum(counts.values())} lines ({summary})", file=sys.stderr)
    return 0


def _cmd_plugins(args: argparse.Namespace) -> int:
    from guardrails.plugins import (
        collect_encoders,
        collect_guards,
        collect_policy_sections,
        get_plugin_manager,
    )

    pm = get_plugin_manager()
    guards = collect_guards(pm)
    encoders = collect_encoders(pm)
    sections = collect_policy_sections(pm)
    plugins = sorted(name for name, _ in pm.list_name_plugin())
    if args.json:
        print(json.dumps({
            "guards": [
                {"name": g.name, "stages": sorted(g.cls.stages), "categories": list(g.cls.categories),
                 "changes_text": g.cls.changes_text, "plugin": g.plugin, "distribution": g.distribution}
                for g in guards.values()
            ],
            "encoders": sorted(encoders),
            "policy_sections": sorted(sections),
            "plugins": plugins,
        }, indent=2))
        return 0
    print(f"{'guard':<20} {'stages':<22} {'plugin':<18} categories")
    for g in sorted(guards.values(), key=lambda g: g.name):
        where = g.plugin + (f" ({g.distribution})" if g.distribution else "")
        print(f"{g.name:<20} {','.join(sorted(g.cls.stages)):<22} {where:<18} {', '.join(g.cls.categories)}")
    print(f"encoders: {', '.join(sorted(encoders)) or 'none'}")
    print(f"policy sections: {', '.join(sections) or 'none'}")
    print(f"plugins: {', '.join(plugins)}")
    return 0


def _cmd_policy(args: argparse.Namespace) -> int:
    if args.policy_command == "show":
        from guardrails.policy import default_policy_text

        print(default_policy_text(), end="")
        return 0
    from guardrails.guard import Guard

    guard = Guard.from_policy(Path(args.file))
    rails = guard.guards
    counts = ", ".join(f"{stage} {len(ids)}" for stage, ids in rails.items())
    print(f"ok: {args.file}: policy {guard.policy.name} v{guard.policy.version} ({counts} rails)")
    return 0


@hookimpl(tryfirst=True)
def register_commands(subparsers: Any) -> None:
    """Add the core subcommands: check, scan, plugins and policy."""
    sub = subparsers
    p = sub.add_parser("check", help="check one text and print the decision")
    p.add_argument("text", help="the text to check ('-' reads standard input)")
    p.add_argument("--policy", help="policy file (default: the shipped default policy)")
    p.add_argument("--stage", choices=("input", "output", "context"), default="input")
    p.add_argument("--prompt", help="for --stage output: the prompt the model answered")
    p.add_argument("--json", action="store_true", help="print the decision as JSON")
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser("scan", help="check every line of a JSONL file ({'text': ...}) and write JSON decisions")
    p.add_argument("file", help="JSONL file with a 'text' field per line ('-' reads standard input)")
    p.add_argument("--policy", help="policy file (default: the shipped default policy)")
    p.add_argument("--stage", choices=("input", "output"), default="input")
    p.add_argument("--out", help="write decisions here instead of standard output")
    p.add_argument("--batch-size", type=int, default=256)
    p.set_defaults(func=_cmd_scan)

    p = sub.add_parser("plugins", help="list installed guards and encoders and where they came from")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_plugins)

    p = sub.add_parser("policy", help="validate or show policies")
    psub = p.add_subparsers(dest="policy_command", required=True, metavar="ACTION")
    v = psub.add_parser("validate", help="validate a policy file against the installed guards")
    v.add_argument("file")
    psub.add_parser("show", help="print the shipped default policy")
    p.set_defaults(func=_cmd_policy)


def build_parser(plugin_manager: Any = None) -> argparse.ArgumentParser:
    """The argument parser of the ``guardrails`` command, its subcommands from every plugin."""
    from guardrails.plugins import get_plugin_manager

    pm = plugin_manager or get_plugin_manager(commands=True)
    parser = argparse.ArgumentParser(prog="guardrails", description="Policy-driven guards for LLM calls.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    pm.hook.register_commands(subparsers=sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``guardrails`` console script."""
    args = build_parser().parse_args(argv)
    for stream in (sys.stdout, sys.stderr):  # a non-UTF-8 terminal gets escapes, never a crash
        try:
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            pass
    try:
        return int(args.func(args) or 0)
    except GuardrailsError as exc:
        print(f"guardrails: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
