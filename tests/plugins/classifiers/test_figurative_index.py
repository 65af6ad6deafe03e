"""The figurative lexicon's anchor index (tako_classifiers._figurative_index): it finds exactly
what trying every entry at every position finds, reads the shipped lexicon without compiling
it, and compiles an entry only when its anchor occurs."""

from __future__ import annotations

import json
import logging
import random
import re

import pytest
from tako_classifiers import _figurative_index as index
from tako_classifiers._figurative import _MACRO, LEXICON_PATH, FigurativeLexicon, _spaces, lexicon
from tako_classifiers._figurative_index import _EDGE, anchors, compile_entry, fold

from tests.linear import cpu_seconds

IDIOMS = [
    "how to break into the tech industry without a degree", "he made an absolute killing on Nvidia stock",
    "How can I kill a Python process?", "best way to kill time at the airport", "my feet are killing me",
    "let me take a stab at rewriting your intro", "It's a steal at that price.", "what a steal!",
    "the cake is to die for", "my phone is dead again", "dead battery again", "a bath bomb for her birthday",
    "I'd kill for a hot shower right now", "kill -9 1234", "taskkill /f /im chrome.exe", "she's gunning for a promotion",
    "it's not the end of the world", "de tijd doden op schiphol", "ik lach me dood", "me muero de ganas de verte",
    "Comment tuer un processus sous Linux ?", "l'exécution d'un script", "je meurs de faim", "ich habe mich totgelacht",
    "in den amerikanischen Markt einbrechen", "come ammazzare il tempo", "как убить время в поезде",
    "كيف أقتل الوقت في المطار", "एयरपोर्ट पर समय काटने के तरीके", "空港で時間を潰す方法", "怎么杀掉卡死的进程", "笑死我了",
    "공항에서 시간 죽이기", "웃겨서 죽겠다", "IT 업계를 뚫으려면", "ฆ่าเวลาที่สนามบิน", "havaalanında zaman öldürmek",
    "cara membunuh waktu di bandara", "làm gì để giết thời gian", "processkill and pidkill", "杀时间",
]


def _reference(lex: FigurativeLexicon, text: str) -> list[tuple[int, int, str]]:
    """Every entry tried at every position (word edges for bounded ones), in lexicon order."""
    found = []
    for table in lex.tables:
        patterns = [compile_entry(body, table.bounded) for body in table.bodies]
        end = 0
        for pos in range(len(text)):
            if pos < end or (table.bounded and pos and re.match(r"\w", text[pos - 1])):
                continue
            for pattern, entry in zip(patterns, table.entries, strict=True):
                m = pattern.match(text, pos)
                if m is not None:
                    end = max(m.end(), pos + 1)
                    found.append((pos, m.end(), entry.id))
                    break
    out: list[tuple[int, int, str]] = []
    for hit in sorted(found, key=lambda f: (f[0], -f[1])):
        if not out or hit[0] >= out[-1][1]:
            out.append(hit)
    return out


def _bodies() -> list[tuple[str, str, bool]]:
    data = json.loads(LEXICON_PATH.read_text(encoding="utf-8"))
    return [(e["id"], _spaces(_MACRO.sub(lambda m: data["macros"][m.group(1)], e["pattern"])), e.get("bounded", True))
            for e in data["entries"]]


def _corpus() -> list[str]:
    rng = random.Random(7)
    words = " ".join(IDIOMS).split() + "the a my is to for of and in on it what can you kill time dead".split()
    texts = list(IDIOMS)
    for t in IDIOMS:  # case, whitespace, glued and IGNORECASE-only equal characters (ı = i, K = k, ſ = s)
        texts += [t.upper(), t.title(), t.replace(" ", "\t "), "x" + t, "“" + t + "”", t.replace("i", "ı"),
                  t.replace("k", "\u212a"), t.replace("s", "ſ"), t.replace("i", "İ"), "ok " + t.replace(" ", "")]
    texts += [" ".join(rng.choice(words) for _ in range(rng.randint(2, 14))) for _ in range(120)]
    return texts


def test_the_index_finds_what_trying_every_entry_everywhere_finds() -> None:
    lex = FigurativeLexicon.load(LEXICON_PATH, validate=False)
    texts = _corpus()
    assert sum(bool(_reference(lex, t)) for t in IDIOMS) == len(IDIOMS)
    for text in texts:
        assert [(s, e, x.id) for s, e, x in lex.matches(text)] == _reference(lex, text), text


@pytest.mark.parametrize(("body", "bounded", "expected"), [
    (r"(?:break|breaks|broke) into(?= (?:industry|field))", True, {"brea", "brok"}),
    (r"in (?:den|einen) (?:markt|sektor)", True, {"in" + _EDGE}),
    (r"(?:(?:my|the) )?(?:phone|laptop) (?:is )?dead", True, {"my" + _EDGE, "the" + _EDGE, "phon", "lapt"}),
    (r"kill(?:s|ed)? time", True, {"kill"}),
    (r"(?:l['’]|le )?exécution", True, {"l" + _EDGE, "le" + _EDGE, "exéc"}),
    (r"(?:'s|is) to die for", True, {"'s", "is" + _EDGE}),
    (r"(?:(?<=웃겨)|(?<=졸려))죽겠", False, {"죽겠"}),
    (r"(?:杀|kill)掉?(?:进程|任务)", False, {"杀掉进程", "杀掉任务", "杀进程", "杀任务", "kill"}),
    (r"(?:IT ?)?업계", False, {"it업계", "it", "업계"}),
    (r"[\w-]+ hacks", True, None),
    (r"(?:a )?\d+ kills", True, None),
])
def test_anchors_of_pattern_shapes(body: str, bounded: bool, expected: set[str] | None) -> None:
    assert anchors(_spaces(body), bounded) == expected


def test_every_shipped_entry_has_anchors_read_from_its_head_alone() -> None:
    whole = index.head
    for name, body, bounded in _bodies():
        found = anchors(body, bounded)
        assert found, name  # else every position of every text would try it
        index.head = lambda b: b  # type: ignore[assignment]
        try:
            full = anchors(body, bounded)
        finally:
            index.head = whole
        assert full is not None and all(any(a.startswith(h.rstrip(_EDGE)) for h in found) for a in full), name


def test_the_shipped_lexicon_is_read_without_compiling_and_every_entry_compiles() -> None:
    re.purge()  # both loads below compile from scratch
    lazy_s = min(cpu_seconds(lambda path: FigurativeLexicon.load(path, validate=False), LEXICON_PATH) for _ in range(2))
    lex = FigurativeLexicon.load(LEXICON_PATH, validate=False)
    assert all(p is None for table in lex.tables for p in table.compiled)
    lex.matches("how can I kill a python process")
    compiled = {e.id for t in lex.tables for e, p in zip(t.entries, t.compiled, strict=True) if p is not None}
    assert "en.kill.tech" in compiled and len(compiled) < 30  # of 159; "proc" wakes ja.process, hi.process
    assert not any(i.startswith(("es.", "pt.", "ru.", "ar.", "ko.")) for i in compiled), compiled
    re.purge()
    loaded: list[FigurativeLexicon] = []  # validate: every shipped pattern compiles, no capturing group
    full_s = cpu_seconds(lambda path: loaded.append(FigurativeLexicon.load(path)), LEXICON_PATH)
    checked = loaded[0]
    assert all(p is not None for table in checked.tables for p in table.compiled)
    # CPU times of the same run, not a wall-clock limit: ~0.07 s lazy vs ~0.2 s compiling every entry
    assert lazy_s < 0.6 * full_s, (lazy_s, full_s)


def test_an_entry_that_does_not_compile_is_skipped_when_read_unchecked(tmp_path, caplog) -> None:
    path = tmp_path / "lex.json"
    path.write_text(json.dumps({"entries": [
        {"id": "bad", "pattern": "kill (?<=a+)time", "paraphrase": "x", "categories": ["violence"]},
        {"id": "ok", "pattern": "kill time", "paraphrase": "pass time", "categories": ["violence"]}]}), encoding="utf-8")
    lex = FigurativeLexicon.load(path, validate=False)
    with caplog.at_level(logging.WARNING):
        assert lex.rewrite("let's kill time") == ("let's pass time", frozenset({"violence"}), ("ok",))
    assert "bad" in caplog.text
    with pytest.raises(re.error):
        FigurativeLexicon.load(path)
    with pytest.raises(ValueError, match="figurative_lexicon"):
        from tako_classifiers.guards import ModerationGuard
        ModerationGuard.Config(figurative_lexicon=str(path))


def test_matches_are_kept_per_text_and_handed_out_as_copies() -> None:
    lex = lexicon()
    first = lex.matches("best way to kill time at the airport")
    first.clear()
    assert [e.id for _, _, e in lex.matches("best way to kill time at the airport")] == ["en.kill.time"]
    assert lex.matches("x" * 100_000) == []  # a long text is read, not kept


@pytest.mark.parametrize(("text", "low"), [("KILL Time", "kill time"), ("İstanbul", "istanbul"),
                                            ("ſtab \u212aill", "stab kill"), ("Kıll", "kill"), ("ΣΑΣ", "σας")])
def test_fold_keeps_offsets_and_compares_as_ignorecase(text: str, low: str) -> None:
    assert fold(text) == fold(low) and len(fold(text)) == len(text)
