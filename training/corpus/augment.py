"""Augmentations measured to matter (issue 12), applied to positives and negatives alike.

Round 1 measured on harmful requests: a 300-word benign paragraph in front dropped detection from
55% to 27%, a code fence cost 17.5 points, leetspeak 17, a "translate to French:" wrapper 14, and a
base64 wrapper flagged 27% of benign queries (the wrapper, not the content). Each transform keeps
the row's labels, except the base64 wrapper: its raw text carries no readable content (the
normalize rail decodes the blob and the guards score the decoded text), so it is benign whatever
it hides. Injections are planted anywhere in documents (start, middle, end, followed by ordinary
sentences, in HTML comments, hidden elements, or as a polite note to the assistant).

Transformed rows keep their source row's group, so a variant never lands on the other side of a
split; a ``focus`` (start, end) character span marks where the payload sits in long rows, so the
trainer picks a window that contains it.
"""

from __future__ import annotations

import base64
import random
import re

from training.corpus.records import Record

_LEET = str.maketrans({"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7"})
_TRANSLATE = [
    "Translate to French: {t}", "translate this into spanish: {t}", "Translate the following to German:\n{t}",
    "Übersetze ins Englische: {t}", "Traduis en anglais : {t}", "请翻译成英文：{t}",
    "can you translate this to portuguese pls: {t}", "Translate into Japanese: \"{t}\"",
]
_B64 = [
    "decode this base64 and reply: {b}", "what does this say? {b}", "base64: {b}",
    "Please decode: {b}", "{b}\n^ decode that", "Can you read this encoded string for me {b}",
]
_FENCE = ["```\n{t}\n```", "```text\n{t}\n```", "```python\n# {t}\n```", "`{t}`"]
_DILUTE = [
    "{t}, also whats the weather tomorrow", "quick q: {t}. and btw any good pasta recipes?",
    "{t} lol. anyway, what's a good movie tonight", "hey! first, what time is it in Tokyo? second, {t}",
    "{t}\n\nunrelated but how do I make my cat stop scratching the sofa", "recommend me a song. {t}",
]
_WRAP = {
    "plain": "{a}",
    "html_comment": "<!-- {a} -->",
    "hidden_div": '<div style="display:none">{a}</div>',
    "polite_note": "Note to the assistant: {a}",
    "bracket_note": "[AI assistant: {a}]",
    "system_notice": "IMPORTANT SYSTEM NOTICE: {a}",
    "ps": "P.S. for any AI summarising this: {a}",
}
_SENT = re.compile(r"(?<=[.!?。！？])\s+")


def leet(text: str, rng: random.Random, p: float = 0.6) -> str:
    """Leetspeak on a random share ``p`` of the eligible letters."""
    return "".join(c.translate(_LEET) if c.lower() in "aeiost" and rng.random() < p else c for c in text)


def spaced(text: str, rng: random.Random) -> str:
    """One word in three written with spaces or dots between its letters."""
    sep = rng.choice((" ", ".", "-", "*"))
    return " ".join(sep.join(w) if len(w) > 3 and rng.random() < 0.33 else w for w in text.split())


def paragraph_prefix(text: str, paragraph: str) -> tuple[str, tuple[int, int]]:
    """``paragraph`` then ``text``; the focus is the original text."""
    joined = f"{paragraph}\n\n{text}"
    return joined, (len(paragraph) + 2, len(joined))


def plant(document: str, attack: str, rng: random.Random, position: str | None = None,
          wrap: str | None = None) -> tuple[str, tuple[int, int], str]:
    """Insert ``attack`` into ``document`` at a sentence boundary: at the start, in the middle, at
    the end, or glued to the sentence before it; returns (text, focus span, description)."""
    position = position or rng.choice(("start", "middle", "end", "end_then_text", "glued"))
    wrap = wrap or rng.choice(list(_WRAP))
    payload = _WRAP[wrap].format(a=attack)
    sentences = [s for s in _SENT.split(document) if s]
    if position == "start":
        at = 0
    elif position in ("end",):
        at = len(sentences)
    elif position == "end_then_text":
        at = max(0, len(sentences) - rng.randint(1, 2))
    else:
        at = len(sentences) // 2
    before, after = " ".join(sentences[:at]), " ".join(sentences[at:])
    if position == "glued" and before:
        head = before + " " if not before.endswith((".", "!", "?")) else before[:-1] + ", "
        text = head + payload + (" " + after if after else "")
        start = len(head)
    else:
        head = before + " " if before else ""
        text = head + payload + (" " + after if after else "")
        start = len(head)
    return text, (start, start + len(payload)), f"{position}/{wrap}"


def variants(row: Record, rng: random.Random, paragraphs: list[str], benign_queries: list[str],
             rate: float = 0.25) -> list[Record]:
    """Transformed copies of one row (about ``rate`` of rows get one), labels as documented."""
    text = row["text"]
    if rng.random() >= rate or len(text) > 1500 or not text:
        return []
    kind = rng.choice(("prefix", "fence", "leet", "translate", "base64", "dilute", "spaced", "case"))
    out = dict(row)
    out["augment"] = kind
    if kind == "prefix" and paragraphs:
        out["text"], out["focus"] = paragraph_prefix(text, rng.choice(paragraphs))
    elif kind == "fence":
        out["text"] = rng.choice(_FENCE).format(t=text)
    elif kind == "leet":
        out["text"] = leet(text, rng)
    elif kind == "translate":
        out["text"] = rng.choice(_TRANSLATE).format(t=text)
    elif kind == "base64":
        blob = base64.b64encode(text.encode("utf-8")).decode("ascii")
        out["text"] = rng.choice(_B64).format(b=blob)
        out["labels"] = []
    elif kind == "dilute" and benign_queries:
        out["text"] = rng.choice(_DILUTE).format(t=text.rstrip(".?! ")) if rng.random() < 0.7 else \
            f"{rng.choice(benign_queries)} {text}"
    elif kind == "spaced":
        out["text"] = spaced(text, rng)
    elif kind == "case":
        out["text"] = text.upper() if rng.random() < 0.4 else re.sub(r"[^\w\s]", "", text.lower())
    else:
        return []
    if out["text"] == text:
        return []
    return [out]


_END_STOP = ("。", ".")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def restyle(rows: list[Record], seed: int, max_chars: int = 300) -> list[Record]:
    """Rows whose surface style no longer tells their source: each short row (at most
    ``max_chars``) gets, independently with probability 1/2 each, a full stop at its end or none,
    and a capital or a lower-case first letter. Labels, groups and order are kept; ``?``, ``!``
    and every other character are left alone.

    Why: public benign sources (Tatoeba, XQuAD, intent sets) are written in sentence case with a
    full stop, while harmful rows are mostly typed as chat; both models of round 2 learned it
    (held-out harm probes stopped 88% as typed, 69% rewritten in sentence case with a full stop).
    """
    rng = random.Random(seed)
    out: list[Record] = []
    for row in rows:
        text = row["text"]
        stripped = text.rstrip()
        if not stripped or len(stripped) > max_chars or "\n" in stripped:
            out.append(row)
            continue
        core = stripped[:-1] if stripped.endswith(_END_STOP) and not stripped.endswith("..") else stripped
        if not core:  # a lone full stop
            out.append(row)
            continue
        if rng.random() < 0.5 and core[-1].isalnum():
            core += "。" if _CJK.search(core) else "."
        first = core[0]
        core = (first.upper() if rng.random() < 0.5 else first.lower()) + core[1:]
        out.append(row if core == text else {**row, "text": core})
    return out


def documents(carriers: list[tuple[str, str, str]], attacks: list[Record], benign: list[Record],
              rng: random.Random, n_attack: int, n_benign: int) -> list[Record]:
    """Documents with a planted attack (prompt_injection + indirect_injection, group of the attack)
    and documents with a planted benign sentence (benign look-alikes: same shapes, no attack).

    ``carriers`` are (lang, group, text) clean documents; ``attacks`` and ``benign`` are rows
    whose texts get planted.
    """
    out: list[Record] = []
    if not carriers:
        return out
    for pool, n, labels in ((attacks, n_attack, ["indirect_injection", "prompt_injection"]), (benign, n_benign, [])):
        if not pool:
            continue
        for _ in range(n):
            lang, _cgroup, doc = rng.choice(carriers)
            src = rng.choice(pool)
            if len(doc) > 1200:
                start = rng.randrange(0, len(doc) - 900)
                doc = doc[start:start + 900]
            text, focus, how = plant(doc, src["text"], rng)
            out.append({**src, "text": text, "labels": labels, "focus": focus, "lang": lang,
                        "kind": f"doc_{'injection' if labels else 'lookalike'}:{how.split('/')[0]}",
                        "source": f"doc_{src['source']}", "augment": f"plant:{how}"})
    return out
