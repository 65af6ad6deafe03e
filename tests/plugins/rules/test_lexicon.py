"""lexicon and topic guards."""

from __future__ import annotations

from pathlib import Path

import pytest
from tako_rules.lexicon import LexiconGuard, TopicGuard
from tako_rules.normalize import NormalizeGuard

from guardrails.protocol import CheckContext, RequestContext, Resources
from guardrails.testing import FakeEncoder, check_guard_contract

MODEL = Path(__file__).resolve().parents[3] / "guardrails/models/encoder/model.int8.onnx"


def normalized_context(text: str, stage: str = "input", **kw) -> CheckContext:
    ctx = CheckContext(stage=stage, **kw)  # type: ignore[arg-type]
    NormalizeGuard(NormalizeGuard.Config()).check(text, ctx)
    return ctx


@pytest.fixture(scope="module")
def lexicon() -> LexiconGuard:
    return LexiconGuard(LexiconGuard.Config(
        terms={"en": ["acme rival", "crypto pump", "kill"], "de": ["schnaps"], "any": ["tako-leak"]},
        category="banned_terms",
    ))


def test_lexicon_matches_words_and_phrases(lexicon: LexiconGuard) -> None:
    v = lexicon.check("is Acme   Rival better?", CheckContext(stage="input"))
    assert v.categories == {"banned_terms": 1.0}
    assert v.details["terms"] == ["acme rival"]
    assert (v.spans[0].start, v.spans[0].end) == (3, 15)


@pytest.mark.parametrize("text", ["skill issue", "killer whales live long", "pumpkin crypto", "acme rivals"])
def test_lexicon_word_boundaries(lexicon: LexiconGuard, text: str) -> None:
    assert lexicon.check(text, CheckContext(stage="input")).categories == {}


@pytest.mark.parametrize("text", ["k1ll it", "k i l l it", "ＫＩＬＬ it", "c r y p t o pump now"])
def test_lexicon_on_normalized_view(lexicon: LexiconGuard, text: str) -> None:
    assert lexicon.check(text, normalized_context(text)).categories == {"banned_terms": 1.0}


def test_lexicon_language_scope() -> None:
    g = LexiconGuard(LexiconGuard.Config(terms={"de": ["schnaps"], "any": ["x-leak"]}, language_scoped=True))
    de = CheckContext(stage="input", request=RequestContext(language="de"))
    en = CheckContext(stage="input", request=RequestContext(language="en"))
    assert g.check("Schnaps bitte", de).categories
    assert not g.check("Schnaps bitte", en).categories
    assert g.check("the x-leak", en).categories


def test_lexicon_files(tmp_path: Path) -> None:
    (tmp_path / "t.txt").write_text("# comment\nfoo bar\n", "utf-8")
    (tmp_path / "t.yaml").write_text("terms:\n  en: [baz]\n", "utf-8")
    g = LexiconGuard(LexiconGuard.Config(files=[str(tmp_path / "t.txt"), str(tmp_path / "t.yaml")]))
    assert g.term_count == 2
    assert g.check("FOO bar and baz", CheckContext(stage="input")).details["terms"] == ["baz", "foo bar"]


TOPICS = {
    "topics": [
        {"name": "competitors", "description": "comparing acme products with rival brands",
         "category": "competitor"},
        {"name": "diagnosis", "description": ["diagnose my medical symptoms", "what illness do i have"]},
    ],
    "threshold": 0.5,
}


def test_topic_with_fake_encoder() -> None:
    g = TopicGuard(TopicGuard.Config.model_validate(TOPICS), Resources({"default": FakeEncoder}))
    v = g.check("please diagnose my medical symptoms", CheckContext(stage="input"))
    assert v.categories["topic"] > 0.5 and "diagnosis" in v.details["topics"]
    assert v.categories["competitor"] < 0.5
    benign = g.check("what is the capital of france", CheckContext(stage="input"))
    assert max(benign.categories.values()) < 0.5
    batch = g.check_batch(["please diagnose my medical symptoms", "hi"], [CheckContext(stage="input")] * 2)
    assert batch[0].categories == v.categories


def test_topic_contract() -> None:
    check_guard_contract(TopicGuard, TOPICS, threads=4)
    check_guard_contract(LexiconGuard, {"terms": {"en": ["kill"]}}, threads=4)
