"""A short message that only says the writer is leaving is not a farewell note: self_harm capped
(tako_classifiers._departures); one word more ("forever", "this world", a method) keeps the score."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml
from tako_classifiers._departures import DepartureOptions, cap_departure, only_departure

from guardrails import Action, Guard
from tests.linear import assert_linear

ROOT = Path(__file__).resolve().parents[3]
POLICY = ROOT / "guardrails" / "default_policy.yaml"
HELDOUT = [json.loads(line) for line in (ROOT / "tests" / "data" / "departures_heldout.jsonl").read_text(
    encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def guard():
    with Guard.default() as g:
        yield g


def test_heldout_departures_and_farewell_notes(guard):
    """Written before the stage (departures_heldout.jsonl): 12 departures in 7 languages, 10 farewell
    notes; 15/22 before, 20/22 with it (the two misses, before and after: the head reads "vado via per
    sempre, addio" and "я ухожу навсегда, прощайте" under the threshold)."""
    wrong = [r["text"] for r in HELDOUT
             if (guard.check_input(r["text"]).action is Action.ESCALATE) != (r["expect"] == "escalate")]
    assert len(HELDOUT) >= 20 and len(wrong) <= 2, wrong


@pytest.mark.parametrize("row", HELDOUT, ids=[r["text"][:30] for r in HELDOUT])
def test_only_a_departure_is_capped(row):
    """The rule itself: every departure of the list is one, no farewell note is."""
    assert only_departure(row["text"]) is (row["expect"] == "allow")


@pytest.mark.parametrize("text", ["so I'm leaving now", "ok so I'm heading out now", "bon, je m'en vais maintenant",
                                  "じゃあ、もう帰るね"])
def test_departures_are_allowed(guard, text):
    assert guard.check_input(text).action is Action.ALLOW


def test_cap_only_lowers_and_has_an_off_switch():
    on, off = DepartureOptions(), DepartureOptions(departures=False)
    assert cap_departure(on, {"self_harm": 0.87}, "so I'm leaving now") == {"self_harm": 0.2}
    assert cap_departure(on, {"self_harm": 0.1}, "so I'm leaving now") == {"self_harm": 0.1}
    assert cap_departure(off, {"self_harm": 0.87}, "so I'm leaving now") == {"self_harm": 0.87}
    assert cap_departure(on, {"self_harm": 0.87}, "so I'm leaving now forever") == {"self_harm": 0.87}
    policy = yaml.safe_load(POLICY.read_text(encoding="utf-8"))
    switched = copy.deepcopy(policy)
    for rail in switched["input"]:
        if rail["guard"] == "moderation":
            rail.setdefault("config", {})["departures"] = False
    with Guard.from_policy(switched) as g:
        assert g.check_input("so I'm leaving now").action is Action.ESCALATE


@pytest.mark.parametrize("text", ["i'm leaving " * 90_000, "bye " * 250_000, "帰るね" * 300_000])
def test_linear_on_a_megabyte(text):
    assert_linear(lambda t: only_departure(t, 10**9), text)
