"""The command line: check, scan, plugins, policy validate/show (over toy guards where possible)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from guardrails import cli

REPO = Path(__file__).resolve().parents[2]
@pytest.fixture
def toy_env(monkeypatch, tmp_path):
    """Make the toy guards importable as an installed entry point for the CLI."""
    from importlib import metadata

    dist = tmp_path / "toy_guards_dist-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: toy-guards-dist\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[guardrails]\ntoys = tests.toy_guards:PLUGIN\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    metadata.distributions.cache_clear() if hasattr(metadata.distributions, "cache_clear") else None
    import importlib

    importlib.invalidate_caches()
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "name: cli-test\nversion: 5\ninput:\n"
        "  - guard: digits\n    action: redact\n"
        "  - guard: keyword\n    config: {words: {custom: [forbidden]}}\n"
    )
    return policy


def run(*args: str) -> tuple[int, str, str]:
    proc = subprocess.run([sys.executable, "-m", "guardrails.cli", *args], capture_output=True, text=True, cwd=REPO)
    return proc.returncode, proc.stdout, proc.stderr


def test_check_human_and_json(toy_env, capsys):
    assert cli.main(["check", "--policy", str(toy_env), "this is forbidden"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("BLOCK") and "policy cli-test v5" in out and "custom" in out
    assert cli.main(["check", "--policy", str(toy_env), "--json", "pin 1234"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["action"] == "redact" and record["text"] == "pin [NUM]" and record["triggered"] == ["pii"]


def test_scan_writes_one_decision_per_line_and_keeps_bad_lines(toy_env, tmp_path, capsys):
    data = tmp_path / "in.jsonl"
    data.write_text('{"text": "fine", "id": "a"}\n{"text": "forbidden"}\nnot json\n{"no_text": 1}\n\n{"text": "call 911"}\n')
    out = tmp_path / "out.jsonl"
    assert cli.main(["scan", "--policy", str(toy_env), str(data), "--out", str(out), "--batch-size", "2"]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r.get("action", "error") for r in rows] == ["allow", "block", "error", "error", "redact"]
    assert rows[0]["input_id"] == "a" and rows[0]["line"] == 1
    assert set(rows[1]) >= {"text", "action", "flagged", "triggered", "categories"}
    assert "line 3: not JSON" in rows[2]["error"]
    assert "scanned 5 lines" in capsys.readouterr().err


def test_plugins_lists_guards_with_their_origin(toy_env, capsys):
    assert cli.main(["plugins", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    toys = {g["name"]: g for g in listing["guards"] if g["plugin"] == "toys"}
    assert toys["keyword"]["distribution"] == "toy-guards-dist 1.0"
    assert {"runtime", "ops", "toys"} <= set(listing["plugins"])
    assert {"audit", "metrics", "escalation"} <= set(listing["policy_sections"])
    assert cli.main(["plugins"]) == 0
    assert "keyword" in capsys.readouterr().out


def test_policy_validate_ok_and_precise_error(toy_env, tmp_path, capsys):
    assert cli.main(["policy", "validate", str(toy_env)]) == 0
    assert "ok:" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ninput:\n  - guard: keyword\n    config: {words: 3}\n")
    assert cli.main(["policy", "validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}: input[0].config.words: Input should be a valid dictionary" in err


def test_policy_show_prints_the_default_policy(capsys):
    assert cli.main(["policy", "show"]) == 0
    assert "name: default" in capsys.readouterr().out


def test_console_script_entry_point_runs():
    code, out, _ = run("--help")
    assert code == 0 and "check" in out and "scan" in out


def test_every_subcommand_is_wired():
    parser = cli.build_parser()
    names = set(parser._subparsers._group_actions[0].choices)  # noqa: SLF001
    assert names >= {"check", "scan", "plugins", "policy", "eval", "diff", "audit", "train-head", "models"}
    for name in names:
        args = {"policy": ["policy", "show"], "models": ["models", "path"]}.get(name)
        if args:
            assert callable(parser.parse_args(args).func)


def test_plugins_add_subcommands_through_register_commands(capsys):
    from guardrails import get_plugin_manager, hookimpl

    class HelloPlugin:
        @hookimpl
        def register_commands(self, subparsers):
            p = subparsers.add_parser("hello", help="say hello")
            p.add_argument("--name", default="world")
            p.set_defaults(func=lambda args: print(f"hello {args.name}") or 0)

    pm = get_plugin_manager(load_entrypoints=False, commands=True, plugins=[HelloPlugin()])
    parser = cli.build_parser(pm)
    commands = parser._subparsers._group_actions[0].choices  # noqa: SLF001 - the registered subcommands
    for name in ("check", "scan", "plugins", "policy", "eval", "diff", "audit", "train-head", "models", "hello"):
        assert name in commands, name
    args = parser.parse_args(["hello", "--name", "tako"])
    assert args.func(args) == 0 and capsys.readouterr().out == "hello tako\n"
    without_offline = cli.build_parser(get_plugin_manager(load_entrypoints=False, commands=True, disable=["offline"]))
    assert "train-head" not in without_offline._subparsers._group_actions[0].choices  # noqa: SLF001


def test_tako_guardrails_is_the_same_command():
    import tomllib

    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"guardrails": "guardrails.cli:main", "tako-guardrails": "guardrails.cli:main"}
