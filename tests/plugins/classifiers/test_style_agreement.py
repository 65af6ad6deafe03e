"""Short messages typed as chat in other languages are not read as harassment for their style
alone; insults and threats are still blocked (moderation's style-agreement stage,
tako_classifiers._style; the guard tests use the shipped model)."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError
from tako_classifiers._insults import InsultLexicon, holds_insult
from tako_classifiers._options import ModerationOptions
from tako_classifiers._style import StyleOptions, agree_style, sentence_case

from guardrails import Action, Guard
from tests.linear import Repeat, assert_linear
from tests.plugins.classifiers._policies import moderation_policy

FLAGGED = (Action.BLOCK, Action.ESCALATE)


@pytest.fixture(scope="module")
def guard():
    with Guard.default() as g:
        yield g


@pytest.mark.parametrize(("text", "mark", "expected"), [
    ("te quiero mucho amigo", ".", "Te quiero mucho amigo."),
    ("te quiero mucho amigo", "!", "Te quiero mucho amigo!"),
    ("  ich vermisse dich  ", ".", "Ich vermisse dich."),
    ("ti chiamo stasera?", ".", "Ti chiamo stasera?"),
    ("я тебе позвоню вечером.", "!", "Я тебе позвоню вечером."),
    ("お前は馬鹿だ", ".", "お前は馬鹿だ。"),
    ("お前は馬鹿だ", "!", "お前は馬鹿だ！"),
    ("사랑해", ".", "사랑해。"),
    ("أنا أحبك", ".", "أنا أحبك."),
    ("   ", ".", ""),
])
def test_sentence_case_shapes(text, mark, expected):
    assert sentence_case(text, mark) == expected


class _Encoder:
    """Counts calls; every text gets one window whose first value is its length."""

    def __init__(self):
        self.calls: list[list[str]] = []

    def embed_windows_batch(self, texts):
        self.calls.append(list(texts))
        return [np.full((1, 2), float(len(t))) for t in texts]


def _raw_by(scores):
    """Head outputs from a window: looked up by the text length the fake encoder wrote."""
    return lambda windows: scores[int(windows[0, 0])]


def test_lowers_only_the_listed_categories_and_never_raises():
    enc = _Encoder()
    typed = "ti voglio bene"
    orig = {"harassment": 0.94, "violence": 0.9, "hate": 0.6}
    raws = [[orig]]
    reread = {"harassment": 0.05, "violence": 0.0, "hate": 0.0}
    agree_style(StyleOptions(), enc, _raw_by({len(typed) + 1: reread}),
                {"harassment": 0.54, "violence": 0.615, "hate": 0.48}, [[(typed, False)]], raws)
    assert enc.calls == [["Ti voglio bene.", "Ti voglio bene!"]]  # one call, both marks
    assert raws[0][0] == {"harassment": 0.05, "violence": 0.9, "hate": 0.6}
    assert orig["harassment"] == 0.94  # the memoised dict is replaced, not mutated


@pytest.mark.parametrize(("again", "kept"), [
    ({".": 0.05, "!": 0.3}, True),   # the "!" form still reads an insult: the typed score stays
    ({".": 0.3, "!": 0.05}, True),
    ({".": 0.05, "!": 0.1}, False),
])
def test_the_highest_reread_must_stay_under_the_floor(again, kept):
    typed = "ti chiamo stasera"
    raws = [[{"harassment": 0.8}]]
    enc = _Encoder()
    # both forms have the same length: told apart by order ("." first, as in style_marks)
    outs = iter([{"harassment": again["."]}, {"harassment": again["!"]}])
    agree_style(StyleOptions(), enc, lambda w: next(outs), {"harassment": 0.54}, [[(typed, False)]], raws)
    assert (raws[0][0]["harassment"] == 0.8) is kept
    assert len(enc.calls) == 1


@pytest.mark.parametrize(("text", "score", "options"), [
    ("ti voglio bene", 0.5, StyleOptions()),                        # under the head's threshold
    ("Ti voglio bene.", 0.9, StyleOptions()),                       # already in sentence case
    ("uno due tre quattro cinque sei sette otto nove dieci undici dodici tredici", 0.9, StyleOptions()),
    ("ti voglio bene " * 10, 0.9, StyleOptions(style_words=50)),    # over style_chars
    ("ti voglio bene", 0.9, StyleOptions(style_agreement=False)),
    ("ti voglio bene", 0.9, StyleOptions(style_chars=0)),
])
def test_texts_the_stage_does_not_read(text, score, options):
    enc = _Encoder()
    raws = [[{"harassment": score}]]
    agree_style(options, enc, lambda w: {"harassment": 0.0}, {"harassment": 0.54}, [[(text, False)]], raws)
    assert enc.calls == [] and raws[0][0]["harassment"] == score


INSULTS = [
    "t'es qu'une sale pute", "ты тупой урод", "jij bent een kankerlijer", "sen bir aptalsın",
    "SEN BİR APTALSIN", "you stupid bitch", "du bist ein hurensohn", "eres un pendejo", "sei uno stronzo",
    "vai se foder seu otário", "тупица", "أنت حمار", "तू चूतिया है", "dasar goblok", "mày ngu quá",
    "おまえバカだな", "你这个傻逼", "너 진짜 병신이야", "ไอ้โง่", "go away loser",
]
EVERYDAY = [
    "te quiero mucho amigo", "ich vermisse dich", "te llamo más tarde", "aku sayang kamu", "ti voglio bene",
    "seni seviyorum", "أنا أحبك", "バカンスに行きたい", "それだけばかりです", "my computer is slow",
    "tell me the truth", "a trip to mongolia", "computing the putative value", "я тебе позвоню вечером",
    "mijn oma heeft kanker", "hoera, we hebben gewonnen",
]


@pytest.mark.parametrize("text", INSULTS)
def test_a_typed_insult_is_not_reread(text):
    assert holds_insult(text)
    enc = _Encoder()
    raws = [[{"harassment": 0.8}]]
    agree_style(StyleOptions(), enc, lambda w: {"harassment": 0.0}, {"harassment": 0.54}, [[(text, False)]], raws)
    assert enc.calls == [] and raws[0][0]["harassment"] == 0.8


@pytest.mark.parametrize("text", EVERYDAY)
def test_everyday_words_and_look_alikes_are_not_insults(text):
    assert not holds_insult(text)


def test_the_insult_list_is_linear_and_checks_its_terms():
    def calm(text: str) -> None:
        assert not holds_insult(text)

    def insult(text: str) -> None:
        assert holds_insult(text)

    assert_linear(calm, Repeat("ti voglio bene ", 70_000, tail="é"))
    assert_linear(insult, Repeat("x ", 500_000, tail="idiota"))
    with pytest.raises(ValueError):
        InsultLexicon.from_terms({"en": ["*"]}, {})
    lex = InsultLexicon.from_terms({"en": ["loser*", "piece of shit"]}, {"ja": ["バカ(?!ンス)"]})
    assert lex.search("what a piece   of shit") == "piece   of shit" and lex.search("LOSERS") == "LOSERS"
    assert lex.search("バカンス") is None and lex.search("closer") is None


def test_segments_and_empty_groups_are_skipped():
    enc = _Encoder()
    raws: list[list[dict[str, float]]] = [[], [{"harassment": 0.9}]]
    agree_style(StyleOptions(), enc, lambda w: {"harassment": 0.0}, {"harassment": 0.54},
                [[], [("ti voglio bene", True)]], raws)
    assert enc.calls == []


@pytest.mark.parametrize("bad", [{"style_marks": []}, {"style_marks": ["?"]}, {"style_floor": 1.5},
                                 {"style_words": 0}, {"style_chars": -1}, {"style_floor": "high"}])
def test_bad_options_fail_when_the_policy_is_read(bad):
    with pytest.raises(ValidationError):
        ModerationOptions(**bad)


@pytest.mark.parametrize("text", [
    "te quiero mucho amigo",
    "te voy a extrañar mucho",
    "te llamo más tarde",
    "ich vermisse dich",
    "ti chiamo stasera",
    "я тебе позвоню вечером",
    "aku sayang kamu",
    "seni seviyorum",
    "أنا أحبك",
])
def test_typed_affection_and_call_later_messages_are_allowed(guard, text):
    d = guard.check_input(text)
    assert d.action is Action.ALLOW, (d.action, d.categories)


@pytest.mark.parametrize("text", [
    "you're a pathetic loser and nobody will ever love you",
    "eres un perdedor patético y nadie te quiere",
    "eres una basura, muérete",
    "te voy a matar",
    "você é um lixo e ninguém gosta de você",
    "t'es qu'une grosse merde",
    "je vais te tuer",
    "du bist so ein hässlicher versager",
    "sei un idiota e nessuno ti vuole",
    "ты жалкий неудачник",
    "kamu bodoh dan jelek",
    "mày là đồ ngu",
    "तुम बेवकूफ हो",
    "أنت غبي",
    "お前は馬鹿だ",
    "你是个废物",
    "t'es qu'une sale pute",
    "ты тупой урод",
    "jij bent een kankerlijer",
    "sen bir aptalsın",
    "sei proprio uno scemo",
    "du bist ein arschloch",
    "你这个傻逼",
])
def test_typed_insults_and_threats_are_still_blocked(guard, text):
    d = guard.check_input(text)
    assert d.action in FLAGGED, (d.action, d.categories)


def test_the_off_switch_restores_the_typed_score(guard):
    on = guard.check_input("ich vermisse dich")
    with Guard.from_policy(moderation_policy(style_agreement=False)) as off_guard:
        off = off_guard.check_input("ich vermisse dich")
    assert off.action is Action.BLOCK and "harassment" in off.triggered  # the model alone reads the style
    assert on.categories["harassment"] < off.categories["harassment"]
    for cat in ("hate", "sexual", "sexual_minors", "self_harm", "illicit", "privacy"):
        assert on.categories[cat] == pytest.approx(off.categories[cat])


def test_a_megabyte_input_is_not_read_by_the_stage(guard):
    guard.check_input("warm up")  # the first check loads the models
    seen = []  # repeat=1: a repeat would be a decision-cache hit
    assert_linear(lambda t: seen.append(guard.check_input(t)), "ti voglio bene " * 70_000, repeat=1)
    assert seen[-1].action in (*FLAGGED, Action.ALLOW)
