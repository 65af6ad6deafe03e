"""docs/multilingual.md: its examples run, its policy validates, language routing works end to end."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from guardrails import Guard, load_policy

pytest.importorskip("py3langid")

from tako_language.lexicons import lexicon_file  # noqa: E402

PAGE = Path(__file__).resolve().parents[3] / "docs" / "multilingual.md"


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S)


@pytest.mark.parametrize("index", [0, 1])
def test_examples_run(index):
    assert len(blocks("python")) == 2  # the default guard in many languages; the language guard
    exec(compile(blocks("python")[index], str(PAGE), "exec"), {})  # each example asserts its results


def test_policy_example_validates():
    policy = load_policy(yaml.safe_load(blocks("yaml")[0]))
    assert [r.rail_id for r in policy.input][:2] == ["language", "profanity"]


def test_routing_by_language_end_to_end():
    guard = Guard.from_policy({
        "name": "route", "version": "1",
        "input": [
            {"guard": "language", "action": "warn"},
            {"guard": "lexicon", "id": "profanity_de", "languages": ["de"],
             "config": {"files": [str(lexicon_file("profanity"))], "language_scoped": True,
                        "category": "harassment", "match_on": "raw"}},
        ],
    })
    german = guard.check_input("Du bist wirklich ein Arschloch, weißt du das?")
    assert german.details.get("language") == "de"
    assert german.blocked and "harassment" in german.triggered
    spanish = guard.check_input("Eres un gilipollas y lo sabe todo el mundo.")
    assert spanish.details.get("language") == "es" and not spanish.blocked
    greeting = guard.check_input("Hallo, wie geht es dir heute?")
    assert greeting.action.value == "allow" and greeting.details.get("language") == "de"
