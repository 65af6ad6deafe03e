"""An @handle alone does not make a text harassment: a flagged text is read again with its handles
replaced by a name, and takes that re-read's harassment when it is clearly benign; an insult, a threat,
a pile-on or a death wish aimed at the handle keeps its score (tako_classifiers._mentions)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml
from tako_classifiers._mentions import neutral_handles, vetoed

from guardrails import Action, Guard
from tests.linear import assert_linear

ROOT = Path(__file__).resolve().parents[3]
POLICY = ROOT / "guardrails" / "default_policy.yaml"
HELDOUT = [json.loads(line) for line in (ROOT / "tests" / "data" / "mentions_heldout.jsonl").read_text(
    encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def guard():
    with Guard.default() as g:
        yield g


def test_heldout_mentions_and_attacks(guard):
    """Written before the stage (mentions_heldout.jsonl): 14 benign mentions in 9 languages, 18 attacks
    on a handle; 30/32 before the stage (a benign mention blocked, a threat allowed), 31/32 with it."""
    wrong = [(r["text"], guard.check_input(r["text"]).action.value) for r in HELDOUT
             if (guard.check_input(r["text"]).action is Action.ALLOW) != (r["expect"] == "allow")]
    assert len(HELDOUT) >= 30 and len(wrong) <= 1, wrong  # "I know where @sam lives ... a bat": 0.50, a miss before too


@pytest.mark.parametrize("text", ["the tiktoker @lily.dances.07 is funny", "regardez la vidéo de @chloe.dance, trop drôle",
                                  "@juan.perez tu video de ayer estuvo genial"])
def test_a_mention_is_not_harassment(guard, text):
    assert guard.check_input(text).action is Action.ALLOW


@pytest.mark.parametrize("text", ["everyone report @mario_cooks and tell him to kill himself",
                                  "@chloe.dance est une grosse conne", "@lily.dances.07 is a fat ugly cow"])
def test_an_attack_on_a_handle_still_blocks(guard, text):
    d = guard.check_input(text)
    assert d.action is Action.BLOCK and "harassment" in d.triggered


@pytest.mark.parametrize(("text", "plain"), [
    ("the tiktoker @lily.dances.07 is funny", "the tiktoker Alex is funny"),
    ("@a_b and @c.d.", "Alex and Alex."),
    ("write to maria.lopez@empresa.es please", "write to maria.lopez@empresa.es please"),  # an address is no handle
    ("@_ @. @", "@_ @. @"),
])
def test_neutral_handles(text, plain):
    assert neutral_handles(text) == plain


def test_veto_terms():
    assert vetoed("@x tell him to kill himself") and vetoed("@x sé dónde vives") and vetoed("@x 死ね")
    assert not vetoed("@x your cakes are the best")


def test_off_switch():
    policy = yaml.safe_load(POLICY.read_text(encoding="utf-8"))
    off = copy.deepcopy(policy)
    for rail in off["input"]:
        if rail["guard"] == "moderation":
            rail.setdefault("config", {})["mentions"] = False
    with Guard.from_policy(off) as g:
        assert g.check_input("the tiktoker @lily.dances.07 is funny").action is Action.BLOCK


@pytest.mark.parametrize("text", ["@a.b " * 200_000, "@" * 1_000_000, "kill " * 200_000])
def test_linear_on_a_megabyte(text):
    assert_linear(lambda t: (neutral_handles(t), vetoed(t)), text)


def test_veto_terms_compile():
    data = json.loads((ROOT / "plugins" / "tako_classifiers" / "data" / "mentions.json").read_text(encoding="utf-8"))["veto"]
    from tako_classifiers._disclosures import Terms
    Terms.compile(data["spaced"], data["unspaced"], {}, validate=True)
