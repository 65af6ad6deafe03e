"""Measure a built encoder + head on the dev-eval sets (measurement only, never training).

    python -m training.encoder.measure MODEL_DIR HEAD.head.json [--n N]

The three first-party model guards are built on the given encoder and head, exactly as the
plugin builds them, and scored with ``training.evaluate.measure`` (the same figures as the
round-1 model card and benchmarks/accuracy_baseline.json, so the two compare line by line).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any


def guards_on(model_dir: Path, head: Path) -> dict[str, Any]:
    """prompt_injection, jailbreak and moderation guards on ``model_dir``'s encoder and ``head``."""
    from tako_classifiers.guards import JailbreakGuard, ModerationGuard, PromptInjectionGuard

    from guardrails.protocol import Resources
    from guardrails.runtime.encoder import OnnxEncoder

    enc = OnnxEncoder(model_dir, name="default", intra_op_threads=1)
    res = Resources({"default": lambda: enc})
    h = str(head)
    return {"prompt_injection": PromptInjectionGuard(PromptInjectionGuard.Config(head=h), res),
            "jailbreak": JailbreakGuard(JailbreakGuard.Config(head=h), res),
            "moderation": ModerationGuard(ModerationGuard.Config(head=h), res)}


def main(argv: list[str] | None = None) -> int:
    from training import evalsets
    from training.evaluate import headline, measure

    p = argparse.ArgumentParser()
    p.add_argument("model_dir", type=Path)
    p.add_argument("head", type=Path)
    p.add_argument("--n", type=int, default=0, help="subsample each set to N rows (0: all)")
    p.add_argument("--out", type=Path)
    a = p.parse_args(argv)
    sets = evalsets.all_sets(600)
    if a.n:
        sets = evalsets.subsample(sets, a.n)
    t = time.perf_counter()
    fig = measure(guards_on(a.model_dir, a.head), sets)
    fig["seconds"] = round(time.perf_counter() - t, 1)
    fig["headline"] = headline(fig)
    text = json.dumps(fig, indent=1)
    if a.out:
        a.out.write_text(text + "\n", encoding="utf-8")
    print(json.dumps(fig["headline"], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
