"""The rule-guard docs: every YAML snippet parses, rails validate, and each example's claim holds."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from tako_rules.normalize import NormalizeGuard

from guardrails.policy import RailSpec
from guardrails.protocol import CheckContext, RequestContext, Resources
from guardrails.testing import FakeEncoder

DOCS = Path(__file__).resolve().parents[3] / "docs"
PAGES = ("normalization.md", "pii.md", "secrets.md", "lexicon-and-topics.md", "output-guards.md")


def _guard_classes() -> dict[str, type]:
    import importlib

    import tako_rules

    out = {}
    for path in tako_rules.GUARD_CLASSES:
        module, _, name = path.partition(":")
        cls = getattr(importlib.import_module(module), name)
        out[cls.name] = cls
    return out


GUARDS = _guard_classes()


def _blocks() -> list[tuple[str, int, Any]]:
    found = []
    for page in PAGES:
        text = (DOCS / page).read_text("utf-8")
        for i, block in enumerate(re.findall(r"```yaml\n(.*?)```", text, re.S)):
            found.append((page, i, yaml.safe_load(block)))
    return found


BLOCKS = _blocks()


def test_every_page_exists_with_examples() -> None:
    for page in PAGES:
        assert any(p == page and isinstance(b, dict) and "examples" in b for p, _, b in BLOCKS), page


@pytest.mark.parametrize(("page", "index", "block"), BLOCKS, ids=[f"{p}#{i}" for p, i, _ in BLOCKS])
def test_snippet(page: str, index: int, block: Any, tmp_path: Path) -> None:
    assert isinstance(block, dict), f"{page} block {index} is not a mapping"
    if "examples" in block:
        _run_examples(block)
    elif "entries" in block:
        extra = tmp_path / "extra.yaml"
        extra.write_text(yaml.safe_dump(block), "utf-8")
        guard = NormalizeGuard(NormalizeGuard.Config(extra_lexicon_files=[str(extra)]))
        entry = block["entries"][0]
        assert guard.normalize(f"a {entry['term']} here")[0] == f"a {entry['replacement']} here"
    else:
        stages = set(block) & {"input", "output", "context"}
        assert stages, f"{page} block {index}: not a policy fragment"
        for stage in stages:
            for rail in block[stage]:
                spec = RailSpec.model_validate(rail)
                cls = GUARDS.get(spec.guard)
                if cls is None:
                    continue  # a classifier guard from another plugin
                assert stage in cls.stages, f"{spec.guard} does not run on {stage}"
                cls.Config.model_validate(spec.config)
                for category in (*spec.thresholds, *spec.actions):
                    assert category in cls.categories or spec.config.get("category") == category or (
                        cls.name == "topic"
                    ), f"{spec.guard} never scores {category!r}"


def _run_examples(block: dict[str, Any]) -> None:
    cls = GUARDS[block["guard"]]
    guard = cls(cls.Config.model_validate(block.get("config", {})), Resources({"default": FakeEncoder}))
    normalizer = NormalizeGuard(NormalizeGuard.Config()) if block.get("normalize_first") else None
    for ex in block["examples"]:
        stage = "output" if "output" in cls.stages and "input" not in cls.stages else "input"
        request = RequestContext(system_prompt=ex.get("system_prompt"))
        ctx = CheckContext(stage=stage, request=request, prompt=ex.get("prompt"))  # type: ignore[arg-type]
        if normalizer is not None:
            normalizer.check(ex["text"], ctx)
        verdict = guard.check(ex["text"], ctx)
        where = f"{block['guard']} on {ex['text']!r}"
        if "triggers" in ex:
            got = sorted(c for c, s in verdict.categories.items() if s >= 0.5)
            assert got == sorted(ex["triggers"]), f"{where}: triggered {got}"
        if "redacted" in ex:
            assert verdict.text == ex["redacted"], f"{where}: got {verdict.text!r}"
        if "normalized" in ex:
            assert ctx.normalized == ex["normalized"], f"{where}: got {ctx.normalized!r}"
        if "decoded" in ex:
            assert list(ctx.decoded) == ex["decoded"], f"{where}: got {ctx.decoded!r}"
