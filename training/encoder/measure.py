"""Measure a built encoder + head on the dev-eval sets (measurement only, never training).

    python -m training.encoder.measure MODEL_DIR HEAD.head.json [--n N] [--out FIGURES.json]
    python -m training.encoder.measure --probes training/figures_probes.json
    python -m training.encoder.measure MODEL_DIR HEAD.head.json --validation training/figures_guard_path.json

The second form runs ``Guard.default()`` (the installed model and the default policy) on the
held-out probes ``tests/data/probes_r2.jsonl`` (harm in 15 languages, benign look-alikes,
violent-verb idioms; written apart from the training rows) and writes the share right per kind.

The third form runs the three model guards (int8 ONNX, segments, clause scoring: the product's
path, not the build's fp32 whole-row logits) on the train-side validation split with the default
policy's input thresholds, and writes the share flagged or caught per validation slice.

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


PROBES = Path(__file__).resolve().parents[2] / "tests" / "data" / "probes_r2.jsonl"


def probe_figures(path: Path = PROBES) -> dict[str, Any]:
    """Share of probes the default policy gets right, per (kind, expected action) and per language.

    A probe expecting "block" counts as right when the decision blocks or escalates (self-harm
    escalates to human review); one expecting "allow" only when it allows. Shares in [0, 1]."""
    from collections import defaultdict

    import guardrails

    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    per: dict[str, list[bool]] = defaultdict(list)
    lang: dict[str, list[bool]] = defaultdict(list)
    wrong: list[dict[str, Any]] = []
    stop = (guardrails.Action.BLOCK, guardrails.Action.ESCALATE)
    with guardrails.Guard.default() as guard:
        for r in rows:
            d = guard.check_input(r["text"])
            ok = d.action in stop if r["expect"] == "block" else d.action is guardrails.Action.ALLOW
            per[f"{r['kind']}:{r['expect']}"].append(ok)
            lang[f"{r['lang']}:{r['expect']}"].append(ok)
            if not ok:
                wrong.append({"id": r["id"], "action": d.action.value,
                              "top": {c: round(v, 3) for c, v in d.categories.items() if v >= 0.1}})
    share = lambda v: {"right": round(sum(v) / len(v), 4), "n": len(v)}  # noqa: E731
    return {"probes": str(path.relative_to(path.parents[2])), "per_kind": {k: share(v) for k, v in sorted(per.items())},
            "per_language": {k: share(v) for k, v in sorted(lang.items())}, "wrong": wrong}


REPO_POLICY = Path(__file__).resolve().parents[2] / "guardrails" / "default_policy.yaml"


def policy_input_thresholds(guards: dict[str, Any], recommended: dict[str, dict[str, float]] | None = None) -> dict[str, float]:
    """The heads' recommended input thresholds (``recommended``, default: the guards' own) with the
    default policy's input-rail overrides (``REPO_POLICY``: e.g. ``prompt_injection`` 0.75,
    ``self_harm`` 0.40) for the rails of ``guards``."""
    import yaml

    from training.evaluate import shipped_thresholds

    thr = dict((recommended or shipped_thresholds(guards))["input"])
    for rail in yaml.safe_load(REPO_POLICY.read_text(encoding="utf-8")).get("input", []):
        if rail.get("guard") in guards:
            thr.update({c: float(t) for c, t in (rail.get("thresholds") or {}).items() if c in thr})
    return thr


def validation_figures(model_dir: Path, head: Path) -> dict[str, Any]:
    """Share of each train-side validation slice the guards flag (benign slices) or catch (the
    others) at the default policy's input thresholds; shares in [0, 1]."""
    import numpy as np

    from training.corpus import build
    from training.corpus.records import CATEGORIES
    from training.encoder.calibrate import slice_report
    from training.encoder.data import known_matrix, label_matrix
    from training.evaluate import score

    _, rows = build("shipped")
    guards = guards_on(model_dir, head)
    thr = policy_input_thresholds(guards)
    scores = score(guards, [r["text"] for r in rows])
    probs = np.array([[s.get(c, 0.0) for c in CATEGORIES] for s in scores])
    report = slice_report(probs, label_matrix(rows), rows, thr, known=known_matrix(rows))
    out = {k: v for k, v in report.items() if not k.startswith("per_")}
    return {"thresholds": thr, "slices": out}


def main(argv: list[str] | None = None) -> int:
    from training import evalsets
    from training.evaluate import headline, measure

    p = argparse.ArgumentParser()
    p.add_argument("model_dir", type=Path, nargs="?")
    p.add_argument("head", type=Path, nargs="?")
    p.add_argument("--probes", type=Path, help="measure the default policy on the held-out probes; write here")
    p.add_argument("--validation", type=Path, help="the guards on the train-side validation split; write here")
    p.add_argument("--n", type=int, default=0, help="subsample each set to N rows (0: all)")
    p.add_argument("--out", type=Path)
    a = p.parse_args(argv)
    if a.probes:
        fig = probe_figures()
        a.probes.write_text(json.dumps(fig, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(json.dumps(fig["per_kind"], indent=1))
        return 0
    if a.model_dir is None or a.head is None:
        p.error("MODEL_DIR and HEAD are required (or --probes)")
    if a.validation:
        fig = validation_figures(a.model_dir, a.head)
        a.validation.write_text(json.dumps(fig, indent=1) + "\n", encoding="utf-8")
        print(json.dumps(fig["slices"], indent=1))
        return 0
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
