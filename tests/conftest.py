"""Shared fixtures for the core tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.toy_guards import ToyPlugin

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
needs_shared = pytest.mark.skipif(
    not (SHARED / "datasets").is_dir(), reason="needs ../shared/datasets (not shipped to users)"
)


@pytest.fixture
def toy(make_guard):
    """Build a Guard over the toy guards from a policy dict.

    The toys are third-party guards to the SDK; here they run inline (no default third-party
    timeout) unless the policy says otherwise: these tests are about the pipeline, and isolation
    has its own tests (test_faults.py) that keep their margins on a loaded machine."""

    def build(policy: dict):
        settings = {"third_party_timeout_ms": None, **policy.get("settings", {})}
        return make_guard({"name": "test", "version": "7", **policy, "settings": settings}, plugins=[ToyPlugin()])

    return build
