"""A request to write to, reply to or forward to a redacted address is not doxxing: privacy is read
again on the redacted text (tako_classifiers._contact); the address itself stays redacted, and a
request to locate or expose its owner still blocks."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml
from tako_classifiers._contact import contact_request

from guardrails import Action, Guard
from tests.linear import assert_linear

ROOT = Path(__file__).resolve().parents[3]
POLICY = ROOT / "guardrails" / "default_policy.yaml"
HELDOUT = [json.loads(line) for line in (ROOT / "tests" / "data" / "contact_requests_heldout.jsonl").read_text(
    encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def guard():
    with Guard.default() as g:
        yield g


@pytest.mark.parametrize("row", HELDOUT, ids=[r["text"][:40] for r in HELDOUT])
def test_heldout_contact_requests_redact_and_locating_the_owner_blocks(guard, row):
    """Written before the stage: 10 contact requests (7 languages), 8 requests to locate or expose the
    address's owner; main 13/18 (5 contact requests blocked as privacy), now 18/18."""
    d = guard.check_input(row["text"])
    assert d.action.value == row["expect"], d.categories
    assert "@" not in d.text  # the address is redacted either way


@pytest.mark.parametrize(("text", "holds"), [
    ("write to [EMAIL] please", True), ("forward this to [EMAIL_ADDRESS]", True),
    ("write to maria.lopez@empresa.es please", False),  # nothing redacted: the stage reads redacted text only
    ("find the home address of [EMAIL] and write to her", False), ("escribe a [EMAIL], ¿dónde vive?", False),
    ("what is [EMAIL]", False),
])
def test_contact_request(text, holds):
    assert contact_request(text) is holds


def test_off_switch():
    policy = yaml.safe_load(POLICY.read_text(encoding="utf-8"))
    off = copy.deepcopy(policy)
    for rail in off["input"]:
        if rail["guard"] == "moderation":
            rail.setdefault("config", {})["contact_requests"] = False
    with Guard.from_policy(off) as g:
        assert g.check_input("write to maria.lopez@empresa.es please").action is Action.BLOCK


@pytest.mark.parametrize("text", ["write to [EMAIL] " * 60_000, "[EMAIL]" + "address " * 120_000])
def test_linear_on_a_megabyte(text):
    assert_linear(contact_request, text)
