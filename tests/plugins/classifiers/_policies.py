"""The shipped default policy with the moderation rail's config changed (tests of its stages)."""

from __future__ import annotations

from typing import Any

import yaml

from guardrails.policy import default_policy_text


def moderation_policy(**config: Any) -> dict[str, Any]:
    """The default policy as a dict, each input moderation rail's ``config`` updated with ``config``."""
    data = yaml.safe_load(default_policy_text())
    for rail in data["input"]:
        if rail["guard"] == "moderation":
            rail["config"] = {**(rail.get("config") or {}), **config}
    return data
