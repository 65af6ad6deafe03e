"""The per-language seed lexicons load into the lexicon guard and the normalize rail."""

from __future__ import annotations

import pytest
from tako_language.lexicons import LEXICONS, lexicon_file, lexicon_terms

from guardrails.protocol import CheckContext, RequestContext

lexicon = pytest.importorskip("tako_rules.lexicon")
normalize = pytest.importorskip("tako_rules.normalize")


@pytest.mark.parametrize("name", ["profanity", "banned"])
def test_term_lists_cover_four_languages(name):
    terms = lexicon_terms(name)
    assert {"en", "de", "es", "fr"} <= set(terms)
    for lang, words in terms.items():
        assert words and len(words) == len({w.lower() for w in words}), lang
        assert all(w == w.lower() for w in words), lang


def test_files_exist_and_names_are_checked():
    assert all(lexicon_file(n).is_file() for n in LEXICONS)
    with pytest.raises(ValueError):
        lexicon_file("nope")
    with pytest.raises(ValueError):
        lexicon_terms("algospeak")


def _ctx(lang: str | None) -> CheckContext:
    return CheckContext(stage="input", request=RequestContext(language=lang))


def test_lexicon_guard_scopes_by_request_language():
    cfg = lexicon.LexiconGuard.Config(
        files=[str(lexicon_file("profanity"))], category="harassment", language_scoped=True,
        match_on="raw",
    )
    guard = lexicon.LexiconGuard(cfg)
    assert guard.check("Du bist so ein Arschloch", _ctx("de")).categories["harassment"] == 1.0
    assert guard.check("Eres un gilipollas", _ctx("es")).categories["harassment"] == 1.0
    assert guard.check("Quel connard", _ctx("fr")).categories["harassment"] == 1.0
    assert guard.check("Eres un gilipollas", _ctx("de")).categories.get("harassment", 0.0) == 0.0
    assert guard.check("Wie spät ist es?", _ctx("de")).categories.get("harassment", 0.0) == 0.0


def test_banned_any_applies_to_every_language():
    guard = lexicon.LexiconGuard(
        lexicon.LexiconGuard.Config(files=[str(lexicon_file("banned"))], language_scoped=True, match_on="raw")
    )
    assert guard.check("sieg heil", _ctx("fr")).categories["lexicon"] == 1.0
    assert guard.check("Te voy a matar mañana", _ctx("es")).categories["lexicon"] == 1.0


def test_algospeak_file_loads_into_normalize_rail():
    guard = normalize.NormalizeGuard(
        normalize.NormalizeGuard.Config(extra_lexicon_files=[str(lexicon_file("algospeak"))])
    )
    context = _ctx("es")
    guard.check("quiero desvivirme", context)
    assert "suicidarme" in context.view("quiero desvivirme")
