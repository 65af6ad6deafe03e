"""The same prompt injection and the same greeting in seven languages get the right decisions.

Policy: the language guard, then the prompt_injection, jailbreak and moderation guards with the
heads trained on the multilingual encoder (guardrails/models/heads-multilingual). Skips unless
the encoder is built (``guardrails models build multilingual``) and the heads exist.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from guardrails import Guard
from guardrails.offline.multilingual import SENTENCES
from guardrails.runtime.encoder import MANIFEST
from guardrails.runtime.multilingual import multilingual_model_dir

HEADS = Path(__file__).resolve().parents[3] / "plugins" / "tako_classifiers" / "heads-multilingual"
SEVEN = ("en", "de", "es", "fr", "zh", "ja", "vi")
ROWS = [json.loads(line) for line in SENTENCES.read_text(encoding="utf-8").splitlines()]

pytestmark = [
    pytest.mark.skipif(not (multilingual_model_dir() / MANIFEST).is_file(),
                       reason="multilingual encoder not built (guardrails models build multilingual)"),
    pytest.mark.skipif(not (HEADS / "injection.head.json").is_file(), reason="no multilingual heads"),
]
pytest.importorskip("py3langid")


@pytest.fixture(scope="module")
def guard() -> Guard:
    rails = [{"guard": "language", "action": "warn"}]
    for guard_name, head in (("prompt_injection", "injection"), ("jailbreak", "jailbreak"),
                             ("moderation", "moderation")):
        rails.append({"guard": guard_name, "config": {"head": str(HEADS / f"{head}.head.json")}})
    return Guard.from_policy({"name": "multilingual", "version": "1", "input": rails})


def _text(lang: str, concept: str) -> str:
    return next(r["text"] for r in ROWS if r["lang"] == lang and r["concept"] == concept)


@pytest.mark.parametrize("lang", SEVEN)
def test_injection_is_blocked(guard, lang):
    decision = guard.check_input(_text(lang, "injection"))
    assert decision.blocked, (lang, decision.categories)
    assert "prompt_injection" in decision.triggered or "jailbreak" in decision.triggered
    assert decision.details.get("language") == lang


@pytest.mark.parametrize("lang", SEVEN)
def test_greeting_is_allowed(guard, lang):
    decision = guard.check_input(_text(lang, "greeting"))
    assert decision.action.value == "allow", (lang, decision.categories)
    assert decision.details.get("language") == lang
