"""Compile a set of literal terms into one trie-shaped regular expression (linear to match)."""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["trie_pattern"]

_END = ""


def trie_pattern(terms: Iterable[str], space: str = r"\s+") -> str:
    """A regex alternation matching any of ``terms`` (longest first); a space matches ``space``."""
    root: dict[str, dict] = {}
    for term in terms:
        node = root
        for ch in term:
            node = node.setdefault(ch, {})
        node[_END] = {}
    return _render(root, space)


def _render(node: dict[str, dict], space: str) -> str:
    ends = _END in node
    branches = [
        (_atom(ch, space) + _render(child, space)) for ch, child in sorted(node.items()) if ch != _END
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if ends:
        return body + "?" if len(branches) == 1 and len(body) == 1 else f"(?:{body})?"
    return body


def _atom(ch: str, space: str) -> str:
    return space if ch == " " else re.escape(ch)
