import tako_spoilers
from tako_spoilers import SpoilerGuard

from guardrails.testing import check_guard_contract


def test_contract():
    # Config forbids unknown keys; check() returns a Verdict with scores in 0..1 for empty,
    # huge and odd input on every stage; spans inside the text; same results from 16 threads.
    check_guard_contract(SpoilerGuard)


def test_policy(make_guard):
    guard = make_guard({"name": "t", "output": [{"guard": "spoilers", "action": "warn"}]}, plugins=[tako_spoilers])
    assert guard.check_output("he dies at the end").triggered == ("spoiler",)
    assert guard.check_output("a calm documentary about whales").action == "allow"
