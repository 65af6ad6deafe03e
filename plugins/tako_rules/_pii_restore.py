"""The ``pii_restore`` output guard: puts back the originals of pseudonymised PII (``tako_rules.pii``)."""

from __future__ import annotations

import functools
from typing import Any

from guardrails.protocol import BaseGuard, CheckContext, GuardConfig
from guardrails.results import Span, Verdict, verdict
from tako_rules._common import apply_spans, resolve_overlaps
from tako_rules._pii_replace import restore_pattern

__all__ = ["PiiRestoreGuard"]


class PiiRestoreGuard(BaseGuard):
    """Output guard: puts the originals back where the model's answer repeats placeholders that
    the ``pii`` guard (mode ``pseudonymize``) stored in the request's vault. Accepts the usual
    rewrites (``EMAIL_1``, ``[email_1]``, ``[EMAIL 1]``); restores only what the vault holds."""

    name = "pii_restore"
    stages = frozenset({"output"})
    changes_text = True
    categories = ()
    """None: a pure transformation, so its text applies on any enforcing rail (details count restores)."""
    stateful = True
    """Reads the request's vault: a decision cache must not reuse its result."""

    class Config(GuardConfig):
        """No options."""

    def check(self, text: str, context: CheckContext) -> Verdict:
        """Replace placeholders found in the vault with their originals."""
        vault = context.request.vault
        if not vault:
            return verdict()
        with context.request.lock:
            entries = dict(vault)
        labels = tuple(sorted({k[1:].rsplit("_", 1)[0] for k in entries if k.startswith("[") and "_" in k}))
        if not labels:
            return verdict()
        spans = []
        for m in _restore_pattern(labels).finditer(text):
            key = f"[{m.group(1).upper()}_{int(m.group(2))}]"
            if key in entries:
                spans.append(Span(start=m.start(), end=m.end(), category="pii", label=m.group(1).upper(),
                                  replacement=entries[key]))
        if not spans:
            return verdict()
        return Verdict(spans=tuple(spans),
                       text=apply_spans(text, resolve_overlaps(spans)),
                       details={"restored": len(spans)})


@functools.lru_cache(maxsize=256)
def _restore_pattern(labels: tuple[str, ...]) -> Any:
    return restore_pattern(labels)
