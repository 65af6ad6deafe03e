"""The command line: check, scan, plugins, policy validate/show; exit codes, bad input, encodings."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import ClassVar

import pytest
from pydantic import BaseModel, ConfigDict

from guardrails import CheckContext, Resources, Verdict, cli, hookimpl

REPO = Path(__file__).resolve().parents[2]


class SlowGuard:
    """Sleeps 50 ms on a text containing "slow" (to see per-line latency)."""

    name: ClassVar[str] = "slowpoke"
    stages: ClassVar[frozenset[str]] = frozenset({"input", "output"})
    changes_text: ClassVar[bool] = False
    categories: ClassVar[tuple[str, ...]] = ()

    class Config(BaseModel):
        model_config = ConfigDict(extra="forbid")

    def __init__(self, config: Config, resources: Resources) -> None:
        pass

    def check(self, text: str, context: CheckContext) -> Verdict:
        if "slow" in text:
            time.sleep(0.05)
        return Verdict()


class SlowPlugin:
    @hookimpl
    def register_guards(self, register):
        register(SlowGuard)


PLUGIN = SlowPlugin()


@pytest.fixture
def toy_env(monkeypatch, tmp_path):
    """The toy guards installed as an entry point for the CLI, and a policy over them:
    digits redact, "forbidden" blocks, "careful" warns, "help me" escalates."""
    from importlib import metadata

    dist = tmp_path / "toy_guards_dist-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: toy-guards-dist\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[guardrails]\ntoys = tests.toy_guards:PLUGIN\nclitoys = tests.core.test_cli:PLUGIN\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    metadata.distributions.cache_clear() if hasattr(metadata.distributions, "cache_clear") else None
    import importlib

    importlib.invalidate_caches()
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "name: cli-test\nversion: 5\ninput:\n"
        "  - guard: digits\n    action: redact\n"
        "  - guard: keyword\n    config: {words: {custom: [forbidden]}}\n"
        "  - guard: keyword\n    id: careful\n    config: {words: {custom: [careful]}}\n    action: warn\n"
        "  - guard: keyword\n    id: escalating\n    config: {words: {custom: [help me]}}\n    action: escalate\n"
        "  - guard: slowpoke\n"
    )
    return policy


def run(*args: str, env: dict[str, str] | None = None, stdin: bytes | None = None) -> tuple[int, str, str]:
    """The command in a fresh process (exit status, stdout, stderr)."""
    proc = subprocess.run([sys.executable, "-m", "guardrails.cli", *args], capture_output=True, cwd=REPO,
                          env={**os.environ, **(env or {})}, input=stdin)
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")


def scan(capsys, *args: str) -> tuple[int, list[dict], str]:
    code = cli.main(["scan", *args])
    captured = capsys.readouterr()
    return code, [json.loads(line) for line in captured.out.splitlines()], captured.err


# check -------------------------------------------------------------------------------------


def test_check_human_and_json(toy_env, capsys):
    assert cli.main(["check", "--policy", str(toy_env), "this is forbidden"]) == 4
    out = capsys.readouterr().out
    assert out.startswith("BLOCK") and "policy cli-test v5" in out and "custom" in out
    assert cli.main(["check", "--policy", str(toy_env), "--json", "pin 1234"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["action"] == "redact" and record["text"] == "pin [NUM]" and record["triggered"] == ["pii"]
    assert record["decision_id"] == record["id"] and len(record["id"]) == 24  # scan's key for the same id


@pytest.mark.parametrize(
    ("text", "fail_on", "code"),
    [
        ("hello", "escalate", 0),
        ("pin 1234", "escalate", 0),   # redact
        ("be careful", "escalate", 0),  # warn
        ("help me", "escalate", 3),     # escalate
        ("forbidden", "escalate", 4),   # block
        ("be careful", "warn", 5),
        ("pin 1234", "warn", 5),
        ("pin 1234", "redact", 5),
        ("help me", "block", 0),
        ("forbidden", "never", 0),
    ],
)
def test_check_exit_code_per_action(toy_env, capsys, text, fail_on, code):
    assert cli.main(["check", "--policy", str(toy_env), "--fail-on", fail_on, text]) == code


def test_check_works_when_stdout_is_not_utf8(toy_env, tmp_path):
    env = {"PYTHONIOENCODING": "ascii", "PYTHONPATH": str(tmp_path)}
    code, out, err = run("check", "--policy", str(toy_env), "caf\u00e9 \u9cb8\u9c7c 1234 forbidden", env=env)
    assert code == 4 and "Traceback" not in err
    assert "caf\\xe9" in out and "[NUM]" in out
    code, out, err = run("check", "--policy", str(toy_env), "--json", "caf\u00e9 \u9cb8\u9c7c", env=env)
    assert code == 0 and json.loads(out)["text"] == "caf\u00e9 \u9cb8\u9c7c"
    code, out, _ = run("check", "--policy", str(toy_env), "-", env=env, stdin="caf\u00e9 1".encode())
    assert code == 0 and "[NUM]" in out


def test_help_documents_the_exit_codes():
    code, out, _ = run("check", "--help")
    assert code == 0 and "exit status:" in out
    for line in ("0  success", "1  problems found", "2  the command could not run", "3  escalate", "4  block",
                 "5  warn or redact"):
        assert line in out
    assert cli.EXIT_CODES == {"ok": 0, "problems": 1, "error": 2, "escalate": 3, "block": 4, "warn": 5, "redact": 5}


# scan --------------------------------------------------------------------------------------


def test_scan_keeps_order_ids_and_bad_lines(toy_env, tmp_path, capsys):
    data = tmp_path / "in.jsonl"
    data.write_text('{"text": "fine", "id": "a"}\n{"text": "forbidden", "id": 7}\nnot json\n{"no_text": 1}\n\n'
                    '{"text": "call 911"}\n[1, 2]\n{"text": "last", "id": "z"}\n')
    out = tmp_path / "out.jsonl"
    assert cli.main(["scan", "--policy", str(toy_env), str(data), "--out", str(out), "--batch-size", "2"]) == 1
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["line"] for r in rows] == [1, 2, 3, 4, 6, 7, 8]  # input order, bad lines in place
    assert [r.get("action", "error") for r in rows] == ["allow", "block", "error", "error", "redact", "error", "allow"]
    assert [r.get("id") for r in rows] == ["a", 7, None, None, None, None, "z"]  # the input's id, its name kept
    assert set(rows[1]) >= {"text", "action", "flagged", "triggered", "categories", "decision_id", "latency_ms"}
    assert rows[2]["error"] == "line 3: not JSON: Expecting value"
    err = capsys.readouterr().err
    assert f"{data}:3: not JSON" in err and "4 lines checked" in err and "unreadable: 3" in err
    assert "Traceback" not in err


def test_scan_exits_zero_when_every_line_was_checked_even_flagged_ones(toy_env, tmp_path, capsys):
    data = tmp_path / "in.jsonl"
    data.write_text('{"text": "forbidden"}\n{"text": "help me"}\n{"text": "pin 42"}\n{"text": "careful"}\n')
    assert scan(capsys, "--policy", str(toy_env), str(data))[0] == 0
    assert scan(capsys, "--policy", str(toy_env), str(data), "--fail-on", "block")[0] == 4
    assert scan(capsys, "--policy", str(toy_env), str(data), "--fail-on", "escalate")[0] == 4  # the worst line
    data.write_text('{"text": "help me"}\n{"text": "pin 42"}\n')
    assert scan(capsys, "--policy", str(toy_env), str(data), "--fail-on", "escalate")[0] == 3
    data.write_text('{"text": "careful"}\n{"text": "fine"}\n')
    assert scan(capsys, "--policy", str(toy_env), str(data), "--fail-on", "warn")[0] == 5
    assert scan(capsys, "--policy", str(toy_env), str(data), "--fail-on", "redact")[0] == 0


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.jsonl", "missing.jsonl: no such file"),
        (lambda d: d, "is a folder; pass a JSON Lines file"),
        (lambda d: _write(d / "empty.jsonl", b""), "empty.jsonl: is empty: no lines to scan"),
        (lambda d: _write(d / "blank.jsonl", b"\n  \n"), "blank.jsonl: is empty: no lines to scan"),
    ],
)
def test_scan_input_that_cannot_be_read_gives_one_clear_line(toy_env, tmp_path, make, message):
    code, out, err = run("scan", "--policy", str(toy_env), str(make(tmp_path)), env={"PYTHONPATH": str(tmp_path)})
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_scan_reads_a_byte_order_mark_and_reports_undecodable_bytes(toy_env, tmp_path, capsys):
    data = _write(tmp_path / "bom.jsonl", b'\xef\xbb\xbf{"text": "caf\xc3\xa9 1"}\n{"text": "bad \xe9 byte 2"}\n')
    code, rows, err = scan(capsys, "--policy", str(toy_env), str(data))
    assert code == 1 and rows[0]["text"] == "caf\u00e9 [NUM]"
    assert "starts with a UTF-8 byte-order mark" in err
    assert rows[1] == {"line": 2, "error": "line 2: not valid utf-8 (byte 0xe9 at column 15); "
                                         "use --encoding (e.g. latin-1) or --errors replace"}
    code, rows, _ = scan(capsys, "--policy", str(toy_env), str(data), "--errors", "replace")
    assert code == 0 and rows[1]["text"] == "bad \ufffd byte [NUM]"
    code, rows, _ = scan(capsys, "--policy", str(toy_env), str(data), "--encoding", "latin-1")
    assert code == 0 and rows[1]["text"] == "bad \u00e9 byte [NUM]"


def test_scan_reads_utf16_by_its_byte_order_mark_and_standard_input(toy_env, tmp_path, capsys):
    data = _write(tmp_path / "u16.jsonl", '{"text": "caf\u00e9 forbidden"}\n{"text": "ok"}\n'.encode("utf-16"))
    code, rows, _ = scan(capsys, "--policy", str(toy_env), str(data))
    assert code == 0 and [r["action"] for r in rows] == ["block", "allow"]
    code, out, err = run("scan", "--policy", str(toy_env), "-", env={"PYTHONPATH": str(tmp_path)},
                         stdin=b'{"text": "pin 7", "id": 1}\n')
    assert code == 0 and json.loads(out)["text"] == "pin [NUM]" and "scanned standard input" in err
    code, _, err = run("scan", "--policy", str(toy_env), str(data), "--encoding", "klingon",
                       env={"PYTHONPATH": str(tmp_path)})
    assert code == 2 and "unknown encoding 'klingon'" in err and "Traceback" not in err


def test_scan_latency_is_each_lines_own(toy_env, tmp_path, capsys):
    data = tmp_path / "in.jsonl"
    data.write_text('{"text": "quick"}\n{"text": "slow one"}\n{"text": "quick again"}\n')
    code, rows, _ = scan(capsys, "--policy", str(toy_env), str(data))
    assert code == 0
    quick, slow, again = (r["latency_ms"] for r in rows)
    assert slow >= 50 and quick < 40 and again < 40


# plugins, policy ---------------------------------------------------------------------------


def test_plugins_lists_guards_with_their_origin(toy_env, capsys):
    assert cli.main(["plugins", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    toys = {g["name"]: g for g in listing["guards"] if g["plugin"] == "toys"}
    assert toys["keyword"]["distribution"] == "toy-guards-dist 1.0"
    assert {"runtime", "ops", "toys"} <= set(listing["plugins"])
    assert {"audit", "metrics", "escalation"} <= set(listing["policy_sections"])
    assert cli.main(["plugins"]) == 0
    assert "keyword" in capsys.readouterr().out


def test_policy_validate_reports_every_error_in_one_pass_with_suggestions(toy_env, tmp_path, capsys):
    assert cli.main(["policy", "validate", str(toy_env)]) == 0
    assert "ok:" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: x\n"
        "input:\n"
        "  - guard: keywrd\n"
        "  - guard: keyword\n"
        "    config: {words: 3}\n"
        "    acton: block\n"
        "  - guard: digits\n"
        "    action: blok\n"
        "outptu: []\n"
    )
    assert cli.main(["policy", "validate", str(bad)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"{bad}:3: input[0].guard: no guard named 'keywrd' is installed (did you mean 'keyword'?) (installed: "
        + err[0].split("(installed: ")[1],
        f"{bad}:5: input[1].config.words: Input should be a valid dictionary (got 3)",
        f"{bad}:6: input[1].acton: unknown field (did you mean 'action'?); known fields: action, actions, config, "
        "enabled, guard, id, languages, mode, on_error, threshold, thresholds, timeout_ms",
        f"{bad}:8: input[2].action: Input should be 'allow', 'warn', 'redact', 'escalate' or 'block' (got 'blok') "
        "(did you mean 'block'?)",
        f"{bad}:9: outptu: not a policy field, and no installed plugin declares a section of that name "
        "(did you mean 'output'?)",
        f"{bad}: 5 errors",
    ]


def test_policy_validate_names_the_file_and_line_of_a_yaml_error(tmp_path, capsys):
    bad = tmp_path / "broken.yaml"
    bad.write_text("name: x\ninput:\n  - guard: pii\n   config: {}\n")
    assert cli.main(["policy", "validate", str(bad)]) == 1
    err = capsys.readouterr().err
    assert re.search(rf"^{re.escape(str(bad))}:4: \(file\): not valid YAML: .*\(column 4\)$", err, re.M)
    assert cli.main(["policy", "validate", str(tmp_path / "none.yaml")]) == 2
    assert "none.yaml: no such file" in capsys.readouterr().err


def test_policy_validate_warns_about_a_category_close_to_a_declared_one(toy_env, tmp_path, capsys):
    policy = tmp_path / "warn.yaml"
    policy.write_text("name: x\ninput:\n  - guard: digits\n    thresholds: {pi: 0.5}\n")
    assert cli.main(["policy", "validate", str(policy)]) == 0
    captured = capsys.readouterr()
    assert f"{policy}:4: warning: input[0].thresholds.pi: guard 'digits' declares no category 'pi' (did you mean 'pii'?)" in captured.err
    assert captured.out.startswith("ok:")


def test_policy_show_prints_the_default_policy(capsys):
    assert cli.main(["policy", "show"]) == 0
    assert "name: default" in capsys.readouterr().out


# wiring ------------------------------------------------------------------------------------


def test_console_script_entry_point_runs():
    code, out, _ = run("--help")
    assert code == 0 and "check" in out and "scan" in out


def test_every_subcommand_is_wired():
    parser = cli.build_parser()
    names = set(parser._subparsers._group_actions[0].choices)  # noqa: SLF001
    assert names >= {"check", "scan", "plugins", "policy", "eval", "diff", "audit", "train-head"}
    assert "models" not in names  # the shipped encoder is multilingual: nothing left to build
    for name in names:
        args = {"policy": ["policy", "show"]}.get(name)
        if args:
            assert callable(parser.parse_args(args).func)


def test_plugins_add_subcommands_through_register_commands(capsys):
    from guardrails import get_plugin_manager

    class HelloPlugin:
        @hookimpl
        def register_commands(self, subparsers):
            p = subparsers.add_parser("hello", help="say hello")
            p.add_argument("--name", default="world")
            p.set_defaults(func=lambda args: print(f"hello {args.name}") or 0)

    pm = get_plugin_manager(load_entrypoints=False, commands=True, plugins=[HelloPlugin()])
    parser = cli.build_parser(pm)
    commands = parser._subparsers._group_actions[0].choices  # noqa: SLF001 - the registered subcommands
    for name in ("check", "scan", "plugins", "policy", "eval", "diff", "audit", "train-head", "hello"):
        assert name in commands, name
    args = parser.parse_args(["hello", "--name", "tako"])
    assert args.func(args) == 0 and capsys.readouterr().out == "hello tako\n"
    without_offline = cli.build_parser(get_plugin_manager(load_entrypoints=False, commands=True, disable=["offline"]))
    assert "train-head" not in without_offline._subparsers._group_actions[0].choices  # noqa: SLF001


def test_tako_guardrails_is_the_same_command():
    import tomllib

    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"guardrails": "guardrails.cli:main", "tako-guardrails": "guardrails.cli:main"}
