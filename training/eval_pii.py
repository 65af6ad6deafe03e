"""Entity-level precision/recall of the ``pii`` guard on presidio-research's synthetic sentences.

    python training/eval_pii.py [--data ../shared/datasets/train/presidio_pii] [--ner] [--json OUT]

A prediction counts as a true positive when it overlaps a gold span of the same (mapped) type;
each gold span is matched at most once. A development figure: the guard's patterns were written
while looking at this data (it is in the TRAIN pool), so it is not a held-out estimate.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tako_rules.pii import PiiGuard

from guardrails.protocol import CheckContext

GOLD_MAP = {
    "EMAIL_ADDRESS": "EMAIL", "PHONE_NUMBER": "PHONE", "CREDIT_CARD": "CREDIT_CARD",
    "IBAN_CODE": "IBAN", "US_SSN": "US_SSN", "IP_ADDRESS": "IP_ADDRESS", "ADDRESS": "ADDRESS",
    "PERSON": "PERSON", "LOCATION": "LOCATION", "ORGANIZATION": "ORGANIZATION",
    "DATE_TIME": "DATE_OF_BIRTH",
}
DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared/datasets/train/presidio_pii"


def load_rows(data: Path) -> list[dict]:
    """Every row of the presidio generated_*.json files."""
    rows: list[dict] = []
    for name in ("generated_small.json", "generated_large.json"):
        rows += json.loads((data / name).read_text("utf-8"))
    return rows


def evaluate(guard: PiiGuard, rows: list[dict]) -> dict[str, dict[str, float]]:
    """Per-entity tp/fp/fn, precision, recall, F1 (overlap matching, same type)."""
    stats: dict[str, dict[str, float]] = {}
    for row in rows:
        text = row["full_text"]
        gold = [
            (s["start_position"], s["end_position"], GOLD_MAP[s["entity_type"]])
            for s in row["spans"]
            if s["entity_type"] in GOLD_MAP
        ]
        pred = [(f.start, f.end, f.label) for f in guard.find(text)]
        used: set[int] = set()
        for ps, pe, pl in pred:
            st = stats.setdefault(pl, {"tp": 0, "fp": 0, "fn": 0})
            hit = next(
                (i for i, (gs, ge, gl) in enumerate(gold) if i not in used and gl == pl and ps < ge and gs < pe),
                None,
            )
            if hit is None:
                st["fp"] += 1
            else:
                used.add(hit)
                st["tp"] += 1
        for i, (_, _, gl) in enumerate(gold):
            if i not in used:
                stats.setdefault(gl, {"tp": 0, "fp": 0, "fn": 0})["fn"] += 1
    for st in stats.values():
        tp, fp, fn = st["tp"], st["fp"], st["fn"]
        st["precision"] = round(tp / (tp + fp), 3) if tp + fp else float("nan")
        st["recall"] = round(tp / (tp + fn), 3) if tp + fn else float("nan")
        p, r = st["precision"], st["recall"]
        st["f1"] = round(2 * p * r / (p + r), 3) if tp else 0.0
    return dict(sorted(stats.items()))


def main(argv: list[str] | None = None) -> None:
    """Print a markdown table of per-entity precision/recall."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--ner", action="store_true", help="also PERSON/LOCATION/ORGANIZATION (extra ner)")
    ap.add_argument("--leniency", default="possible", choices=["valid", "possible"])
    ap.add_argument("--regions", default="US", help="comma-separated phone regions")
    ap.add_argument("--no-phonenumbers", action="store_true")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    cfg = PiiGuard.Config(
        ner=args.ner, phone_leniency=args.leniency, phone_regions=args.regions.split(","),
        use_phonenumbers=not args.no_phonenumbers,
    )
    guard = PiiGuard(cfg)
    rows = load_rows(args.data)
    stats = evaluate(guard, rows)
    print(f"rows: {len(rows)}  phone engine: {guard.detectors.phone_engine}  ner: {args.ner}")
    print("| entity | gold | predicted | TP | precision | recall | F1 |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, st in stats.items():
        gold, predicted = st["tp"] + st["fn"], st["tp"] + st["fp"]
        print(f"| {label} | {gold} | {predicted} | {st['tp']} | {st['precision']} | {st['recall']} | {st['f1']} |")
    if args.json:
        args.json.write_text(json.dumps(stats, indent=2))
    _ = CheckContext  # the guard is used directly; no pipeline needed


if __name__ == "__main__":
    main()
