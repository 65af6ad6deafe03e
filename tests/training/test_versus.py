"""training.encoder.versus: two models read at each other's false-positive rate."""

from __future__ import annotations

import numpy as np
import pytest

from training.encoder.versus import auc, compare, margins, operating_point, recall_at_fpr


def test_margin_is_zero_at_the_threshold_and_takes_the_largest_category() -> None:
    m = margins([{"hate": 0.5, "harassment": 0.1}, {"hate": 0.2, "harassment": 0.9}],
                {"hate": 0.5, "harassment": 0.5}, ("hate", "harassment"))
    assert m[0] == pytest.approx(0.0, abs=1e-9)
    assert m[1] > 0 > margins([{"hate": 0.2}], {"hate": 0.5}, ("hate",))[0]


def test_recall_at_fpr_never_exceeds_the_fpr_it_is_given() -> None:
    rng = np.random.default_rng(0)
    gold = np.array([True] * 200 + [False] * 800)
    m = np.where(gold, rng.normal(1, 1, 1000), rng.normal(0, 1, 1000))
    for fpr in (0.0, 0.01, 0.1, 0.5, 1.0):
        r = recall_at_fpr(m, gold, fpr)
        neg = np.sort(m[~gold])[::-1]
        k = int(np.floor(fpr * len(neg)))
        cut = neg[k] if k < len(neg) else -np.inf
        assert (m[~gold] > cut).mean() <= fpr + 1e-12
        assert r == pytest.approx((m[gold] > cut).mean())
    assert recall_at_fpr(m, gold, 0.1) <= recall_at_fpr(m, gold, 0.5) <= recall_at_fpr(m, gold, 1.0) == 1.0


def test_auc_of_a_perfect_and_a_reversed_ranking() -> None:
    gold = np.array([True, True, False, False])
    assert auc(np.array([3.0, 2.0, 1.0, 0.0]), gold) == 1.0
    assert auc(np.array([0.0, 1.0, 2.0, 3.0]), gold) == 0.0


def test_compare_reads_each_model_at_the_others_operating_point() -> None:
    rows = [{"label": g} for g in [True, True, True, False, False, False, False]]
    thr = {"input": {"hate": 0.5, "harassment": 0.5}}
    # "new" ranks perfectly but flags nothing at its threshold; "round1" flags everything
    new = {"thresholds": thr, "sets": {"germeval2018": {"scores": [{"hate": s} for s in (.4, .3, .2, .1, .1, .1, .1)]}}}
    old = {"thresholds": thr, "sets": {"germeval2018": {"scores": [{"hate": .9}] * 7}}}
    fig = compare(new, old, {"germeval2018": rows})["germeval2018"]
    assert (fig["new"]["recall"], fig["new"]["fpr"]) == (0.0, 0.0)
    assert (fig["round1"]["recall"], fig["round1"]["fpr"]) == (1.0, 1.0)
    assert fig["new"]["recall_at_round1_fpr"] == 1.0  # at FPR 1.0 the perfect ranking catches all
    assert fig["round1"]["recall_at_new_fpr"] == 0.0  # tied scores: no cut-off keeps FPR at 0
    assert operating_point(np.array([1.0, -1.0]), np.array([True, False])) == (1.0, 0.0)


def test_policy_input_thresholds_take_the_default_policys_overrides() -> None:
    import yaml

    from training.encoder.measure import REPO_POLICY, policy_input_thresholds

    guards = {"prompt_injection": None, "moderation": None}
    head = {"input": {"prompt_injection": 0.9, "self_harm": 0.5, "hate": 0.4}}
    thr = policy_input_thresholds(guards, head)
    rails = {r["guard"]: r.get("thresholds", {}) for r in yaml.safe_load(REPO_POLICY.read_text())["input"]}
    assert thr["prompt_injection"] == rails["prompt_injection"]["prompt_injection"] < 0.9
    assert thr["self_harm"] == rails["moderation"]["self_harm"] < 0.5
    assert thr["hate"] == 0.4  # no override: the head's own
