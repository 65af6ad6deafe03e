"""Compile a set of literal terms into one trie-shaped regular expression (linear to match)."""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["trie_pattern"]

_END = ""


def trie_pattern(terms: Iterable[str]) -> str:
    """A regex alternation matching any of ``terms`` (longest first); spaces match ``\\s+``."""
    root: dict[str, dict] = {}
    for term in terms:
        node = root
        for ch in term:
            node = node.setdefault(ch, {})
        node[_END] = {}
    return _render(root)


def _render(node: dict[str, dict]) -> str:
    ends = _END in node
    branches = [(_atom(ch) + _render(child)) for ch, child in sorted(node.items()) if ch != _END]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if ends:
        return body + "?" if len(branches) == 1 and len(body) == 1 else f"(?:{body})?"
    return body


def _atom(ch: str) -> str:
    return r"\s+" if ch == " " else re.escape(ch)
