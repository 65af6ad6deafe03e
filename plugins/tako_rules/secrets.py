"""The secrets guard: credentials, keys and tokens, redacted with a label."""

from __future__ import annotations

import re

from pydantic import Field

from guardrails.protocol import BaseGuard, CheckContext, GuardConfig, Resources
from guardrails.results import Span, Verdict, verdict
from tako_rules._common import IntervalSet, apply_spans, resolve_overlaps, shannon_entropy
from tako_rules._trie import trie_pattern

__all__ = ["SECRET_PATTERNS", "SecretsGuard"]

SECRET_PATTERNS: tuple[tuple[str, str, str], ...] = (
    # (label, quick literals (|-separated, lower-case) one of which must occur in the lower-cased
    # text, pattern); group 1, when present, is what gets redacted
    ("AWS_ACCESS_KEY_ID", "akia|asia|abia|acca|a3t", r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}(?![A-Z0-9])"),
    ("AWS_SECRET_ACCESS_KEY", "aws",
     r"(?i)aws.{0,20}?(?:secret|private)?.{0,20}?(?:key|token)\W{0,4}[:=]\W{0,4}([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"),
    ("GCP_API_KEY", "aiza", r"(?<![\w-])AIza[0-9A-Za-z_\-]{35}(?![\w-])"),
    ("GCP_PRIVATE_KEY_ID", "private_key_id", r'"private_key_id"\s{0,5}:\s{0,5}"([0-9a-f]{40})"'),
    ("AZURE_STORAGE_KEY", "accountkey", r"AccountKey=([A-Za-z0-9+/]{40,100}={0,2})"),
    ("AZURE_SAS_TOKEN", "sig=", r"[?&]sig=([A-Za-z0-9%+/]{30,120}(?:%3D|=){0,2})"),
    ("GITHUB_TOKEN", "ghp_|gho_|ghu_|ghs_|ghr_", r"(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36,251}(?![A-Za-z0-9_])"),
    ("GITHUB_PAT", "github_pat_", r"(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{60,251}"),
    ("GITLAB_TOKEN", "glpat-|glptt-|gldt-|glrt-|glsoat-|glcbt-|glimt-|glagent-|gloas-", r"(?<![\w-])gl(?:pat|ptt|dt|rt|soat|cbt|imt|agent|oas)-[A-Za-z0-9_\-]{20,64}(?![\w-])"),
    ("SLACK_TOKEN", "xox", r"(?<![\w-])xox[abprse]-[A-Za-z0-9-]{10,250}(?![\w-])"),
    ("SLACK_WEBHOOK", "hooks.slack.com",
     r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/]{20,120}"),
    ("STRIPE_KEY", "_live_", r"(?<![\w])(?:sk|rk)_live_[0-9a-zA-Z]{20,247}(?![\w])"),
    ("STRIPE_TEST_KEY", "_test_", r"(?<![\w])(?:sk|rk)_test_[0-9a-zA-Z]{20,247}(?![\w])"),
    ("ANTHROPIC_API_KEY", "sk-ant-", r"(?<![\w-])sk-ant-(?:api|admin|sid)\d{2}-[A-Za-z0-9_\-]{40,200}(?![\w-])"),
    ("OPENAI_API_KEY", "sk-",
     r"(?<![\w-])sk-(?!ant-)(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_\-]{20,200}(?![\w-])"),
    ("JWT", "eyj", r"(?<![\w-])eyJ[A-Za-z0-9_-]{8,4000}\.eyJ[A-Za-z0-9_-]{8,8000}\.[A-Za-z0-9_-]{8,2000}(?![\w-])"),
    ("CONNECTION_STRING_PASSWORD", "://",
     r"\b[a-zA-Z][a-zA-Z0-9+.-]{1,20}://[^\s:/@'\"]{1,128}:([^\s:/@'\"]{1,256})@[^\s/'\"]{1,253}"),
    ("PASSWORD_ASSIGNMENT", "pass|pwd",
     r"(?i)\b(?:password|passwd|pwd|passphrase)\b[\"']?\s{0,3}[:=]\s{0,3}[\"']?([^\s\"',;]{6,200})"),
)
"""The shipped detectors. Patterns use bounded quantifiers only and run in linear time."""

_PEM_BEGIN = r"-----BEGIN ((?:[A-Z0-9]+ ){0,4})PRIVATE KEY(?: BLOCK)?-----"
_KEYWORD = r"(?i)\b(?:api[_\s-]?key|secret|token|access[_-]?key|client[_-]?secret|auth|bearer|credential|private[_-]?key|signature|passwd|password)"
_KEYWORD_ROOTS = ("key", "secret", "token", "auth", "bearer", "credential", "signature", "passw")
_TOKEN = r"(?<![A-Za-z0-9+/=_\-.])[A-Za-z0-9+/=_\-.]{20,512}(?![A-Za-z0-9+/=_\-.])"
_PLACEHOLDERS = ("${", "{{", "<", "%(", "***", "xxx", "...", "your_", "your-", "changeme", "example")


class SecretsGuard(BaseGuard):
    """Finds credentials (cloud keys, GitHub/GitLab/Slack/Stripe tokens, OpenAI- and
    Anthropic-style keys, JWTs, PEM private keys, passwords in connection strings and
    assignments, high-entropy tokens next to key words) and redacts them as ``[LABEL]``."""

    name = "secrets"
    stages = frozenset({"input", "output", "context"})
    changes_text = True
    categories = ("secrets",)

    class Config(GuardConfig):
        """Which detectors run and how high-entropy tokens are judged."""

        disable: list[str] = Field(default_factory=list)
        """Labels of shipped detectors to switch off (e.g. STRIPE_TEST_KEY)."""
        entropy: bool = True
        """Also flag high-entropy tokens within ``keyword_window`` characters after a key word."""
        entropy_threshold: float = Field(3.5, ge=0.0, le=8.0)
        """Shannon entropy, bits per character, a token needs (hex tops out at 4.0)."""
        min_token_length: int = Field(20, ge=8)
        keyword_window: int = Field(40, ge=0, le=200)
        private_keys: bool = True

    def __init__(self, config: SecretsGuard.Config, resources: Resources | None = None) -> None:
        super().__init__(config, resources)
        off = set(config.disable)
        self._patterns = [
            (label, tuple(q for q in quick.split("|") if q), re.compile(pattern))
            for label, quick, pattern in SECRET_PATTERNS
            if label not in off
        ]
        quick = {q for _, literals, _ in self._patterns for q in literals}
        self._quick = (
            re.compile(trie_pattern(quick, space=" "))
            if quick and all(literals for _, literals, _ in self._patterns) else None
        )
        """One of every detector's quick literals (one scan; most texts hold none); None: no pre-check."""
        self._pem = re.compile(_PEM_BEGIN)
        self._keyword = re.compile(_KEYWORD)
        self._keyword_root = re.compile(trie_pattern(_KEYWORD_ROOTS))
        self._token = re.compile(_TOKEN)

    def find(self, text: str) -> list[Span]:
        """Non-overlapping secret spans in ``text``."""
        spans: list[Span] = []
        low = text.lower()
        patterns = self._patterns if self._quick is None or self._quick.search(low) else ()
        for label, quick, pattern in patterns:
            if quick and not any(q in low for q in quick):
                continue
            for m in pattern.finditer(text):
                g = 1 if m.re.groups and m.group(1) is not None else 0
                value = m.group(g)
                if g and label in ("PASSWORD_ASSIGNMENT", "CONNECTION_STRING_PASSWORD") and _placeholder(value):
                    continue
                if label == "OPENAI_API_KEY" and shannon_entropy(value) < 3.0:
                    continue
                spans.append(_span(m.start(g), m.end(g), label))
        if self.config.private_keys and "PRIVATE KEY" in text:
            spans += self._private_keys(text)
        if self.config.entropy and self._keyword_root.search(low):
            spans += self._high_entropy(text, spans)
        return resolve_overlaps(spans)

    def _private_keys(self, text: str) -> list[Span]:
        spans: list[Span] = []
        pos = 0
        while True:
            m = self._pem.search(text, pos)
            if m is None:
                return spans
            end_marker = text.find("-----END ", m.end())
            if end_marker == -1:
                body = re.match(r"[A-Za-z0-9+/=\s]{0,16384}", text[m.end() :])
                end = m.end() + (body.end() if body else 0)
                spans.append(_span(m.start(), end, "PRIVATE_KEY"))
                return spans
            close = text.find("-----", end_marker + 9)
            end = close + 5 if close != -1 else len(text)
            spans.append(_span(m.start(), end, "PRIVATE_KEY"))
            pos = end

    def _high_entropy(self, text: str, already: list[Span]) -> list[Span]:
        cfg = self.config
        keywords = [m.end() for m in self._keyword.finditer(text)]
        if not keywords:
            return []
        taken = IntervalSet()
        for s in resolve_overlaps(already):
            taken.add(s.start, s.end)
        spans = []
        k = 0
        for m in self._token.finditer(text):
            while k < len(keywords) and keywords[k] <= m.start() - cfg.keyword_window:
                k += 1
            if k >= len(keywords) or keywords[k] > m.start():
                continue
            value = m.group()
            if len(value) < cfg.min_token_length or taken.overlaps(m.start(), m.end()):
                continue
            if not (any(c.isdigit() for c in value) and any(c.isalpha() for c in value)):
                continue
            if "." in value and value.replace(".", "").isalpha():
                continue
            if shannon_entropy(value) >= cfg.entropy_threshold and not _placeholder(value):
                spans.append(_span(m.start(), m.end(), "HIGH_ENTROPY_TOKEN"))
        return spans

    def check(self, text: str, context: CheckContext) -> Verdict:
        """Redact every secret found as ``[LABEL]``."""
        spans = self.find(text)
        if not spans:
            return verdict()
        labels: dict[str, int] = {}
        for s in spans:
            labels[s.label] = labels.get(s.label, 0) + 1
        score = 0.8 if set(labels) <= {"HIGH_ENTROPY_TOKEN", "PASSWORD_ASSIGNMENT"} else 1.0
        return verdict(
            {"secrets": score},
            spans=tuple(spans),
            text=apply_spans(text, spans),
            details={"secrets": labels},
        )


def _span(start: int, end: int, label: str) -> Span:
    return Span(start=start, end=end, category="secrets", label=label, replacement=f"[{label}]")


def _placeholder(value: str) -> bool:
    low = value.lower()
    return any(p in low for p in _PLACEHOLDERS) or len(set(low)) <= 2
