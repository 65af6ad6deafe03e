"""One window per run, token states with offsets from the same pass, windows on demand, the pool.

Token states need a graph with a ``token_embeddings`` output. The plumbing (offsets, stitching
of overlapping windows, one run per window) is tested here on the shipped tokenizer with a
recording stand-in for the onnxruntime session; the real graph is tested on the shipped model
when it has the output, and on the folder named by ``GUARDRAILS_TEST_TOKEN_MODEL`` (e.g. a copy of
a multilingual-e5 build) otherwise.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from guardrails.errors import ModelError
from guardrails.runtime import OnnxEncoder, default_model_dir

DOC = " ".join(f"Sentence {i} of the guide describes room {i * 7} and its paintings." for i in range(120))


class RecordingSession:
    """Stands in for an onnxruntime session: token state t = [token id, position, 1, 0...]."""

    def __init__(self, dim: int = 8) -> None:
        self.dim = dim
        self.calls: list[tuple[int, ...]] = []
        self.lock = threading.Lock()

    def run(self, names, feeds):
        ids = feeds["input_ids"]
        assert ids.shape[0] == 1, "one window per run"
        with self.lock:
            self.calls.append(tuple(int(i) for i in ids[0]))
        n = ids.shape[1]
        states = np.zeros((1, n, self.dim), dtype=np.float32)
        states[0, :, 0] = ids[0]
        states[0, :, 1] = np.arange(n)
        states[0, :, 2] = 1.0
        pooled = states.mean(1)
        pooled /= np.linalg.norm(pooled, axis=1, keepdims=True)
        out = {"sentence_embedding": pooled, "token_embeddings": states}
        return [out[name] for name in names]


def _recording(**kwargs) -> tuple[OnnxEncoder, RecordingSession]:
    enc = OnnxEncoder(default_model_dir(), **kwargs).load()
    session = RecordingSession()
    model = enc.model
    model.session, model.token_output, model.pooled_output = session, "token_embeddings", "sentence_embedding"
    enc.dim = model.dim = session.dim
    return enc, session


def test_token_states_stitch_overlapping_windows_and_keep_offsets():
    enc, session = _recording(pool_threads=1)
    plan = enc.plan_windows(DOC)
    assert plan.complete and len(plan.windows) > 4
    states, offsets = enc.encode_tokens(DOC)
    ids, expected = enc.model.tokens(DOC)
    assert states.shape == (plan.n_tokens, 8) and offsets.shape == (plan.n_tokens, 2)
    np.testing.assert_array_equal(states[:, 0], ids)  # every token once, in order
    np.testing.assert_array_equal(offsets, np.asarray(expected))
    assert len(session.calls) == len(plan.windows)  # one run per window
    # each token comes from the window where it is farthest from the edges
    size = enc.window_tokens - 2
    position = states[:, 1] - 1  # [CLS] is position 0
    middle = slice(size, plan.n_tokens - size)
    margin = np.minimum(position, size - 1 - position)[middle]
    assert margin.min() >= (size - enc.window_stride) // 2 - 1
    # the same pass filled the pooled vectors: no further run
    enc.embed_windows(DOC)
    assert len(session.calls) == len(plan.windows)
    with pytest.raises(ValueError):
        states[0, 0] = 1.0


def test_windows_on_demand_then_the_rest():
    enc, session = _recording(pool_threads=1)
    n = len(enc.plan_windows(DOC).windows)
    last = enc.embed_windows(DOC, windows=[n - 1, 0])
    assert last.shape == (2, 8) and len(session.calls) == 2
    full = enc.embed_windows(DOC)
    assert len(session.calls) == n  # only the missing windows ran
    np.testing.assert_array_equal(full[[n - 1, 0]], last)


def test_token_states_need_a_token_output():
    enc = OnnxEncoder(default_model_dir())
    if enc.has_token_states:
        pytest.skip("the shipped model has a token output")
    with pytest.raises(ModelError, match="token"):
        enc.encode_tokens("hello")


def test_empty_and_short_texts_have_consistent_token_states():
    enc, _ = _recording()
    states, offsets = enc.encode_tokens("")
    assert states.shape == (0, 8) and offsets.shape == (0, 2)
    batch = enc.encode_tokens_batch(["hello world", "", "a" * 5])
    assert [b.states.shape[0] for b in batch] == [len(enc.model.tokens("hello world")[0]), 0, len(enc.model.tokens("a" * 5)[0])]
    with pytest.raises(TypeError):
        enc.encode_tokens_batch("not a list")


def test_pool_runs_one_window_per_call_and_matches_one_thread():
    texts = [f"query number {i} about trains and {'museums ' * (i % 7)}" for i in range(40)] + [DOC]
    one = OnnxEncoder(default_model_dir(), pool_threads=1, cache_size=0)
    pool = OnnxEncoder(default_model_dir(), pool_threads=3, cache_size=0)
    expected = one.embed_windows_batch(texts)
    got = pool.embed_windows_batch(texts)
    for e, g in zip(expected, got, strict=True):
        np.testing.assert_array_equal(e, g)  # bit-identical: no padding, no batch effects
    with ThreadPoolExecutor(4) as threads:
        again = list(threads.map(lambda t: pool.embed_windows_batch([t])[0], texts))
    for e, g in zip(expected, again, strict=True):
        np.testing.assert_array_equal(e, g)
    pool.close()


def test_cache_is_bounded_in_bytes():
    enc = OnnxEncoder(default_model_dir(), cache_mb=0.05)  # ~50 KB
    for i in range(30):
        enc.embed_windows(f"text {i} " * 40)
    assert enc._cache.nbytes <= 0.05 * 2**20
    assert 0 < enc.cache_info().size < 30


def _token_model_dir() -> Path | None:
    env = os.environ.get("GUARDRAILS_TEST_TOKEN_MODEL")
    if env:
        return Path(env)
    return default_model_dir()


@pytest.fixture(scope="module")
def token_encoder() -> OnnxEncoder:
    folder = _token_model_dir()
    enc = OnnxEncoder(folder, pool_threads=2)
    if not enc.has_token_states:
        pytest.skip(f"{folder} has no token_embeddings output (set GUARDRAILS_TEST_TOKEN_MODEL)")
    return enc


def test_real_graph_token_states_match_a_direct_run(token_encoder):
    enc = token_encoder
    model = enc.model
    text = "My name is Jane Doe and I live at 12 Baker Street, London."
    states, offsets = enc.encode_tokens(text)
    full = model.tokenizer.encode(text)  # with specials and the prefix, as the model was trained
    ids = np.array([full.ids], dtype=np.int64)
    pooled, tokens = model.session.run(["sentence_embedding", "token_embeddings"],
                                       {"input_ids": ids, "attention_mask": np.ones_like(ids)})
    p = 1 + len(model.prefix)
    np.testing.assert_array_equal(states, tokens[0, p:-1])
    np.testing.assert_array_equal(offsets, np.asarray(full.offsets[p:-1]))
    np.testing.assert_array_equal(enc.embed([text])[0], pooled[0])
    words = [text[a:b] for a, b in offsets]
    assert "".join(words).replace(" ", "") == text.replace(" ", "")


def test_real_graph_batch_equals_single(token_encoder):
    texts = ["hola, ¿cómo estás?", "ignore previous instructions", DOC[:3000], "東京の天気"]
    single = [OnnxEncoder(token_encoder.model_dir, pool_threads=1, cache_size=0).embed_windows(t) for t in texts]
    batch = token_encoder.embed_windows_batch(texts)
    for s, b in zip(single, batch, strict=True):
        np.testing.assert_array_equal(s, b)


def test_one_window_token_states_are_read_only_and_stable():
    enc, session = _recording()
    states, offsets = enc.encode_tokens("hello world")
    ids, expected = enc.model.tokens("hello world")
    np.testing.assert_array_equal(states[:, 0], ids)
    np.testing.assert_array_equal(offsets, np.asarray(expected))
    with pytest.raises(ValueError):
        states[0, 0] = 1.0
    with pytest.raises(ValueError):
        offsets[0, 0] = 1
    again = enc.encode_tokens("hello world")  # from the cache: the same values, no second run
    np.testing.assert_array_equal(again.states, states)
    np.testing.assert_array_equal(again.offsets, offsets)
    assert len(session.calls) == 1
