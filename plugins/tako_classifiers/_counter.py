"""The moderation guard's counter-speech stage: statements about a protected group that are not hate.

The encoder's hate output fires on a protected-group mention, so counter-speech and friendly or
neutral statements read as hate: "Saying that immigrants are vermin is disgusting." 0.66, "If you
call Jews parasites, you are a bigot." 0.62, "Black people deserve equal rights." 0.88, "Hating
black people is wrong." 0.84, "Trans people are not mentally ill." 0.83 (the head's hate
threshold is 0.48). A short view (at most ``counter_chars`` characters) whose ``hate`` output
reaches the head's threshold and that names a protected group (``safe_frames.json``
``protected_groups`` plus ``extra_groups`` of ``data/counter_speech.json``) is read once more,
rewritten, and its hate output takes the rewrite's when that is under ``counter_accept`` times
the threshold. Only ``hate`` moves; a rewrite can only lower it.

* ``report`` (HateCheck F20/F21, and F14 "I will never say that ..."): a reporting cue
  ("saying that", "calling", "people who say", "statements like", "hating", "decir que",
  ``report_cues``) or a quotation, together with a condemnation ("is racist", "you are a bigot",
  "stop", ``condemnations``, not negated) or a negated cue ("I'd never call ..."). The reported
  part (the quotation; or the words from the cue to the first comma, or to the copula before the
  condemnation, or to the clause end when the condemnation comes first) is replaced by "that", and
  it must name the group. The rewrite keeps everything outside the report, so hate stated beside
  it ("X are vermin, and whoever says otherwise is a bigot") still scores; a remainder that names
  a violent or dehumanising term (``harm_terms``, ``hate_claim_veto``) is never rewritten.
* ``identity`` (F18 neutral, F19 positive, F14 negated): every group mention is replaced by
  "people" ("People deserve equal rights."), only when the text names no derogatory, dehumanising
  or violent term that is not negated (``derogations``, ``harm_terms``, ``_frames``
  ``hate_claim_veto``, ``_insults``; "are not a plague", "No X deserves to die" are negated), no
  negated-positive hate ("are not human", ``negated_hate``), no violence or harassment at its
  threshold, and holds an affirming or neutral cue (``affirmations``: "deserve", "love", "my",
  "live") or a negated term, or only equates group nouns ("Trans women are women.", ``_EQUATES``).
  "X are great at stealing", "the only good X is a dead X", "I love it when X die" keep their
  score (veto terms).

* ``endorsed`` (the opposite direction): a hateful quotation or report ("As my grandpa used to say,
  'Jews are vermin.'") that the writer then endorses ("He was right.", "Recht hatte er.", "and I
  agree", "so true", ``endorsements``, not negated, not asked): the quotation frame lowers the
  encoder's reading (0.81 -> 0.47 for the German example), so the reported statement itself
  (the quotation, or the words after a ``speech_cues`` cue to the sentence end) is read, and the
  higher hate kept; such a view is never lowered as a report.

A "why don't we ..." / "why not ..." suggestion (``suggestions``) is no negation: "why don't we
exterminate the Jews" is not read as "we don't".

One ``embed_windows_batch`` call per batch, only for views that qualify (flagged hate, a group
named; or an endorsed hateful report), so the median cost is unchanged. Every lexicon piece is a
bounded regex joined into one alternation; the stage reads no view over ``counter_chars``, so a
megabyte costs one length check.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from pydantic import Field

from guardrails.protocol import EncoderLike, GuardConfig

from ._figurative import QUIET
from ._frames import FRAMES_PATH
from ._insults import InsultLexicon
from ._lexicon import shipped
from ._terms import _compile

__all__ = ["COUNTER_PATH", "CounterLexicon", "CounterOptions", "damp_counter_speech"]

COUNTER_PATH = Path(__file__).resolve().parent / "data" / "counter_speech.json"
_LISTS = ("extra_groups", "report_cues", "condemnations", "negators", "sentence_negators", "derogations",
          "harm_terms", "negated_hate", "affirmations")
_QUOTE = re.compile(r"[\"\u201c\u201e\u00ab]([^\"\u201c\u201d\u201e\u00ab\u00bb\n]{3,160})[\"\u201d\u00bb\u201c]"
                    r"|(?<!\w)'([^'\n]{3,160})'(?!\w)")
_COPULA = re.compile(r"\s(?:is|are|was|were|'s|es|son|era|eran|est|sont|était|ist|sind|war|waren|é|são|era|è|sono)\s",
                     re.IGNORECASE)
_CLAUSE_END = re.compile(r"[.!?;,:\u3002]")
_WORD = re.compile(r"\w+(?:'\w+)?")
_STOP = re.compile(r"[.!?;\n]")
_TRIM = " \t\n,:;\"'\u201c\u201d\u201e\u00ab\u00bb\u2014\u2013-"
"""Punctuation and space stripped around a reported statement."""
_AND = frozenset({"and", "und", "et", "e", "y", "и"})
_SENTENCE = re.compile(r"(?:^|[.!?;]\s*)[\s\"'\u201c\u00ab(]*$")
_EQUATES = re.compile(r"[\W_]*(?:(?:are|is|were|was|real|true|too|also|just|simply|always|have|has|been|and|sind|ist|son|es|"
                      r"sont|est|são|é|sono|è)(?!\w)[\W_]*)+", re.IGNORECASE)
"""What is left of a text that only equates group nouns ("Trans women are women."): no cue needed."""
_NEAR = 4
"""A negator governs a term at most this many words after it (in the same clause)."""


class CounterOptions(GuardConfig):
    """The moderation guard's options of the counter-speech stage (a base of its ``Config``)."""

    counter_speech: bool = True
    """Read a short text flagged for hate that names a protected group once more, its reported
    hate or its group noun replaced (``_counter``), and keep the lower hate score. False: off."""
    counter_lexicon: str | None = None
    """Path of a replacement lexicon (JSON, same keys as ``data/counter_speech.json``)."""
    counter_chars: int = Field(240, ge=0)
    """Views longer than this (characters) are not read by the stage (0: off)."""
    counter_accept: float = Field(0.6, ge=0.0, le=1.0)
    """A rewrite's hate output replaces the original only when at most this fraction of the head's
    hate threshold (0.48: rewrites under 0.288)."""
    counter_endorsed: bool = True
    """Read the hateful quotation or report of a short view that endorses it ("... He was right.")
    on its own and keep the higher hate (``CounterLexicon.endorsed``; only a view whose hate output
    reaches ``_figurative.QUIET``, 0.1: the quotation frame lowered the endorsed examples to
    0.25-0.47, and most texts score near 0, so the check costs them nothing). False: off."""


@dataclass(frozen=True)
class CounterLexicon:
    """The compiled lexicon; ``rewrite`` gives a view's re-read (or None)."""

    groups: re.Pattern[str]
    cues: re.Pattern[str]
    condemn: re.Pattern[str]
    negator: re.Pattern[str]
    sentence_negator: re.Pattern[str]
    veto: re.Pattern[str]
    negated_hate: re.Pattern[str]
    affirm: re.Pattern[str]
    endorse: re.Pattern[str] = re.compile("(?!)")
    """An endorsement of what is quoted or reported ("he was right", "recht hatte er", "so true")."""
    speech: re.Pattern[str] = re.compile("(?!)")
    """A speech verb that introduces a report without quotation marks ("used to say,", "disait que")."""
    suggestion: re.Pattern[str] = re.compile("(?!)")
    """A suggestion phrased as a negated question ("why don't we", "por qué no"): no negation."""
    words: tuple[str, str, str, str] = ("that", "wrong", "teachers", "teacher")
    """The re-read's words: for a report, a condemnation, a plural and a singular group noun."""

    @classmethod
    def load(cls, path: str | Path | None = None) -> CounterLexicon:
        """Compile the lexicon at ``path`` (default: the shipped one) with the frames lexicon's
        ``protected_groups`` and ``hate_claim_veto``; ``endorsements``, ``speech_cues`` and
        ``suggestions`` are optional. KeyError naming a missing list; re.error for an invalid
        piece; OSError / ValueError for an unreadable file."""
        data = json.loads(Path(path or COUNTER_PATH).read_text(encoding="utf-8"))
        missing = [k for k in _LISTS if k not in data]
        if missing:
            raise KeyError(f"counter-speech lexicon {path or COUNTER_PATH}: missing lists {missing}")
        frames = json.loads(FRAMES_PATH.read_text(encoding="utf-8"))
        claims = [str(t) for t in frames.get("hate_claim_veto", [])]

        check = not shipped(path, COUNTER_PATH)  # the shipped lexicon's patterns are compiled by the tests

        def words(*terms: list[str]) -> re.Pattern[str]:
            return _compile([str(t) for ts in terms for t in ts], validate=check)

        groups = sorted({*frames.get("protected_groups", []), *data["extra_groups"]}, key=len, reverse=True)
        return cls(groups=words(groups), cues=words(data["report_cues"]), condemn=words(data["condemnations"]),
                   negator=words(data["negators"]),
                   sentence_negator=re.compile(r"^[\s\"'\u201c\u00ab\u00bf\u00a1]*(?:" + "|".join(
                       f"(?:{t})" for t in data["sentence_negators"]) + r")(?!\w)", re.IGNORECASE),
                   veto=words(data["derogations"], data["harm_terms"], claims),
                   negated_hate=words(data["negated_hate"]), affirm=words(data["affirmations"]),
                   endorse=words(data.get("endorsements", [])), speech=words(data.get("speech_cues", [])),
                   suggestion=words(data.get("suggestions", [])),
                   words=tuple(str(data.get("rewrite", {}).get(k, v)) for k, v in zip(  # type: ignore[arg-type]
                       ("report", "condemnation", "group", "group_singular"), cls.words, strict=True)))

    def _negated(self, text: str, start: int, near: int = _NEAR) -> bool:
        """Whether a negator governs the word at ``start``: one of the ``near`` words before it in
        its clause, or the clause's sentence opens with a sentence negator ("No X deserves ...")."""
        clause_start = max((m.end() for m in _CLAUSE_END.finditer(text, 0, start)), default=0)
        before = self.suggestion.sub(" ", text[clause_start:start])  # "why don't we X" suggests X
        tail = " ".join(_WORD.findall(before)[-near:])
        if self.negator.search(tail) or "n't" in tail.lower():
            return True
        sentence = max((m.end() for m in re.finditer(r"[.!?;]", text[:start])), default=0)
        return self.sentence_negator.match(text, sentence) is not None

    def _report(self, text: str) -> str | None:
        """``text`` with its reported hate replaced by "that" (None: no report, or it reports no hate)."""
        condemned = [m for m in self.condemn.finditer(text) if not self._negated(text, m.start())]
        for q in _QUOTE.finditer(text):
            inner = q.group(1) or q.group(2)
            outside = text[:q.start()] + " " + text[q.end():]
            if self._hateful(inner) and any(not q.start() <= m.start() < q.end() for m in condemned):
                return self._checked(self._plain(text, q.start(), q.end(), condemned, ""), outside)
        for cue in self.cues.finditer(text):
            sentence = max((m.end() for m in re.finditer(r"[.!?;]", text[:cue.start()])), default=0)
            after = [m for m in condemned if m.start() >= cue.end()]
            if self._negated(text, cue.start(), 2) or any(sentence <= m.start() < cue.start() for m in condemned):
                stop = _CLAUSE_END.search(text, cue.end())  # "stop calling X Y", "never say that X are Y"
                end = stop.start() if stop else len(text.rstrip())
            elif after:  # "saying that X are Y is racist", "if you call X Y, you are a bigot"
                span = text[cue.end():after[0].start()]
                comma = span.find(",")
                copulas = list(_COPULA.finditer(span))
                end = cue.end() + (comma if comma > 0 else copulas[-1].start() if copulas else len(span))
            else:
                continue
            if self._hateful(text[cue.start():end]):
                return self._checked(self._plain(text, cue.end(), end, condemned, " "), text[:cue.start()] + text[end:])
        return None

    def _hateful(self, report: str) -> bool:
        """Whether a reported text is hate about a group: it names one and a veto term or insult
        ("Saying that women are equal is a lie" reports no hate, so it is never rewritten)."""
        return bool(self.groups.search(report)) and (self.veto.search(report) is not None
                                                     or _insults().search(report) is not None)

    def _plain(self, text: str, start: int, end: int, condemned: list[re.Match[str]], space: str) -> str:
        """``text`` with ``text[start:end]`` replaced by the report word and each condemnation
        outside it by the condemnation word (the head reads "racist" or "bigot" as hate)."""
        out, at = [], 0
        for m in condemned:
            if start <= m.start() < end or m.start() < at:
                continue
            if m.start() >= end > at:
                out += [text[at:start], space + self.words[0]]
                at = end
            out += [text[at:m.start()], self.words[1]]
            at = m.end()
        if at <= start:
            out += [text[at:start], space + self.words[0]]
            at = end
        return "".join([*out, text[at:]])

    def _checked(self, rewritten: str, remainder: str) -> str | None:
        """``rewritten``, unless the text outside the report names a derogatory, violent or
        dehumanising term that is not negated and not a condemnation ("disgusting" condemns)."""
        blame = [(m.start(), m.end()) for m in self.condemn.finditer(remainder)]
        for m in self.veto.finditer(remainder):
            if not self._negated(remainder, m.start()) and not any(a <= m.start() < b for a, b in blame):
                return None
        return rewritten

    def _identity(self, text: str) -> str | None:
        """``text`` with each group mention replaced by "people" (None: a veto holds, or no cue)."""
        if self.negated_hate.search(text):
            return None
        negated = False
        if any(not self._negated(text, m.start()) for m in self.condemn.finditer(text)):
            return None  # "Saying that X deserve rights is nonsense": a condemnation, but of no hate
        for m in (*self.veto.finditer(text), *_insults().terms.finditer(text)):
            if not self._negated(text, m.start()):
                return None
            negated = True
        rest = self.groups.sub(" ", text)
        if not negated and not self.affirm.search(rest) and not _EQUATES.fullmatch(rest):
            return None
        return self.groups.sub(self._noun, text)

    def _noun(self, m: re.Match[str]) -> str:
        """The neutral noun for a group mention: plural unless the mention is singular."""
        mention = m.group(0)
        noun = self.words[2] if mention.lower().endswith(("s", "men", "people", "ren", "ten", "tes")) else self.words[3]
        return noun[:1].upper() + noun[1:] if mention[:1].isupper() else noun

    def endorsed(self, text: str) -> str | None:
        """The hateful statement ``text`` quotes or reports and then endorses (None: none): an
        endorsement outside it, not negated and not in a question, and a quotation (or the words
        after a speech cue, to the sentence end or the endorsement) that names a protected group
        and a derogatory, dehumanising or violent term ("My grandpa said, 'Jews are vermin.' He
        was right." -> "Jews are vermin.")."""
        for e in self.endorse.finditer(text):
            stop = _STOP.search(text, e.end())
            if self._negated(text, e.start()) or (stop is not None and stop.group() == "?"):
                continue
            for q in _QUOTE.finditer(text):
                inner = q.group(1) or q.group(2)
                if not q.start() <= e.start() < q.end() and self._hateful(inner):
                    return inner
            for cue in self.speech.finditer(text):
                end = _STOP.search(text, cue.end())
                end_at = end.start() if end else len(text)
                if cue.end() <= e.start() < end_at:
                    end_at = e.start()
                reported = _trim(text[cue.end():end_at])
                if not cue.start() <= e.start() < cue.end() and self._hateful(reported):
                    return reported
        return None

    def rewrite(self, text: str) -> tuple[str, str] | None:
        """(kind, re-read) for a view that names a protected group: ``report`` (reported hate
        replaced) first, else ``identity`` (group nouns replaced); None when neither holds."""
        if not self.groups.search(text):
            return None
        report = self._report(text)
        if report is not None:
            return "report", report
        swapped = self._identity(text)
        return ("identity", swapped) if swapped is not None and swapped != text else None


def _trim(span: str) -> str:
    """``span`` without the punctuation around it and a last "and" ("X are vermin, and" -> "X are vermin")."""
    words = span.strip(_TRIM).rsplit(None, 1)
    if len(words) == 2 and words[1].lower() in _AND:
        return words[0].strip(_TRIM)
    return span.strip(_TRIM)


@lru_cache(maxsize=1)
def _insults() -> InsultLexicon:
    return InsultLexicon.load()


@lru_cache(maxsize=4)
def lexicon(path: str | None = None) -> CounterLexicon:
    """The lexicon at ``path`` (default: the shipped one), compiled once per path."""
    return CounterLexicon.load(path)


def damp_counter_speech(options: CounterOptions, encoder: EncoderLike,
                        raw_scores: Callable[[np.ndarray], dict[str, float]], thresholds: Mapping[str, float],
                        groups: Sequence[list[tuple[str, bool]]], raws: list[list[dict[str, float]]]) -> None:
    """Lower, in place, the ``hate`` output of each short view flagged for hate whose re-read
    (``CounterLexicon.rewrite``) scores at most ``counter_accept`` times the hate threshold.

    ``groups``: per checked text, ``(text, is_segment)`` pairs as the guard embeds them (the first
    is the view); ``raws[g][0]`` its head outputs; ``raw_scores`` turns window vectors, shape
    (n, dim), into head outputs; ``thresholds``: the head's calibrated thresholds (hate, and
    violence / harassment, whose flag vetoes the ``identity`` re-read). A view that endorses a
    hateful quotation or report (``CounterLexicon.endorsed``, ``counter_endorsed``; hate at
    least ``QUIET``), flagged or not, is never lowered: its hate becomes the larger of its own
    and the statement's. One ``embed_windows_batch`` call at most; the dicts in ``raws`` are
    replaced, never mutated."""
    if not options.counter_speech or not options.counter_chars or "hate" not in thresholds:
        return
    lex = lexicon(options.counter_lexicon)
    bar = float(thresholds["hate"])
    jobs: list[tuple[int, str]] = []
    lifts: set[int] = set()
    for g, group in enumerate(groups):
        if not group or group[0][1] or len(group[0][0]) > options.counter_chars:
            continue
        hate = raws[g][0].get("hate", 0.0)
        said = lex.endorsed(group[0][0]) if options.counter_endorsed and hate >= QUIET else None
        if said is not None:  # "As my grandpa said, 'X are vermin.' He was right."
            jobs.append((g, said))
            lifts.add(g)
            continue
        if hate < bar:
            continue
        hit = lex.rewrite(group[0][0])
        if hit is None:
            continue
        kind, text = hit
        flagged = any(raws[g][0].get(c, 0.0) >= float(thresholds.get(c, 0.5)) for c in ("violence", "harassment"))
        if kind == "identity" and flagged:
            continue
        jobs.append((g, text))
    if not jobs:
        return
    for (g, _), windows in zip(jobs, encoder.embed_windows_batch([t for _, t in jobs]), strict=True):
        again = raw_scores(windows).get("hate", 1.0)
        if g in lifts:
            raws[g][0] = {**raws[g][0], "hate": max(raws[g][0].get("hate", 0.0), again)}
        elif again <= options.counter_accept * bar:
            raws[g][0] = {**raws[g][0], "hate": min(raws[g][0]["hate"], again)}
