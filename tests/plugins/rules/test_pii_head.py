"""The PII token head: file format and integrity, BIO decoding to character spans, the guard's
use of the shared encoder's token states (fingerprint check, view alignment, fallbacks), and a
test that the shipped head matches the shipped encoder once that encoder gives token states."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tako_rules._pii_head import (
    TokenHead,
    default_head_path,
    encoder_fingerprint,
    gives_token_states,
    token_states,
)
from tako_rules.pii import PiiGuard

from guardrails.errors import ModelError, ModelIntegrityError, PolicyError
from guardrails.protocol import CheckContext, Resources
from guardrails.testing import FakeEncoder

LABELS = ("PERSON", "LOCATION", "ORGANIZATION", "ADDRESS", "PHONE")
TAGS = ("O", *(f"{p}-{lab}" for lab in LABELS for p in ("B", "I")))
DIM = 8


class WordEncoder:
    """Token states without a model: one token per word, its state a one-hot of the word's kind
    (0: other, 1: capitalised, 2: digits) plus a bias unit; ``fingerprint`` identifies it."""

    name = "words"
    dim = DIM
    fingerprint = "f" * 64

    def __init__(self) -> None:
        self.calls: list[str] = []

    def embed(self, texts: list[str]) -> Any:
        return np.zeros((len(texts), DIM), np.float32)

    def embed_windows(self, text: str) -> Any:
        return np.zeros((1, DIM), np.float32)

    def embed_windows_batch(self, texts: list[str]) -> list[Any]:
        return [self.embed_windows(t) for t in texts]

    def encode_tokens(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        import re

        self.calls.append(text)
        words = list(re.finditer(r"\S+", text))
        states = np.zeros((len(words), DIM), np.float32)
        for i, m in enumerate(words):
            w = m.group().strip(".,")
            kind = 2 if w[:1].isdigit() else 1 if w[:1].isupper() else 0
            states[i, kind] = 1.0
            states[i, 7] = 1.0
        return states, np.array([(m.start(), m.end()) for m in words], dtype=np.int64).reshape(-1, 2)


def capital_person_head() -> TokenHead:
    """A hand-set head: capitalised words are PERSON (B after a non-name, I after a name)."""
    h, h2, k = 4, 4, len(TAGS)
    W1 = np.zeros((DIM, h), np.float32)
    W1[1, 0] = 1.0  # unit 0: this token is capitalised
    Wc = np.zeros((DIM, h), np.float32)
    W2 = np.zeros((3 * h, h2), np.float32)
    W2[h + 0, 0] = 1.0   # self capitalised
    W2[0, 1] = 1.0       # previous and self capitalised (with b2[1] = -1)
    W2[h + 0, 1] = 1.0
    b2 = np.array([0.0, -1.0, 0.0, 0.0], np.float32)
    W3 = np.zeros((h2, k), np.float32)
    b3 = np.zeros(k, np.float32)
    b3[0] = 1.0
    W3[0, TAGS.index("B-PERSON")] = 3.0
    W3[1, TAGS.index("I-PERSON")] = 4.0
    W3[1, TAGS.index("B-PERSON")] = -4.0
    return TokenHead(tags=TAGS, encoder={"name": "default", "dim": DIM, "sha256": WordEncoder.fingerprint},
                     weights={"W1": W1, "Wc": Wc, "b1": np.zeros(h, np.float32), "W2": W2,
                              "b2": b2, "W3": W3, "b3": b3},
                     thresholds={"PERSON": 0.5})


@pytest.fixture
def head_file(tmp_path: Path) -> Path:
    return capital_person_head().save(tmp_path / "pii_tokens.head.json")


def guard_with(head: Path | None, encoder: Any, ner: str = "auto") -> PiiGuard:
    config = PiiGuard.Config(ner=ner, head=str(head) if head else None)
    return PiiGuard(config, Resources({"default": lambda: encoder}))


def test_decodes_bio_tags_into_character_spans() -> None:
    head = capital_person_head()
    enc = WordEncoder()
    text = "yesterday Jane Miller met bob and Amy."
    states, offsets = enc.encode_tokens(text)
    spans = head.spans(states, offsets, text)
    assert [(text[s:e], lab) for s, e, lab, _ in spans] == [("Jane Miller", "PERSON"), ("Amy", "PERSON")]
    assert all(0.5 <= score <= 1.0 for *_, score in spans)
    assert head.spans(np.zeros((0, DIM), np.float32), np.zeros((0, 2), np.int64), "") == []


def test_spans_widen_to_whole_words_and_trim_punctuation() -> None:
    head = capital_person_head()
    text = "call (Jane), ok"
    states = np.zeros((3, DIM), np.float32)
    states[1, 1] = 1.0
    offsets = np.array([[0, 4], [5, 8], [8, 12]])  # a piece of "(Jane)," only
    assert [(text[s:e]) for s, e, *_ in head.spans(states, offsets, text)] == ["Jane"]


def test_thresholds_drop_unsure_spans() -> None:
    head = capital_person_head()
    head.thresholds = {"PERSON": 0.99}
    enc = WordEncoder()
    assert head.spans(*enc.encode_tokens("Jane came"), "Jane came") == []


def test_file_round_trip_and_integrity(head_file: Path) -> None:
    loaded = TokenHead.load(head_file)
    assert loaded.tags == TAGS and loaded.encoder["sha256"] == WordEncoder.fingerprint
    npz = head_file.with_name("pii_tokens.head.npz")
    npz.write_bytes(npz.read_bytes()[:-8] + b"tampered")
    with pytest.raises(ModelIntegrityError, match="sha256"):
        TokenHead.load(head_file)
    with pytest.raises(ModelError, match="no PII head"):
        TokenHead.load(head_file.with_name("missing.head.json"))
    meta = json.loads(head_file.read_text())
    meta["kind"] = "other"
    head_file.write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="token_mlp"):
        TokenHead.load(head_file)


def test_bad_weights_are_refused() -> None:
    head = capital_person_head()
    with pytest.raises(ModelError, match="shapes"):
        TokenHead(tags=TAGS, encoder=head.encoder, weights={**head.weights, "Wc": np.zeros((3, 3), np.float32)})
    with pytest.raises(ModelError, match="lacks"):
        TokenHead(tags=TAGS, encoder=head.encoder, weights={"W1": head.weights["W1"]})


def test_guard_uses_the_head_on_the_shared_view(head_file: Path) -> None:
    enc = WordEncoder()
    guard = guard_with(head_file, enc)
    assert guard.ner_engine == "head"
    text = "tell Jane Miller that mail a@b.com works"
    ctx = CheckContext(stage="input", normalized=text)
    verdict = guard.check(text, ctx)
    assert verdict.text == "tell [PERSON] that mail [EMAIL] works"
    assert enc.calls == [text]  # the view the classifiers embed: one pass serves both
    assert verdict.details["ner"] == "head"


def test_head_spans_map_back_from_a_changed_view(head_file: Path) -> None:
    guard = guard_with(head_file, WordEncoder())
    text = "tell J\u200bane Miller hi"
    view = "tell Jane Miller hi\nDECODED blob"  # what a normalize rail would hand the encoder
    found = guard.find(text, CheckContext(stage="input", normalized=view))
    assert [(f.label, text[f.start:f.end]) for f in found] == [("PERSON", "J\u200bane Miller")]


def test_handles_alone_are_not_names(head_file: Path) -> None:
    guard = guard_with(head_file, WordEncoder())
    assert [f.label for f in guard.find("watch @Jane stream")] == []


def test_head_for_another_encoder_falls_back_to_rules(head_file: Path) -> None:
    other = WordEncoder()
    other.fingerprint = "0" * 64
    guard = guard_with(head_file, other)
    assert guard.ner_engine == "rules" and "rebuild it" in guard.ner_note
    with pytest.raises(PolicyError, match="ner: head"):
        guard_with(head_file, other, ner="head")


def test_encoder_without_token_states_falls_back(head_file: Path) -> None:
    guard = guard_with(head_file, FakeEncoder())
    assert guard.ner_engine == "rules" and "encode_tokens" in guard.ner_note
    assert [f.label for f in guard.find("my name is Jane Miller")] == ["PERSON"]


def test_token_states_accepts_tuple_or_object() -> None:
    enc = WordEncoder()
    states, offsets = token_states(enc, "Jane came")
    assert states.shape == (2, DIM) and offsets.tolist() == [[0, 4], [5, 9]]

    class Obj:
        def encode_tokens(self, text: str) -> Any:
            class R:
                states = np.ones((1, DIM))
                offsets = [(0, 1)]
            return R()

    assert token_states(Obj(), "x")[0].dtype == np.float32
    assert token_states(FakeEncoder(), "x") is None


def test_encoder_fingerprint_reads_the_manifest() -> None:
    class Enc:
        model_file = "model.onnx"
        manifest = {"model": "model.onnx", "files": {"model.onnx": {"sha256": "abc"}}}

    assert encoder_fingerprint(Enc()) == "abc"
    assert encoder_fingerprint(FakeEncoder()) is None


def test_shipped_head_matches_a_token_encoder() -> None:
    """Once the shipped encoder gives token states, a head built for it must ship with it."""
    from guardrails.runtime import default_encoder

    encoder = default_encoder()
    if not gives_token_states(encoder):  # encode_tokens exists on every OnnxEncoder; its graph decides
        pytest.skip("the shipped encoder gives no token states yet (encode_tokens): no head to match")
    path = default_head_path()
    assert path.exists(), "run: python -m training.pii build (the head is missing)"
    head = TokenHead.load(path)
    assert head.encoder["sha256"] == encoder_fingerprint(encoder), "run: python -m training.pii build"
    guard = PiiGuard(PiiGuard.Config(ner="head"), Resources({"default": lambda: encoder}))
    found = guard.find("Hi, my name is Maria Schmidt, I live at 12 Oak Street in Leeds, call 020 7946 0000")
    assert {"PERSON", "ADDRESS", "PHONE"} <= {f.label for f in found}


def test_plausibility_drops_lower_case_and_hiragana_only_spans() -> None:
    from tako_rules._pii_head import _plausible

    assert not _plausible("clips")
    assert not _plausible("にちは")  # a piece of こんにちは, not a name
    assert _plausible("Anna") and _plausible("佐藤") and _plausible("サトウ") and _plausible("김민준")
    assert _plausible("さくら通り3")  # a digit: an address


@pytest.mark.parametrize("span", ["2ablak", "ta3limat", "ba7r", "dlw2ty", "el 5aleeg", "sa7bi 3ayesh"])
def test_arabizi_words_are_no_names_or_places(span: str) -> None:
    from tako_rules._pii_head import _plausible

    assert not _plausible(span)  # Arabic in Latin letters: digits stand for Arabic sounds


@pytest.mark.parametrize("span", ["221b", "3rd", "5th", "Apt 12b", "flat 3b", "unit 7b", "M25"])
def test_addresses_and_ordinals_with_digits_stay_plausible(span: str) -> None:
    from tako_rules._pii_head import _plausible

    assert _plausible(span)


def test_a_span_that_cuts_a_katakana_word_is_dropped() -> None:
    head = capital_person_head()
    text = "このスニーカー ¥12,800 って高い？"
    states = np.zeros((3, DIM), np.float32)
    states[1, 1] = 1.0  # the head tags the tail piece "カー" of the loanword
    offsets = np.array([[0, 5], [5, 7], [8, 15]])
    assert head.spans(states, offsets, text) == []
    text = "スミスさんに電話して"  # a katakana name is a word of its own
    offsets = np.array([[0, 3], [3, 5], [5, 10]])
    states = np.zeros((3, DIM), np.float32)
    states[0, 1] = 1.0
    assert [text[s:e] for s, e, *_ in head.spans(states, offsets, text)] == ["スミス"]


def test_an_earlier_rails_placeholder_is_never_redacted_again(head_file: Path, monkeypatch) -> None:
    from tako_rules._pii_detect import Found

    guard = guard_with(head_file, WordEncoder())
    text = "ask Maria about [OPENAI_API_KEY] and [EMAIL_1]"
    k = text.index("[")  # a head that tags "OPENAI" (a shipped head did, after the secrets rail)
    monkeypatch.setattr(guard, "_head_spans", lambda t, c: [Found(4, 9, "PERSON", 0.9), Found(k + 1, k + 7, "PERSON", 0.9)])
    assert [text[f.start:f.end] for f in guard.find(text)] == ["Maria"]


def test_head_reads_json_escapes_decoded(head_file: Path) -> None:
    enc = WordEncoder()
    guard = guard_with(head_file, enc)
    text = '{"note": "call\\nJane Miller", "n": "met Luc\\u00eda Ortiz"}'
    found = guard.find(text, CheckContext(stage="output", normalized=text))
    assert enc.calls == ['{"note": "call\nJane Miller", "n": "met Lucía Ortiz"}']  # not the word "nJane"
    assert [text[f.start:f.end] for f in found] == ["Jane Miller", "Luc\\u00eda Ortiz"]


def test_head_skips_content_values_of_json(head_file: Path) -> None:
    guard = guard_with(head_file, WordEncoder())
    text = ('{"title": "the Sleepy Kittens", "uploader": "by Jane Miller", "tags": ["x", "my Cute Cats"], '
            '"song": "ring Jane Miller on 020 7946 0000"}')
    found = guard.find(text, CheckContext(stage="output"))
    # a title or a tag is no name; a name beside a phone in the same title still is
    assert [(f.label, text[f.start:f.end]) for f in found] == [
        ("PERSON", "Jane Miller"), ("PERSON", "Jane Miller"), ("PHONE", "020 7946 0000")]
    assert found[0].start == text.index("Jane")


def test_probabilities_follow_the_documented_formula() -> None:
    head = TokenHead.load(default_head_path())
    w = head.weights
    rng = np.random.default_rng(3)
    for n in (1, 7, 24, 25, 60):
        states = rng.standard_normal((n, head.dim)).astype(np.float32)
        z1 = np.maximum(states @ w["W1"] + states.mean(0) @ w["Wc"] + w["b1"], 0.0)
        pad = np.zeros((n + 2, z1.shape[1]), np.float32)
        pad[1:-1] = z1
        z2 = np.maximum(np.concatenate((pad[:-2], z1, pad[2:]), axis=1) @ w["W2"] + w["b2"], 0.0)
        logits = z2 @ w["W3"] + w["b3"]
        expected = np.exp(logits - logits.max(1, keepdims=True))
        expected /= expected.sum(1, keepdims=True)
        got = head.probabilities(states)
        assert got.dtype == np.float32 and got.shape == (n, len(head.tags))
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-6)
