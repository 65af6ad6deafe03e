"""The similarity rules (``topic``, ``relevance``) refuse an encoder that is not a similarity space.

The shipped encoder is a classifier's fine-tuned encoder (its MANIFEST says ``"similarity":
false``): unrelated texts score 0.5-0.9 cosine against each other (docs/lexicon-and-topics.md),
so a topic rail on it flagged nearly everything. A Guard built with such a rail now fails with a
PolicyError naming the rail and the fix; given a similarity encoder (registered through the
``register_encoders`` hook) the rail works.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from tako_rules.lexicon import TopicGuard
from tako_rules.output import RelevanceGuard

from guardrails import Guard, PolicyError, hookimpl
from guardrails.errors import ModelError
from guardrails.protocol import CheckContext, Resources
from guardrails.runtime import OnnxEncoder, default_model_dir
from guardrails.testing import FakeEncoder

needs_manifest = pytest.mark.skipif(not (default_model_dir() / "MANIFEST.json").is_file(),
                                    reason="the shipped encoder's MANIFEST.json is not there")

TOPICS = {"topics": [{"name": "diagnosis", "description": "medical diagnosis of symptoms and diseases",
                      "category": "medical_advice"}], "threshold": 0.4}


class ClassifierEncoder(FakeEncoder):
    """A stand-in for a classifier's encoder: says it is not a similarity space."""

    similarity_space = False


class Encoders:
    """A plugin offering a general sentence encoder (the stand-in: hashed bag of words) and a
    classifier's encoder, through the same hook a team would use."""

    @hookimpl
    def register_encoders(self, register):
        register("general", lambda: FakeEncoder(name="general"))
        register("classifier", lambda: ClassifierEncoder(name="classifier"))


@pytest.fixture
def pm(guardrails_pm):
    import tako_rules

    guardrails_pm.register(tako_rules)
    guardrails_pm.register(Encoders())
    return guardrails_pm


@needs_manifest
def test_the_shipped_encoder_says_it_is_not_a_similarity_space(tmp_path: Path) -> None:
    manifest = json.loads((default_model_dir() / "MANIFEST.json").read_text(encoding="utf-8"))
    assert manifest["similarity"] is False and "MANIFEST.json" not in manifest["files"]  # not in its own sha256 list
    assert OnnxEncoder(default_model_dir()).similarity_space is False
    del manifest["similarity"]  # an encoder folder that says nothing counts as a similarity space
    shutil.copy(default_model_dir() / "MANIFEST.json", tmp_path / "MANIFEST.json")
    (tmp_path / "MANIFEST.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert OnnxEncoder(tmp_path).similarity_space is True


@needs_manifest
@pytest.mark.parametrize(("stage", "rail"), [
    ("input", {"guard": "topic", "config": TOPICS, "actions": {"medical_advice": "warn"}}),
    ("output", {"id": "on_topic", "guard": "relevance", "actions": {"off_topic": "warn"}}),
])
def test_a_similarity_rail_on_the_shipped_encoder_fails_the_build_naming_rail_and_fix(stage, rail) -> None:
    policy = {"name": "p", stage: [{"guard": "lexicon", "config": {"terms": {"any": ["x"]}}}, rail]}
    with pytest.raises(PolicyError) as caught:
        Guard.from_policy(policy)  # the installed plugins and the shipped encoder
    message = str(caught.value)
    rail_id = rail.get("id", rail["guard"])
    assert f"{stage}[1] (rail {rail_id!r})" in message
    assert "encoder 'default'" in message and "not a similarity space" in message
    assert "encoder:" in message and "register_encoders" in message


def test_a_stand_in_classifier_encoder_is_refused_too(pm) -> None:
    with pytest.raises(PolicyError, match=r"output\[0\] \(rail 'relevance'\).*'classifier'.*not a similarity space"):
        Guard.from_policy({"name": "p", "output": [{"guard": "relevance", "config": {"encoder": "classifier"}}]},
                          plugin_manager=pm)
    with pytest.raises(ModelError, match="no encoder named 'nope'"):
        TopicGuard(TopicGuard.Config.model_validate({**TOPICS, "encoder": "nope"}), Resources({}))


def test_a_topic_rail_works_on_a_registered_similarity_encoder(pm) -> None:
    rail = {"guard": "topic", "config": {**TOPICS, "encoder": "general"},
            "thresholds": {"medical_advice": 0.5}, "actions": {"medical_advice": "escalate"}}
    guard = Guard.from_policy({"name": "p", "input": [rail]}, plugin_manager=pm)
    hit = guard.check_input("what medical diagnosis fits these symptoms")
    miss = guard.check_input("best pizza places in Naples")
    assert hit.triggered == ("medical_advice",) and hit.action.value == "escalate"
    assert miss.triggered == () and miss.action.value == "allow"
    assert hit.categories["medical_advice"] > 0.5 > miss.categories["medical_advice"]
    guard.close()


def test_a_relevance_rail_works_on_a_registered_similarity_encoder(pm) -> None:
    guard = RelevanceGuard(RelevanceGuard.Config(min_similarity=0.3, encoder="general"),
                           Resources({"general": FakeEncoder}))
    ctx = CheckContext(stage="output", prompt="what is the capital of france")
    on = guard.check("the capital of france is paris", ctx)
    off = guard.check("bananas grow quickly in tropical weather", ctx)
    assert on.categories["off_topic"] < 0.5 < off.categories["off_topic"]


def test_a_topic_guard_without_topics_needs_no_encoder() -> None:
    TopicGuard(TopicGuard.Config(), Resources({"default": ClassifierEncoder}))  # nothing to compare: no error
