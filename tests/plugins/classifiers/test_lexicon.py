"""Lexicons matched through their anchors (``_lexicon``): the same matches as the whole alternation.

Every shipped term list is checked here against its whole pattern (which loading the shipped
lexicons no longer compiles), on texts of the test data, in upper and lower case, with Thai,
kana and CJK characters (read by the whole pattern), in windows (``pos`` / ``endpos``)."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from tako_classifiers._counter import CounterLexicon
from tako_classifiers._disclosures import DisclosureRule, Terms
from tako_classifiers._figurative_index import _parsed_anchors, _plain_anchors, fold, required
from tako_classifiers._frames import SafeFramesRule
from tako_classifiers._gate import Profile
from tako_classifiers._insults import InsultLexicon
from tako_classifiers._lexicon import Lexicon, Part
from tako_classifiers._minors import MinorsRule
from tako_classifiers._personas import PersonaRule
from tako_classifiers._requests import HarmfulRequestRule
from tako_classifiers._self_directed import SelfDirectedRule
from tako_classifiers._sentences import _second_person

DATA = Path(__file__).resolve().parents[2] / "data"
SHIPPED = Path(__file__).resolve().parents[3] / "plugins" / "tako_classifiers" / "data"


def _texts() -> list[str]:
    texts: list[str] = []
    for path in sorted(DATA.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line) if line.strip().startswith("{") else {}
            text = next((row[k] for k in ("text", "input", "prompt") if isinstance(row.get(k), str)), None)
            if text:
                texts.append(text)
    sample = random.Random(5).sample(texts, 180)
    mixed = [f"の{t[:len(t) // 2]}中{t[len(t) // 2:]}" for t in sample[:20]] + [t.replace(" ", "เ", 2) for t in sample[20:30]]
    return [*sample, *(t.upper() for t in sample[:40]), *mixed, "İstanbul ſex ΣΑΣ", "", "a", "(14f) 14yo kys"]


def _lexicons() -> dict[str, Lexicon]:
    out: dict[str, Lexicon] = {}
    rules = {"minors": MinorsRule.load(), "frames": SafeFramesRule.load(), "counter": CounterLexicon.load()}
    for prefix, rule in rules.items():
        out.update({f"{prefix}.{k}": v for k, v in vars(rule).items() if isinstance(v, Lexicon)})
    requests, disclosures = HarmfulRequestRule.load(), DisclosureRule.load()
    terms = {**{f"persona.{k}": v for k, v in PersonaRule.load().sets.items()},
             **{f"disclosure.{k}": v for k, v in disclosures.terms.items()},
             **{f"request.{g.name}": g.terms for g in requests.groups}, "request.veto": requests.veto,
             **{f"request.{g.name}.objects": g.objects for g in requests.groups if g.objects},
             "insults": InsultLexicon.load().terms, "self": SelfDirectedRule.load().own,
             "fiction": SelfDirectedRule.load().fiction, "second_person": _second_person()}
    for name, t in terms.items():
        for kind in ("lower", "spaced", "unspaced_lower", "unspaced"):
            lex = getattr(t, kind)
            if lex is not None:
                out[f"{name}.{kind}"] = lex
    return out


TEXTS = _texts()
LEXICONS = _lexicons()


def _whole(lex: Lexicon, text: str, pos: int = 0, endpos: int | None = None) -> list[tuple[int, int]]:
    """What the whole pattern finds, behind the lexicon's gate (the behaviour before the index)."""
    if lex.gate is not None and not lex.gate.admits(text):
        return []
    return [m.span() for m in lex.full.finditer(text, pos, len(text) if endpos is None else endpos)]


@pytest.mark.parametrize("name", sorted(LEXICONS))
def test_shipped_lexicon_matches_like_its_whole_pattern(name: str) -> None:
    lex = LEXICONS[name]
    assert isinstance(lex.full, re.Pattern)  # compiles (loading the shipped lexicon did not)
    for text in TEXTS:
        n = len(text)
        assert [m.span() for m in lex.finditer(text)] == _whole(lex, text), text
        for pos, endpos in ((0, n // 2), (n // 3, n), (n // 4, 3 * n // 4)):
            assert [m.span() for m in lex.finditer(text, pos, endpos)] == _whole(lex, text, pos, endpos), (text, pos)
    blank = lambda m: "#" * len(m.group())  # noqa: E731
    for text in TEXTS[:60]:
        assert lex.sub(blank, text) == (lex.full.sub(blank, text) if lex.gate is None or lex.gate.admits(text) else text)


def test_shipped_lexicons_are_not_compiled_on_load() -> None:
    rule = MinorsRule.load()
    assert "full" not in vars(rule.minor) and "full" not in vars(rule.sexual)
    assert "full" not in vars(DisclosureRule.load().terms["self_harm"].lower)


def test_custom_lexicon_with_a_bad_term_fails_on_load(tmp_path: Path) -> None:
    data = json.loads((SHIPPED / "sexual_minors.json").read_text(encoding="utf-8"))
    data["protective_terms"] = [*data["protective_terms"], "broken (term"]
    path = tmp_path / "minors.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(re.error):
        MinorsRule.load(path)
    with pytest.raises(re.error):
        Terms.compile(["fine", "broken (term"], [], {})


@pytest.mark.parametrize("text", ["skiing and running", "sing", "ring a bell, bring it", "", "ingot"])
def test_unspellable_terms_and_empty_matches_match_like_the_whole_pattern(text: str) -> None:
    """A term whose start cannot be spelled (``\\w+ing``) is tried where its own pattern finds it;
    a term that can match nothing hands the scan to the whole pattern, as ``re`` goes on."""
    for terms, bounded in (((r"\w+ing", "bell", "ring"), True), ((r"x?", "ing"), False), (("ing", r"(?:b|s)?"), False)):
        head, tail = (r"(?<!\w)(?:", r")(?!\w)") if bounded else ("", "")
        lex = Lexicon([Part(head, tail, terms, word_start=False)], bounded=bounded, validate=True)
        assert [m.span() for m in lex.finditer(text)] == [m.span() for m in lex.full.finditer(text)], terms
        assert lex.sub("<>", text) == lex.full.sub("<>", text)


@pytest.mark.parametrize("text", ["", "a", " a b", "hello, world! children of İstanbul", "...", "x" * 10,
                                  "死にたい 14歳", "ab_cd ef", "ΣΑΣ ſex"])
def test_profile_reads_word_heads_like_the_head_pattern(text: str) -> None:
    head = re.compile(r"(?<!\w)\w{1,4}")
    profile = Profile(text)
    assert profile.heads == head.findall(fold(text))
    assert profile.starts == [m.start() for m in head.finditer(fold(text))]
    assert profile.prefixes == frozenset(h[:k] for h in profile.heads for k in (1, 2, 3))


def test_profile_is_shared_and_folds_a_text_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """``profile``: one Profile for texts that fold the same, and a text read again (every gate of
    one check reads the same few texts) is not folded again; a long text is not gated but profiled."""
    from tako_classifiers import _gate

    text = "Hello wORLD, İstanbul profile-test " + str(random.random())
    folds: list[str] = []
    monkeypatch.setattr(_gate, "fold", lambda t: folds.append(t) or fold(t))
    first = _gate.profile(text)
    n = len(folds)
    assert _gate.profile(text) is first and len(folds) == n  # read again: not folded again
    assert _gate.profile(fold(text)) is first  # the same folded text: the same Profile
    assert first.heads == Profile(text).heads and first.low == fold(text)
    long = "word " * (_gate.MAX_GATED_CHARS // 5 + 1) + str(random.random())
    assert _gate.profile(long).heads == Profile(long).heads


def test_plain_anchors_are_the_parsed_anchors() -> None:
    """Terms that open with letters are anchored without parsing them: the same anchors."""
    terms: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, str):
            terms.append(node)
        elif isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            for key, item in node.items():
                if not str(key).startswith("_") and key != "macros":
                    walk(item)

    for path in sorted(SHIPPED.glob("*.json")):
        walk(json.loads(path.read_text(encoding="utf-8")))
    fast = 0
    for term in terms:
        for bounded in (True, False):
            plain = _plain_anchors(term, bounded)
            if plain is not None:
                fast += 1
                assert plain == _parsed_anchors(term, bounded), term
    assert fast > 1000


@pytest.mark.parametrize(("body", "needs"), [
    (r"\w*(?:mış|miş|muş|müş)\s+gibi\s+davran\w*", {"davran"}), (r"\w{0,2}خلع ملابس\w*", {"خلع ملابس"}),
    (r"(?:foo|barbaz)x", {"foo", "barbaz"}), (r"ab?c", None), (r"(?:foo|\w+)q", None), ("Kelvin", {"kelvin"}),
])
def test_required_strings_of_a_term(body: str, needs: set[str] | None) -> None:
    """What a term whose start cannot be spelled must hold: a text (folded) without any of it is
    not searched for the term."""
    assert required(body) == (frozenset(needs) if needs is not None else None)
    if needs:
        for text in ("xx " + next(iter(needs)).upper() + " yy", "nothing here"):
            if re.search(body, text, re.IGNORECASE):
                assert any(n in fold(text) for n in needs), text
