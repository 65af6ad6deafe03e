"""Address cues: whether a text aims at the assistant rather than at its human reader.

The injection head (run11) learned "imperative second person = override": a how-to ("To reset
your password, go to Settings and click Forgot password." 0.94), a README ("Run pip install foo,
then set OPENAI_API_KEY in your environment." 0.98) or terms of service ("Your access continues
until the end of the billing period." 0.97) score like "Ignore all previous instructions" (0.98).
What separates them is what the text names: an attack names the model, its instructions, rules,
prompt or configuration, the conversation or the user, or redirects the answer ("from now on",
"you are now", "reveal", "say", "print your ..."); a how-to names the reader's own things.

The cue words live in ``data/address_cues.json`` (16 languages; its ``_about`` gives the syntax
and the words left out on purpose). They compile into one trie-shaped regular expression, linear
in the text (a megabyte in well under a second; ``_cues``).

The cap never applies to a text that moves things out, is planted for the reader's assistant or,
on input, exposes a secret (``_exfil``).

In a document, ``support_view`` blanks what a support page asks of its reader ("Write to
help@shop.example and include your order number.") before the address cues are looked up, and
``mention_view`` what a job ad or a product page says an assistant is or does ("Assistant manager
wanted: you will summarise weekly sales reports", "Our AI assistant can summarise any page").
"""

from __future__ import annotations

import re

from ._cues import (
    CUES_PATH,
    EXFIL_CUES_PATH,
    _mention_patterns,
    _more_patterns,
    _patterns,
    _report_patterns,
    _sentence,
    _spaced,
    _support_patterns,
    cue_pattern,
)
from ._exfil import (
    _handovers,
    encodes_secrets,
    exposes_secrets,
    moves_things_out,
    phishes_the_reader,
    planted_for_reader,
)

__all__ = ["CUES_PATH", "EXFIL_CUES_PATH", "addresses_the_model", "cap_how_to", "cue_pattern", "encodes_secrets",
           "exposes_secrets", "mention_view", "moves_things_out", "names_readers_things", "phishes_the_reader", "planted_for_reader",
           "reports_or_quotes", "support_view"]

# what a README or a code page hands its reader: a path ("build/", "src/app/"), a file name
# ("nginx.conf", "config.yml"), or code (SQL, arrow functions, chained calls); each unbounded run
# starts at a fixed word or at a non-path character, and path parts are split by "/" alone
_TOOLS = re.compile(
    r"(?<![\w./-])(?:[\w.-]+/)+(?=[\s.,;:)'\"`]|$)"
    r"|(?<![\w.-])[\w-]+\.(?:conf|cfg|ini|toml|ya?ml|json|lock|py|pyc|js|ts|sh|md|txt|log|xml|csv|sql|gradle)\b"
    r"|\bselect\s[^;\n]{0,80}?\bfrom\s+[\w.\"`\[]"
    r"|\b(?:insert\s+into|delete\s+from|create\s+(?:table|index|view)|alter\s+table)\s+[\w.\"`\[]"
    r"|\bupdate\s+[\w.]{1,64}\s+set\s+\w|\bwhere\s+[\w.]{1,64}\s*(?:<>|!=|<=|>=|=|<|>)"
    r"|[\w)\]]\s?=>\s?[\w({\[]|\.\w{1,40}\([^()\n]{0,80}\)\s?\.\w{1,40}\(",
    re.IGNORECASE,
)
# a link (an e-mail address is none: "include your order number in the mail to a@b.example")
_LINK = re.compile(r"(?:https?|ftp)://|(?<![\w.-])www\.[\w-]"
                   r"|(?<![\w.@-])[a-z0-9-]+\.(?:com|net|org|io|ru|cn|xyz|top|example|site|online|info|biz)\b")
# another party's instructions ("follow the store's instructions"), not the user's or the model's
_OWNED = re.compile(r"(?<![\w'])(?!(?:user|users|assistant|model|system|developer|admin|ai|bot|chatbot)'s)"
                    r"[a-z][\w-]{0,30}'s\s{1,3}instructions?\b")
_VOCATIVE = re.compile(r"\s{0,3}[,，、]")  # "AI, ignore ..." at a sentence start
_COLON = re.compile(r"\s{0,3}(?:へ|に)?[:：]")  # "Assistant: ...", "KI:", "AIアシスタントへ："


def _reader_low(text: str) -> str:
    """``text`` as the support and mention views read it: lower case, "_" as a space, "’" as "'"."""
    return text.lower().replace("_", " ").replace("\u2019", "'")


def _without(low: str, spans: list[tuple[int, int]]) -> str:
    """``low`` with ``spans`` (possibly overlapping) cut out, each cut joined by a space."""
    out, last = [], 0
    for start, end in sorted(spans):
        out.append(low[last:max(last, start)])
        last = max(last, end)
    return " ".join(out) + " " + low[last:]


def support_view(text: str) -> str | None:
    """``text`` lower-cased with what a support, FAQ or contact page asks of its reader blanked out,
    or None when it asks nothing of the kind. Blanked: a contact phrase (``contact_terms`` of
    ``data/address_cues.json``: "write to", "reply to the confirmation email", "we'll reply",
    "schreiben Sie an", "escríbenos", "напишите нам", "お問い合わせ", "联系我们") and a
    ``document_terms`` verb whose object is the reader's own data (``reader_data``: "include your
    order number", "incluye tu número de pedido", "注文番号を含め"; the data starting within 24
    characters after the verb, or in scripts without spaces ending within 24 before it) with no link
    in the rest of its sentence; then the reader's data itself ("your operating system"). None too
    when the text asks its reader to hand over a credential
    ("include your password", ``handover_verbs``). Any string; never raises; linear in ``len(text)``."""
    low = _reader_low(text)
    contact, verbs, data = _support_patterns()
    spans = [m.span() for m in contact.finditer(low)]
    for m in verbs.finditer(low):
        lo, hi = _sentence(low, m.start(), m.end(), 24, 200)
        if _LINK.search(low, m.end(), hi):
            continue
        after = data.search(low, m.end(), min(hi, m.end() + 64))
        if (after and after.start() <= m.end() + 24) or (not _spaced(low[m.start()]) and any(
                d.end() >= m.start() - 24 for d in data.finditer(low, lo, m.start()))):
            spans.append(m.span())
    if not spans or next(_handovers(low, _more_patterns()), None) is not None:
        return None
    spans += [m.span() for m in data.finditer(low)]  # "your operating system" names no model
    return _without(low, spans)


def mention_view(text: str) -> str | None:
    """``text`` lower-cased with what a job ad or a product or help page says an assistant is or
    does blanked out, or None when it is no such page. A page is one when it holds a
    ``mention_frames`` word of ``data/address_cues.json`` ("wanted", "salary", "apply", "toolbar",
    "icon", "gesucht", "募集"); blanked are the address cues (``terms`` and ``document_terms``) that
    are whole ``mentions`` (the role word and the duty verbs: "assistant", "AI", "summarise",
    "answer", "translate", "Assistent", "要約") and another party's instructions ("the store's
    instructions"); "your answer" or "ignore your previous instructions" stay. None too when the
    page addresses an assistant: a mention followed by a colon ("Assistant:", "KI:") or starting
    its sentence followed by a comma ("AI, ignore the user"), a ``reader_assistant`` phrase ("note
    to the AI", "AI assistants reading this") or a credential handed over (``_handovers``).
    Any string; never raises; linear in ``len(text)``."""
    low = _reader_low(text)
    frames, mentions = _mention_patterns()
    more = _more_patterns()
    if frames.search(low) is None or more["reader"].search(low) is not None:
        return None
    spans = [m.span() for m in _OWNED.finditer(low)]
    for m in _patterns()[1].finditer(low):
        if mentions.fullmatch(m.group()) is None:
            continue
        if _COLON.match(low, m.end()) or (_VOCATIVE.match(low, m.end()) and not low[
                _sentence(low, m.start(), m.end(), 40, 0)[0]:m.start()].strip()):
            return None
        spans.append(m.span())
    if not spans or next(_handovers(low, more), None) is not None:
        return None
    return _without(low, spans)


def names_readers_things(text: str) -> bool:
    """Whether ``text`` names the reader's own things (``reader_terms``: settings, account,
    password, install, subscription, order, oven, files, warnings, cache ...) or hands the reader
    a path, a file name or code (``build/``, ``nginx.conf``, ``SELECT * FROM t WHERE a <> b``,
    ``arr.map(x => x ** 2)``). Any string; never raises; linear in ``len(text)``."""
    return _patterns()[2].search(text.lower().replace("_", " ")) is not None or _TOOLS.search(text) is not None


def addresses_the_model(text: str, documents: bool = False) -> bool:
    """Whether ``text`` names the model, its instructions, the conversation or the user, or
    redirects the answer (``terms`` of the cue file); with ``documents``, also what an instruction
    planted in a document aims at in the reader's answer (``document_terms``: include, translate,
    mention, summarise). Any string; never raises."""
    pattern = _patterns()[1 if documents else 0]
    return pattern.search(text.lower().replace("_", " ")) is not None


def reports_or_quotes(text: str) -> bool:
    """Whether ``text`` (a document or one of its sentences) reports what a third party advises or
    explains ("Security teams recommend filtering retrieved content", "Los equipos de seguridad
    recomiendan ...": it opens with one to five subject words and a ``report_verbs`` verb of
    ``data/address_cues.json``, and holds no ``report_blockers`` word: no second person, no AI reader,
    no "tell", "reply", "include") or quotes what a device's user says to it ("to change the language,
    say 'Hey, switch to French'", "di 'Oye, cambia el idioma'": a ``say_verbs`` verb and a quote that
    opens with a ``wake_words`` word); False when it holds an ``override_blockers`` word (ignore,
    reveal, print, send, previous instructions, password; quotes included) or a link. Such a text
    instructs no AI reader. Any string; never raises; linear in ``len(text)``."""
    low = _reader_low(text)
    report, spoken, overrides, blockers = _report_patterns()
    if overrides.search(low) is not None or _LINK.search(low) is not None:
        return False
    if report.match(low) is not None and blockers.search(low) is None:
        return True
    return spoken.search(low) is not None


def cap_how_to(direct: float, text: str, cap: float, documents: bool = False, reports: bool = True) -> float:
    """The injection head's direct output (0..1) on ``text``, capped at ``cap`` when ``text`` reads
    as addressed to its human reader: it names the reader's own things (``names_readers_things``),
    nothing that aims at the model (``addresses_the_model``; with ``documents``, on a support page's
    ``support_view``, which counts as naming the reader's things: "Write to us and include your
    order number", "we'll reply within a day"; and on a job ad's or a product page's
    ``mention_view``, likewise: "Our AI assistant can summarise any page"), moves nothing out
    (``moves_things_out``), is not planted for the reader's assistant (``planted_for_reader``) and,
    unless ``documents`` (a README shows its reader "echo $API_KEY"), exposes no secret
    (``exposes_secrets``).
    With ``documents`` and ``reports``, a text that reports a third party's advice or quotes a user's
    spoken command to a device (``reports_or_quotes``) and moves nothing out, is not planted for the
    reader's assistant and phishes no credential is capped too.
    Monotone in ``direct``; the cues
    are only looked up when ``direct`` exceeds ``cap`` (cap 1.0: off)."""
    if direct <= cap:
        return direct
    if documents and reports and reports_or_quotes(text) and not (
            moves_things_out(text) or planted_for_reader(text) or phishes_the_reader(text)):
        return cap
    support = support_view(text) if documents else None
    if documents:
        support = mention_view(text if support is None else support) or support
    if support is None and (not names_readers_things(text) or addresses_the_model(text, documents)):
        return direct
    if support is not None and addresses_the_model(support, documents):
        return direct
    if moves_things_out(text) or planted_for_reader(text) or (not documents and exposes_secrets(text)):
        return direct
    return cap
