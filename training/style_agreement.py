"""Measure the moderation guard's style-agreement stage on the train-side validation split.

    python -m training.style_agreement [--out training/figures_style_agreement.json]

Runs the default input policy (``Guard.default()``'s rails, the product's path) with the stage
off and on over the validation rows of the slices it can move (harm_en, harm_multilingual,
benign_multilingual, benign_chat, benign_social), each as written and in the typed restyle (the
first letter in lower case, one closing full stop removed: ``training.corpus.augment``), and
prints, per slice and style, the share flagged by a model category before -> after (harm: caught;
benign: false positives), plus the harassment rows of the harm slices. Validation split only,
never dev-eval. The "on" pass re-checks only texts whose harassment score reaches the head's
threshold with the stage off: the stage reads no other text, so the rest cannot change.
"""

from __future__ import annotations

import argparse
import copy
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

SLICES = ("harm_en", "harm_multilingual", "benign_multilingual", "benign_chat", "benign_social")
MODEL = frozenset({"prompt_injection", "jailbreak", "hate", "harassment", "sexual", "sexual_minors",
                   "self_harm", "violence", "illicit", "privacy"})


def typed(text: str) -> str:
    """``text`` typed as chat: one closing full stop dropped, the first letter in lower case."""
    from training.corpus.augment import _END_STOP

    core = text.rstrip()
    if core.endswith(_END_STOP) and not core.endswith(".."):
        core = core[:-1].rstrip()
    return core[:1].lower() + core[1:] if core else text


def _guard(**config: Any) -> Any:
    import yaml

    import guardrails

    policy = yaml.safe_load(Path(guardrails.__file__).with_name("default_policy.yaml").read_text(encoding="utf-8"))
    policy = copy.deepcopy(policy)
    for rail in policy["input"]:
        if rail.get("guard") == "moderation":
            rail.setdefault("config", {}).update(config)
    return guardrails.Guard.from_policy(policy)


def measure(batch: int = 32) -> dict[str, Any]:
    """Per ``slice/style``: rows flagged (any model category triggered) off and on, and n."""
    from training.corpus import build
    from training.corpus.slices import slices_of

    _, validation = build("shipped")
    rows = [(r, [s for s in slices_of(r) if s in SLICES]) for r in validation]
    rows = [(r, s) for r, s in rows if s]
    off, on = _guard(style_agreement=False), _guard()
    bar = off.thresholds("input")["moderation"]["harassment"]
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    changed: list[dict[str, Any]] = []
    jobs = [(r, s, style, r["text"] if style == "orig" else typed(r["text"]))
            for r, s in rows for style in ("orig", "typed")]
    for k in range(0, len(jobs), batch):
        chunk = jobs[k:k + batch]
        for (r, sl, style, text), d in zip(chunk, off.check_input_batch([j[3] for j in chunk]), strict=True):
            before = bool(set(d.triggered) & MODEL)
            after = before
            if d.categories.get("harassment", 0.0) >= bar:
                after = bool(set(on.check_input(text).triggered) & MODEL)
                if after != before:
                    changed.append({"text": text, "style": style, "labels": r["labels"], "lang": r.get("lang", "en")})
            keys = [f"{s}/{style}" for s in sl]
            keys += [f"{s}:harassment/{style}" for s in sl if s.startswith("harm") and "harassment" in r["labels"]]
            for key in keys:
                c = counts[key]
                c[0] += before
                c[1] += after
                c[2] += 1
    return {"bar": bar, "slices": {k: {"before": b, "after": a, "n": n} for k, (b, a, n) in sorted(counts.items())},
            "changed": changed}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="write the figures (JSON) here")
    args = parser.parse_args(argv)
    figures = measure()
    for key, v in figures["slices"].items():
        n = v["n"]
        print(f"{key:40s} {v['before']:5d} -> {v['after']:5d} of {n:5d}  "
              f"{v['before'] / n:7.2%} -> {v['after'] / n:7.2%}")
    if args.out:
        args.out.write_text(json.dumps(figures, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
