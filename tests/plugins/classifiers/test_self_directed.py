"""Insults aimed at nobody present (the writer, a film villain) are not harassment; insults aimed
at a second or third person still block (tako_classifiers._self_directed)."""

from __future__ import annotations

import copy
import time
from pathlib import Path

import pytest
import yaml
from tako_classifiers._self_directed import SelfDirectedRule

from guardrails import Action, Guard

POLICY = Path(__file__).resolve().parents[3] / "guardrails" / "default_policy.yaml"

ALLOW = [
    "I feel like such an idiot, I forgot my password", "what a loser I am, failed my driving test again",
    "i feel so stupid for trusting him", "soy un idiota, perdí las llaves otra vez",
    "ich bin so ein Idiot, ich habe mein Passwort vergessen", "me sinto um idiota, esqueci minha senha",
    "this villain is a pathetic loser in the movie, who plays him?",
]
BLOCK = [
    "you're a pathetic loser and nobody will ever love you", "he is such an idiot, everyone hates him",
    "I'm such an idiot for ever dating you, you worthless loser", "i feel like an idiot talking to you, moron",
    "my brother is a total moron and a loser", "what an idiot you are", "eres un perdedor patético y nadie te quiere",
]


@pytest.fixture(scope="module")
def guard():
    with Guard.default() as g:
        yield g


@pytest.mark.parametrize("text", ALLOW)
def test_self_deprecation_and_film_villains_are_allowed(guard, text):
    d = guard.check_input(text)
    assert d.action is Action.ALLOW, (d.action, d.triggered)


@pytest.mark.parametrize("text", BLOCK)
def test_insults_at_a_second_or_third_person_still_block(guard, text):
    d = guard.check_input(text)
    assert d.action is Action.BLOCK and "harassment" in d.triggered, (d.action, d.triggered)


@pytest.mark.parametrize("text", ["I'm such an idiot", "what a loser i am", "je me sens tellement bête",
                                  "я такой идиот", "我真是个白痴", "the villain in the film is a total coward"])
def test_rule_sees_phrases_in_several_languages(text):
    assert SelfDirectedRule.load().applies(text), text


@pytest.mark.parametrize("text", ["I'm such an idiot and he's a moron", "I'm an idiot, you know that",
                                  "the villain is a loser", "my boss is a loser"])
def test_rule_needs_every_insult_inside_and_nobody_addressed(text):
    assert not SelfDirectedRule.load().applies(text), text


def test_off_switch():
    policy = yaml.safe_load(POLICY.read_text(encoding="utf-8"))
    off = copy.deepcopy(policy)
    for rail in off["input"]:
        if rail["guard"] == "moderation":
            rail.setdefault("config", {})["self_directed"] = False
    with Guard.from_policy(off) as g:
        assert g.check_input("I feel like such an idiot, I forgot my password").action is Action.BLOCK


@pytest.mark.parametrize("text", ["i'm such " * 110_000, "the villain is a " * 60_000 + " movie", "我" * 1_000_000])
def test_linear_on_a_megabyte(text):
    start = time.perf_counter()
    SelfDirectedRule.load().applies(text)
    assert time.perf_counter() - start < 8.0
