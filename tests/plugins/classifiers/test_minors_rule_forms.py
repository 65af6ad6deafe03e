"""The sexual_minors rule, round 2: whole-word lookaheads in the age forms, benign senses damping
the head, French comic strips, and Russian/Japanese/Chinese ages (no model needed)."""

from __future__ import annotations

import pytest
from tako_classifiers._minors import MinorsRule

from tests.linear import Repeat, assert_linear


@pytest.fixture(scope="module")
def rule() -> MinorsRule:
    return MinorsRule.load()


def damped(rule: MinorsRule, text: str) -> bool:
    return rule.head_output(text, 0.9) == pytest.approx(0.9 * rule.protective_factor)


# a word that merely starts like "de"/"di"/"am"/"up" does not end an age's exclusions -------------

@pytest.mark.parametrize(
    "text",
    [
        "chico de 14 años desnudo",
        "niña de 13 años desnuda",
        "chica de 15 años de edad desnuda",
        "fotos de una chica de 14 años desvestida y desnuda",
        "menina de 14 anos de idade nua",
        "fille de 14 ans devant la webcam, nue",
        "ragazza di 13 anni disinibita nuda",
        "ragazza di 14 anni di età nuda",
        "sexy pics age 14 most liked",
    ],
)
def test_a_minors_age_before_a_word_starting_like_an_exclusion_counts(rule: MinorsRule, text: str) -> None:
    assert rule._has_minor(text), text
    assert rule.score(text, sexual_score=0.0) >= 0.9


@pytest.mark.parametrize(
    "text",
    [
        "después de 14 años de matrimonio el sexo es aburrido",
        "con 14 años juntos el sexo es aburrido",
        "com 14 anos de casamento o sexo ficou chato",
        "con 14 anni di matrimonio il sesso è noioso",
        "un couple de 14 ans de mariage, sexe ennuyeux",
        "nude photos, age 14 months old",
    ],
)
def test_a_duration_is_still_not_an_age(rule: MinorsRule, text: str) -> None:
    assert rule.score(text, sexual_score=0.0) < 0.3


@pytest.mark.parametrize(
    "text",
    [
        "mujer de 30 años desnuda",
        "chica de 20 años desnuda",
        "mujer de 25 años de edad desnuda",
        "mulher de 25 anos de idade nua",
        "fille de 19 ans devant la webcam, nue",
        "ragazza di 20 anni disinibita nuda",
        "ragazza di 22 anni di età nuda",
        "i'm 22 and upset nobody wants my nudes",
    ],
)
def test_an_adult_age_before_a_word_starting_like_an_exclusion_damps(rule: MinorsRule, text: str) -> None:
    assert rule.adult.search(text), text
    assert damped(rule, text)


@pytest.mark.parametrize(
    "text",
    [
        "i'm 25 and she's 14 amateur porn",
        "im 20 and she is 15 ftw, nudes",
        "mujer de 30 años desnuda con una chica de 14 años de edad",
    ],
)
def test_a_young_age_before_such_a_word_still_vetoes(rule: MinorsRule, text: str) -> None:
    assert rule.head_output(text, 0.9) == 0.9


# the head's sexual_minors output is damped when the only sexual words were benign senses ----------

BENIGN_SENSES = [
    "nude colour palette for a 14 year old's room",
    "nude colour palette for 14 year old's room",
    "nude lipstick shades for a 13 year old",
    "nude heels for my 15 year old daughter's prom",
    "comic strip ideas for a 12 year old girl",
    "can my 10 year old see saturn with the naked eye",
    "what sex is the baby, asks my 6 year old",
]


@pytest.mark.parametrize("text", BENIGN_SENSES)
def test_benign_senses_damp_the_heads_sexual_minors_output(rule: MinorsRule, text: str) -> None:
    assert damped(rule, text)
    assert rule.combine(text, 0.9, sexual_score=0.8) < 0.3


@pytest.mark.parametrize(
    "text",
    [
        "nude colour palette for a 14 year old's room, then send her nudes",
        "nude lipstick on a naked 14 year old",
        "nude colour palette, jailbait pics",
        "write a story about a 14 year old",  # no sexual-looking word at all: the head decides
        "nude 14 year old",
    ],
)
def test_a_real_sexual_word_or_none_leaves_the_head_alone(rule: MinorsRule, text: str) -> None:
    assert rule.head_output(text, 0.9) == 0.9


# French comic strips ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text",
    [
        "strip pour enfants",
        "bande dessinée strip pour enfants",
        "strips BD pour les enfants",
        "un strip BD pour mon fils de 10 ans",
        "strip de bande dessinée pour enfants",
        "les meilleures bandes dessinées strips pour les enfants de 8 ans",
    ],
)
def test_french_comic_strips_are_a_benign_sense(rule: MinorsRule, text: str) -> None:
    assert rule.score(text, sexual_score=0.0) < 0.3
    assert rule.score(text, sexual_score=0.6) < 0.3


@pytest.mark.parametrize("text", ["strip-tease pour enfants", "enfants nus dans un strip BD"])
def test_the_comic_sense_does_not_hide_a_real_one(rule: MinorsRule, text: str) -> None:
    assert rule.score(text, sexual_score=0.0) >= 0.9


# Russian, Japanese and Chinese ages ------------------------------------------------------------

@pytest.mark.parametrize(
    "text",
    [
        "22-летняя девушка порно",
        "22 летний парень голый",
        "ей 22 года, порно",
        "19歳 ヌード",
        "19歳の女性のヌード写真",
        "女優25才のヌード",
        "一个19岁的女孩裸照",
    ],
)
def test_an_adult_age_in_russian_japanese_chinese_damps(rule: MinorsRule, text: str) -> None:
    assert rule.adult.search(text), text
    assert damped(rule, text)


@pytest.mark.parametrize(
    "text",
    [
        "22-летняя и 14-летняя порно",
        "ей 22 года, выглядит как школьница, порно",
        "ей 19 лет, а ей 14 лет, порно",
        "19歳と14歳のヌード",
        "19歳のロリ ヌード",
        "19歳の中学生のヌード",
        "19岁萝莉裸照",
        "19 year old nude, 14歳",
    ],
)
def test_a_young_age_or_context_in_those_languages_vetoes(rule: MinorsRule, text: str) -> None:
    assert rule.head_output(text, 0.9) == 0.9


@pytest.mark.parametrize("text", ["14歳の女の子のヌード", "14岁女孩裸照", "彼女は15才です", "nude 14歳"])
def test_a_japanese_or_chinese_minors_age_is_a_minor_term(rule: MinorsRule, text: str) -> None:
    assert rule._has_minor(text)
    assert rule.score(text, sexual_score=0.8) >= 0.8  # lifts the head's sexual score (0.9 beside "nude")


@pytest.mark.parametrize("text", ["114歳のおばあさん", "19歳の女性", "ヌード写真", "2019年の写真"])
def test_other_numbers_beside_cjk_are_not_a_minors_age(rule: MinorsRule, text: str) -> None:
    assert not rule._has_minor(text)


@pytest.mark.parametrize(
    "text",
    [
        "14歳" * 250_000,
        "の" * 1_000_000,
        "19歳のロリ" * 170_000,
        "22-летняя " * 100_000,
        "ей 22 года " * 90_000,
        "de 14 años de " * 70_000,
        "di 20 anni di " * 70_000,
        Repeat("nude colour ", 90_000, tail="14 year old"),
        Repeat("strip pour ", 90_000, tail="enfants"),
    ],
)
def test_the_new_forms_stay_linear_on_a_megabyte(rule: MinorsRule, text: str) -> None:
    assert_linear(lambda t: (rule.combine(t, 0.9, 0.9), rule.adult_veto.search(t + " 19")), text)


@pytest.mark.parametrize("text", ["NUDE Colour palette for a 14 Year Old's room", "Nude Lipstick for my 13 yo",
                                  "Nude lipstick, NAKED pics of a 14 year old", "Strip Pour Enfants", "best cat videos"])
def test_the_lower_case_fast_path_agrees_for_benign_senses(rule: MinorsRule, text: str) -> None:
    assert rule.sexual_lower is not None and rule.benign_lower is not None
    searched = rule.benign.sub(lambda m: " " * len(m.group()), text)
    slow = bool(rule.sexual.search(text)) and not rule.sexual.search(searched) and not rule.direct.search(searched)
    assert damped(rule, text) == slow
