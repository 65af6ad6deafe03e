"""Variants of every fault kind users reported (../shared/cases), written by us, run through the
default guard like ``../shared/tools/run-cases`` runs the handed cases.

``tests/data/fault_kinds*.jsonl``: one case per line, ``{"id", "kind", "call", "input", "expect"}``
(``call``: check_input, check_output or stream; optional ``documents``, ``prompt``); ``expect``
keys: action, action_in, triggered_any, text_excludes, text_includes, dropped_documents, messages_exclude,
messages_include, json_valid. A case with ``"known": "<reason>"`` is a failure we have not fixed
(the reason says why); it is expected to fail and reported when it passes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import guardrails

DATA = Path(__file__).resolve().parents[1] / "data"
FILES = sorted(DATA.glob("fault_kinds*.jsonl"))
"""``fault_kinds.jsonl`` (ours) and ``fault_kinds_trial*.jsonl``: the cases blind user trials wrote
(each trial's own file, its ids prefixed with the trial), kept as regression tests once fixed."""
CASES = [json.loads(line) for path in FILES for line in path.read_text("utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def guard():
    with guardrails.Guard.default() as g:
        yield g


def _run(guard: guardrails.Guard, case: dict[str, Any]) -> tuple[Any, str | None]:
    call, x = case["call"], case["input"]
    if call == "stream":
        def model(prompt: str):
            yield from x
        return None, "".join(str(p) for p in guard.wrap(model)(case.get("prompt", "tell me")))
    if call == "check_output":
        d = guard.check_output(x, prompt=case.get("prompt", ""))
    elif case.get("documents") is not None:
        d = guard.check_input(x, documents=case["documents"])
    else:
        d = guard.check_input(x)
    return d, d.text


def _problems(case: dict[str, Any], d: Any, text: str | None) -> list[str]:
    e, bad = case["expect"], []
    action = d.action.value if d is not None else None
    triggered = tuple(d.triggered) if d is not None else ()
    if "action" in e and action != e["action"]:
        bad.append(f"action {action}, expected {e['action']}")
    if "action_in" in e and action not in e["action_in"]:
        bad.append(f"action {action}, expected one of {e['action_in']}")
    if "triggered_any" in e and not set(triggered) & set(e["triggered_any"]):
        bad.append(f"triggered {triggered}, expected one of {e['triggered_any']}")
    bad += [f"text still holds {s!r}" for s in e.get("text_excludes", []) if s in (text or "")]
    bad += [f"text lost {s!r}" for s in e.get("text_includes", []) if s not in (text or "")]
    if "dropped_documents" in e and list(d.dropped_documents) != e["dropped_documents"]:
        bad.append(f"dropped_documents {list(d.dropped_documents)}, expected {e['dropped_documents']}")
    messages = json.dumps(getattr(d, "messages", None), ensure_ascii=False, default=str)
    bad += [f"messages still hold {s!r}" for s in e.get("messages_exclude", []) if s in messages]
    bad += [f"messages lost {s!r}" for s in e.get("messages_include", []) if s not in messages]
    if e.get("json_valid"):
        try:
            json.loads(text or "")
        except ValueError:
            bad.append(f"text is not valid JSON: {text!r:.80}")
    return bad


def test_every_kind_has_variants():
    kinds: dict[str, int] = {}
    for case in CASES:
        kinds[case["kind"]] = kinds.get(case["kind"], 0) + 1
    assert len(kinds) >= 15 and min(kinds.values()) >= 6, kinds


def test_case_ids_are_unique():
    ids = [c["id"] for c in CASES]
    assert len(FILES) >= 2 and len(ids) == len(set(ids))


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_fault_kind_variant(guard, case):
    d, text = _run(guard, case)
    bad = _problems(case, d, text)
    if case.get("known"):
        if bad:
            pytest.xfail(f"known: {case['known']}")
        pytest.fail(f"{case['id']} passes now: drop its 'known' mark ({case['known']})")
    assert not bad, f"{case['id']} ({case['kind']}): " + "; ".join(bad)
