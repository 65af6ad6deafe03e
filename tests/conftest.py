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
    """Build a Guard over the toy guards from a policy dict."""

    def build(policy: dict):
        return make_guard({"name": "test", "version": "7", **policy}, plugins=[ToyPlugin()])

    return build
