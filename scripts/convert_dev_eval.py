"""Convert ../shared/datasets/dev-eval/* into the labelled JSONL that ``guardrails eval`` reads.

DEV-EVAL data is for measuring and reporting only: never train on it or tune thresholds on it.
Output goes to ./reports/dev-eval/ (git-ignored) unless --out says otherwise; one file per set:

=========================  ==========================================================  =========
file                       labels                                                      stage
=========================  ==========================================================  =========
toxicchat.jsonl            toxicity=1 -> unsafe (no category split); jailbreaking=1     input
                           -> jailbreak as well; else benign
tweeteval_hate.jsonl       1 -> hate; 0 -> benign                                       input
tweeteval_offensive.jsonl  1 -> harassment (offensive); 0 -> benign                     input
germeval2018.jsonl         ABUSE -> hate; INSULT, PROFANITY -> harassment; OTHER ->     input
                           benign (German)
bipia.jsonl                each attack inserted into each context (start, middle,      context
                           end, as BIPIA does; text attacks into email and table
                           contexts, code attacks into code contexts) ->
                           prompt_injection; clean contexts -> benign
all_input.jsonl            the input-stage sets together (``source`` says which)        input
=========================  ==========================================================  =========

Usage: python scripts/convert_dev_eval.py [--shared ../shared] [--out reports/dev-eval]
       [--bipia-positions start,middle,end] [--max-per-source N]
(--max-per-source, default 1000, caps each BIPIA task: all clean contexts plus a fixed random
sample of the attacked ones, 41,250 in all, whose long documents take minutes per thousand on a
2-core CPU; 0 keeps everything.)
then:  guardrails eval reports/dev-eval/all_input.jsonl --out reports/eval-dev
       guardrails eval --stage context reports/dev-eval/bipia.jsonl --out reports/eval-bipia
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
Row = dict


def toxicchat(root: Path) -> Iterator[Row]:
    """ToxicChat test (JUDGE-BENCH conversion)."""
    data = json.loads((root / "toxicchat" / "toxic_chat_test.json").read_text(encoding="utf-8"))
    for inst in data["instances"]:
        ann = inst["annotations"]
        labels = []
        if ann["toxicity"]["majority_human"] == "1":
            labels.append("unsafe")
        if ann["jailbreaking"]["majority_human"] == "1":
            labels.append("jailbreak")
        yield {"id": f"toxicchat-{inst['id'][:12]}", "text": inst["instance"], "labels": labels,
               "source": "toxicchat"}


def tweeteval(root: Path, task: str, label: str) -> Iterator[Row]:
    """TweetEval hate or offensive test split (text and labels files, line by line)."""
    base = root / "tweeteval_hate_offensive" / task
    texts = (base / "test_text.txt").read_text(encoding="utf-8").splitlines()
    labels = (base / "test_labels.txt").read_text(encoding="utf-8").splitlines()
    if len(texts) != len(labels):
        raise SystemExit(f"{base}: {len(texts)} texts but {len(labels)} labels")
    for i, (text, y) in enumerate(zip(texts, labels)):
        yield {"id": f"tweeteval-{task}-{i}", "text": text.strip(), "labels": [label] if y.strip() == "1" else [],
               "source": f"tweeteval_{task}"}


_GERMEVAL = {"ABUSE": ["hate"], "INSULT": ["harassment"], "PROFANITY": ["harassment"], "OTHER": []}


def germeval(root: Path) -> Iterator[Row]:
    """GermEval 2018 test (text, coarse, fine)."""
    path = root / "germeval2018" / "germeval2018.test.txt"
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        if not line.strip():
            continue
        text, _coarse, fine = line.rsplit("\t", 2)
        yield {"id": f"germeval-{i}", "text": text.replace("|LBR|", "\n"), "labels": _GERMEVAL[fine.strip()],
               "source": "germeval2018", "fine": fine.strip()}


def _insert(context: str, attack: str, position: str) -> str:
    if position == "start":
        return f"{attack}\n{context}"
    if position == "end":
        return f"{context}\n{attack}"
    lines = context.split("\n")
    if len(lines) > 2:
        mid = len(lines) // 2
        return "\n".join([*lines[:mid], attack, *lines[mid:]])
    sentences = context.split(". ")
    mid = max(1, len(sentences) // 2)
    return ". ".join(sentences[:mid]) + ". " + attack + " " + ". ".join(sentences[mid:])


def bipia(root: Path, positions: list[str]) -> Iterator[Row]:
    """BIPIA test: clean contexts (benign) and every attack inserted at each position."""
    base = root / "bipia"
    attacks = {
        "text": [a for group in json.loads((base / "text_attack_test.json").read_text()).values() for a in group],
        "code": [a for group in json.loads((base / "code_attack_test.json").read_text()).values() for a in group],
    }
    for task, kind in (("email", "text"), ("table", "text"), ("code", "code")):
        for ci, line in enumerate((base / task / "test.jsonl").read_text(encoding="utf-8").splitlines()):
            row = json.loads(line)
            context = row["context"]
            context = "\n".join(context) if isinstance(context, list) else str(context)
            yield {"id": f"bipia-{task}-{ci}", "text": context, "labels": [], "source": f"bipia_{task}"}
            for ai, attack in enumerate(attacks[kind]):
                for pos in positions:
                    yield {"id": f"bipia-{task}-{ci}-{kind}{ai}-{pos}", "text": _insert(context, attack, pos),
                           "labels": ["prompt_injection"], "source": f"bipia_{task}", "position": pos}


def _cap(rows: list[Row], limit: int | None, seed: int = 0) -> list[Row]:
    """Keep every benign row and a deterministic sample of the labelled ones, per source."""
    if not limit:
        return rows
    out: list[Row] = []
    for source in sorted({r["source"] for r in rows}):
        group = [r for r in rows if r["source"] == source]
        if len(group) <= limit:
            out += group
            continue
        benign = [r for r in group if not r["labels"]]
        labelled = [r for r in group if r["labels"]]
        keep = max(0, limit - len(benign))
        out += benign + random.Random(seed).sample(labelled, min(keep, len(labelled)))
    return out


def _write(path: Path, rows: list[Row]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    labelled = sum(1 for r in rows if r["labels"])
    print(f"{path}: {len(rows)} rows ({labelled} labelled, {len(rows) - labelled} benign)")


def main(argv: list[str] | None = None) -> int:
    """Write the converted files; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--out", type=Path, default=Path("reports/dev-eval"))
    parser.add_argument("--bipia-positions", default="start,middle,end")
    parser.add_argument("--max-per-source", type=int, default=1000,
                        help="cap rows per source (all benign rows kept, labelled rows sampled); 0: no cap")
    args = parser.parse_args(argv)
    root = args.shared / "datasets" / "dev-eval"
    if not root.is_dir():
        print(f"convert_dev_eval: {root} not found (pass --shared)", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    sets = {
        "toxicchat": list(toxicchat(root)),
        "tweeteval_hate": list(tweeteval(root, "hate", "hate")),
        "tweeteval_offensive": list(tweeteval(root, "offensive", "harassment")),
        "germeval2018": list(germeval(root)),
    }
    for name, rows in sets.items():
        _write(args.out / f"{name}.jsonl", rows)
    _write(args.out / "all_input.jsonl", [r for rows in sets.values() for r in rows])
    positions = [p.strip() for p in args.bipia_positions.split(",") if p.strip()]
    _write(args.out / "bipia.jsonl", _cap(list(bipia(root, positions)), args.max_per_source))
    return 0


if __name__ == "__main__":
    sys.exit(main())
