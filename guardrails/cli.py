"""The ``guardrails`` command (also ``tako-guardrails``); its subcommands come from a hook.

Every subcommand is added through the ``register_commands`` hook: the core ones (check, scan,
plugins, policy) by this module, which the command registers as the plugin ``commands``; the
operators' tools (eval, diff, audit) by the ``ops`` plugin; the build-time ones (train-head,
models) by the ``offline`` plugin; and any installed plugin's own.

Exit codes (:data:`EXIT_CODES`, also in ``guardrails --help`` and docs/cli.md): 0 success;
1 problems found in the input, each reported (``scan``: lines that could not be read;
``policy validate``: an invalid policy); 2 the command could not run (usage, a missing, empty or
unreadable file, an invalid ``--policy``); 3 escalate, 4 block, 5 warn or redact, for a decision
(``check``) or the most severe line (``scan``) at or above ``--fail-on``.
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

__all__ = ["EXIT_CODES", "build_parser", "exit_code", "main", "register_commands"]

EXIT_CODES: dict[str, int] = {"ok": 0, "problems": 1, "error": 2, "escalate": 3, "block": 4, "warn": 5, "redact": 5}
"""Exit status by outcome: see the module docstring."""
EPILOG = """exit status:
  0  success: check allowed, warned or redacted (below --fail-on); scan read and checked every line
  1  problems found in the input, each reported: scan lines that could not be read (the others
     are still checked and written), or errors found by policy validate
  2  the command could not run: usage error; a missing, empty or unreadable file, or a folder;
     an invalid --policy
  3  escalate          at or above --fail-on: the decision (check; --fail-on escalate by default)
  4  block             or the most severe line (scan; no --fail-on by default)
  5  warn or redact
"""
_SEVERITY = ("allow", "warn", "redact", "escalate", "block")
_BARS = ("\u2588", "#")


def _guard(args: argparse.Namespace) -> Any:
    from guardrails.guard import Guard

    return Guard.from_policy(args.policy) if getattr(args, "policy", None) else Guard.default()


def exit_code(action: str, fail_on: str) -> int:
    """0, or the code of ``action`` when it is at or above ``fail_on`` (``never``: always 0)."""
    if fail_on == "never" or _SEVERITY.index(action) < _SEVERITY.index(fail_on) or action == "allow":
        return 0
    return EXIT_CODES[action]


def _can_print(text: str, stream: Any = None) -> bool:
    """True when ``stream`` (default stdout) can encode ``text``."""
    encoding = getattr(stream or sys.stdout, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _safe_stdout() -> None:
    """Never fail on characters the terminal's encoding lacks (PYTHONIOENCODING=ascii, cp1252)."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and getattr(stream, "errors", "strict") == "strict":
            reconfigure(errors="backslashreplace")


def _quiet_stdout() -> None:
    """After a broken pipe: send what is left to /dev/null, so exiting prints no error."""
    import os

    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (captured output)
        pass


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
    bar = _BARS[0] if _can_print(_BARS[0]) else _BARS[1]
    if decision.categories:
        lines.append("scores:")
        for category, score in sorted(decision.categories.items(), key=lambda kv: -kv[1]):
            mark = " *" if category in decision.triggered else ""
            lines.append(f"  {category:<18} {score:5.3f} {bar * round(score * 20)}{mark}")
    lines.append("rails:")
    for v in decision.verdicts:
        state = v.error or v.outcome
        lines.append(f"  {v.stage:<7} {v.rail:<20} {v.action.value:<8} {v.mode:<8} {v.latency_ms:7.2f} ms  {state}")
    return "\n".join(lines)


def _cmd_check(args: argparse.Namespace) -> int:
    guard = _guard(args)
    text = sys.stdin.buffer.read().decode("utf-8", "replace") if args.text == "-" else args.text
    if args.stage == "output":
        decision = guard.check_output(text, prompt=args.prompt)
    elif args.stage == "context":
        decision = guard.check_context([text])[0]
    else:
        decision = guard.check_input(text)
    if args.json:
        record = decision.to_record()
        record["decision_id"] = record["id"]  # the key scan uses (where "id" is the row's id)
        shown = json.dumps(record, ensure_ascii=not _can_print(json.dumps(record, ensure_ascii=False)))
    else:
        shown = _format_decision(decision)
    try:
        print(shown, flush=True)
    except BrokenPipeError:  # piped into head: the decision still sets the exit status
        _quiet_stdout()
    return exit_code(decision.action.value, args.fail_on)


def _cmd_scan(args: argparse.Namespace) -> int:
    from guardrails.errors import DataError
    from guardrails.scan import display_name, scan

    if args.batch_size < 1:
        print("guardrails scan: error: --batch-size must be at least 1", file=sys.stderr)
        return EXIT_CODES["error"]
    guard = _guard(args)
    try:
        out = open(args.out, "w", encoding="utf-8") if args.out else sys.stdout
    except OSError as exc:
        print(f"guardrails scan: error: {args.out}: cannot write: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_CODES["error"]
    try:
        report = scan(guard, args, out, ensure_ascii=out is sys.stdout and not _can_print("\u00e9\u4e2d"))
    except DataError as exc:
        print(f"guardrails scan: error: {exc}", file=sys.stderr)
        return EXIT_CODES["error"]
    finally:
        if out is not sys.stdout:
            out.close()
    counts = dict(report.actions)
    if report.errors:
        counts["unreadable"] = len(report.errors)
    summary = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
    lines = f"{report.checked} line{'s' * (report.checked != 1)}"
    print(f"scanned {display_name(args.file)}: {lines} checked ({summary})", file=sys.stderr)
    if report.errors:
        more = len(report.errors) - 20
        if more > 0:
            print(f"guardrails scan: ... and {more} more unreadable lines (see the records with an 'error')", file=sys.stderr)
        return EXIT_CODES["problems"]
    worst = max(report.actions, key=_SEVERITY.index, default="allow")
    return exit_code(worst, args.fail_on)


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
    rows = [
        (g.name, ",".join(sorted(g.cls.stages)), g.plugin + (f" ({g.distribution})" if g.distribution else ""),
         ", ".join(g.cls.categories))
        for g in sorted(guards.values(), key=lambda g: g.name)
    ]
    widths = [max(len(head), *(len(r[i]) for r in rows)) for i, head in enumerate(("guard", "stages", "plugin"))]
    for row in [("guard", "stages", "plugin", "categories"), *rows]:
        print(("  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths)) + "  " + row[3]).rstrip())
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
    from guardrails.plugins import get_plugin_manager
    from guardrails.policy_check import check_policy_file

    path = Path(args.file)
    if not path.is_file():
        what = "is a folder, not a policy file" if path.is_dir() else "no such file"
        print(f"guardrails policy validate: error: {args.file}: {what}", file=sys.stderr)
        return EXIT_CODES["error"]
    pm = get_plugin_manager()
    problems, policy = check_policy_file(path, pm)
    errors = [p for p in problems if p.severity == "error"]
    for problem in problems:
        print(problem.format(args.file), file=sys.stderr)
    if errors or policy is None:
        print(f"{args.file}: {len(errors)} error{'s' * (len(errors) != 1)}", file=sys.stderr)
        return EXIT_CODES["problems"]
    guard = Guard(policy, plugin_manager=pm)  # builds every guard: a model that fails to load shows here
    counts = ", ".join(f"{stage} {len(ids)}" for stage, ids in guard.guards.items())
    print(f"ok: {args.file}: policy {policy.name} v{policy.version} ({counts} rails)")
    return 0


@hookimpl(tryfirst=True)
def register_commands(subparsers: Any) -> None:
    """Add the core subcommands: check, scan, plugins and policy."""
    sub = subparsers
    fail_choices = ("warn", "redact", "escalate", "block", "never")
    p = sub.add_parser("check", help="check one text and print the decision", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("text", help="the text to check ('-' reads standard input)")
    p.add_argument("--policy", help="policy file (default: the shipped default policy)")
    p.add_argument("--stage", choices=("input", "output", "context"), default="input")
    p.add_argument("--prompt", help="for --stage output: the prompt the model answered")
    p.add_argument("--json", action="store_true", help="print the decision as JSON")
    p.add_argument("--fail-on", choices=fail_choices, default="escalate", metavar="ACTION",
                   help="exit non-zero (3-5) when the action is ACTION or more severe: "
                        "warn, redact, escalate (default), block, never")
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser("scan", help="check every line of a JSONL file ({'text': ...}) and write JSON decisions",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", help="JSONL file with a 'text' field per line ('-' reads standard input)")
    p.add_argument("--policy", help="policy file (default: the shipped default policy)")
    p.add_argument("--stage", choices=("input", "output"), default="input")
    p.add_argument("--out", help="write decisions here instead of standard output")
    p.add_argument("--batch-size", type=int, default=256, help="texts per batch through the encoder (default 256)")
    p.add_argument("--encoding", help="the file's encoding (default: UTF-8, or what a byte-order mark says)")
    p.add_argument("--errors", default="strict", choices=("strict", "replace", "ignore", "backslashreplace"),
                   help="undecodable bytes: strict (default: the line is reported, not checked), replace, "
                        "ignore or backslashreplace (the line is checked)")
    p.add_argument("--fail-on", choices=fail_choices, default="never", metavar="ACTION",
                   help="exit non-zero (3-5) when a line's action is ACTION or more severe (default: never)")
    p.set_defaults(func=_cmd_scan)

    p = sub.add_parser("plugins", help="list installed guards and encoders and where they came from")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_plugins)

    p = sub.add_parser("policy", help="validate or show policies")
    psub = p.add_subparsers(dest="policy_command", required=True, metavar="ACTION")
    v = psub.add_parser("validate", help="validate a policy file against the installed guards: every error "
                        "in one pass, with file, line and 'did you mean'", epilog=EPILOG,
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    v.add_argument("file")
    psub.add_parser("show", help="print the shipped default policy")
    p.set_defaults(func=_cmd_policy)


def build_parser(plugin_manager: Any = None) -> argparse.ArgumentParser:
    """The argument parser of the ``guardrails`` command, its subcommands from every plugin."""
    from guardrails.plugins import get_plugin_manager

    pm = plugin_manager or get_plugin_manager(commands=True)
    parser = argparse.ArgumentParser(prog="guardrails", description="Policy-driven guards for LLM calls.",
                                     epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    pm.hook.register_commands(subparsers=sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``guardrails`` console script; returns the exit status (EXIT_CODES)."""
    _safe_stdout()
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
        return EXIT_CODES["error"]
    except BrokenPipeError:  # e.g. piped into head: stop quietly
        _quiet_stdout()
        return 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
