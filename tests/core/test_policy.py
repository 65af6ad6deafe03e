"""Policy files: formats, precise errors, guard configs validated against installed guards."""

from __future__ import annotations

import json

import pytest

from guardrails import PolicyError, load_policy

GOOD = {"name": "p", "version": 3, "input": [{"guard": "keyword", "config": {"words": {"x": ["y"]}}}]}


def test_yaml_toml_json_load_the_same(tmp_path):
    (tmp_path / "p.json").write_text(json.dumps(GOOD))
    (tmp_path / "p.yaml").write_text("name: p\nversion: 3\ninput:\n  - guard: keyword\n    config: {words: {x: [y]}}\n")
    (tmp_path / "p.toml").write_text('name = "p"\nversion = 3\n[[input]]\nguard = "keyword"\n[input.config.words]\nx = ["y"]\n')
    policies = [load_policy(tmp_path / f"p.{ext}") for ext in ("json", "yaml", "toml")]
    assert policies[0] == policies[1] == policies[2]
    assert policies[0].version == "3"


def test_shipped_policy_reads_the_same_with_either_yaml_parser():
    import yaml

    from guardrails.policy import default_policy_text, load_policy_source

    assert load_policy(None) == load_policy_source(yaml.safe_load(default_policy_text()))[0]


def test_error_names_file_field_and_expectation(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: p\ninput:\n  - guard: keyword\n    threshold: high\n  - guard: digits\n    mode: loud\n")
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    message = str(info.value)
    assert f"{path}: input[0].threshold: Input should be a valid number" in message
    assert f"{path}: input[1].mode: Input should be 'enforce' or 'shadow'" in message


def test_unknown_field_and_missing_name(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"input": [{"guard": "x", "treshold": 0.3}]}))
    message = str(pytest.raises(PolicyError, load_policy, path).value)
    assert "name: Field required" in message
    assert "input[0].treshold: Extra inputs are not permitted" in message


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("broken.yaml", "name: [unclosed", "not valid YAML"),
        ("broken.json", "{", "not valid JSON"),
        ("list.yaml", "- a\n- b\n", "must be a mapping"),
        ("p.ini", "x=1", "unknown policy format"),
    ],
)
def test_unparsable_files(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_text(content)
    message = str(pytest.raises(PolicyError, load_policy, path).value)
    assert str(path) in message and expected in message


def test_missing_file():
    assert "policy file not found" in str(pytest.raises(PolicyError, load_policy, "/no/such/policy.yaml").value)


def test_duplicate_rail_ids_and_threshold_range():
    with pytest.raises(PolicyError, match="two rails have the id 'keyword'"):
        load_policy({"name": "p", "input": [{"guard": "keyword"}, {"guard": "keyword"}]})
    with pytest.raises(PolicyError, match=r"input\[0\].thresholds: Value error, threshold for 'x'"):
        load_policy({"name": "p", "input": [{"guard": "keyword", "thresholds": {"x": 1.5}}]})


def test_guard_config_errors_name_the_rail(toy):
    with pytest.raises(PolicyError, match=r"input\[0\]\.config\.words: Input should be a valid dictionary"):
        toy({"input": [{"guard": "keyword", "config": {"words": "oops"}}]})
    with pytest.raises(PolicyError, match=r"input\[0\]\.config\.nope: Extra inputs are not permitted"):
        toy({"input": [{"guard": "keyword", "config": {"nope": 1}}]})


def test_unknown_guard_and_wrong_stage(toy):
    with pytest.raises(PolicyError, match=r"input\[0\]\.guard: no guard named 'nosuch' is installed \(installed: .*keyword"):
        toy({"input": [{"guard": "nosuch"}]})
    with pytest.raises(PolicyError, match="does not support stage 'output'"):
        toy({"output": [{"guard": "similarity", "config": {"description": "x"}}]})


def test_same_guard_config_is_built_once(toy):
    guard = toy({"input": [{"guard": "counting", "id": "a"}, {"guard": "counting", "id": "b"}]})
    rails = guard._runners["input"].rails
    assert rails[0].guard is rails[1].guard
