"""The urls guard: risky links in model output (or input): deny/allow lists, IP hosts,
homograph and punycode domains, shorteners and non-http schemes."""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from urllib.parse import urlsplit

from pydantic import Field

from guardrails.protocol import BaseGuard, CheckContext, GuardConfig, Resources
from guardrails.results import Span, Verdict, verdict
from tako_rules._common import apply_spans

__all__ = ["UrlGuard"]

_URL = (
    r"(?i)\b(?:(?:https?|ftp|wss?)://(?:\[[0-9A-Fa-f:.]{2,45}\])?[^\s<>\"'`\]\[)]{0,2048}"
    r"|(?:javascript|vbscript|data|file):[^\s<>\"'`]{0,2048}"
    r"|www\.[^\s<>\"'`\]\[)]{1,2048})"
)
_SHORTENERS = (
    "bit.ly", "tinyurl.com", "t.co", "goo.gl", "ow.ly", "is.gd", "buff.ly", "rebrand.ly", "cutt.ly",
    "shorturl.at", "rb.gy", "t.ly", "tiny.cc", "bit.do", "lnkd.in", "s.id", "v.gd", "shorte.st",
    "adf.ly", "bl.ink", "tr.im", "qr.ae", "surl.li",
)
_RISK = {
    "denied": 1.0, "scheme": 1.0, "homograph": 0.9, "userinfo": 0.8, "ip_host": 0.8,
    "not_allowed": 0.8, "punycode": 0.7, "shortener": 0.6,
}


class UrlGuard(BaseGuard):
    """Finds links and scores ``url`` by the riskiest finding.

    Findings (score): domain on ``deny`` (1.0), non-http scheme such as ``javascript:`` or
    ``data:`` (1.0), mixed-script homograph host (0.9), ``user@host`` tricks (0.8), IP-literal
    host (0.8), host outside a non-empty ``allow`` list (0.8), punycode host (0.7), link
    shortener (0.6). Domains on ``allow`` (and their subdomains) are trusted. With ``redact``,
    flagged links are replaced by ``[URL]``.
    """

    name = "urls"
    stages = frozenset({"input", "output", "context"})
    changes_text = True
    categories = ("url",)

    class Config(GuardConfig):
        """Lists and switches."""

        allow: list[str] = Field(default_factory=list)
        """Trusted domains; when non-empty, every other domain is flagged ``not_allowed``."""
        deny: list[str] = Field(default_factory=list)
        shorteners: bool = True
        extra_shorteners: list[str] = Field(default_factory=list)
        ip_hosts: bool = True
        homographs: bool = True
        allowed_schemes: list[str] = Field(default_factory=lambda: ["http", "https", "ftp", "ws", "wss"])
        redact: bool = False

    def __init__(self, config: UrlGuard.Config, resources: Resources | None = None) -> None:
        super().__init__(config, resources)
        self._url = re.compile(_URL)
        self._allow = frozenset(d.lower().strip(".") for d in config.allow)
        self._deny = frozenset(d.lower().strip(".") for d in config.deny)
        self._short = frozenset(_SHORTENERS) | frozenset(d.lower() for d in config.extra_shorteners)
        self._schemes = frozenset(s.lower() for s in config.allowed_schemes)

    @staticmethod
    def _in(host: str, domains: frozenset[str]) -> bool:
        parts = host.split(".")
        return any(".".join(parts[i:]) in domains for i in range(len(parts)))

    def assess(self, url: str) -> list[str]:
        """The findings for one URL (empty when it looks fine)."""
        if url.lower().startswith("www."):
            url = "http://" + url
        scheme = url.split(":", 1)[0].lower()
        if scheme not in self._schemes:
            return ["scheme"]
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").rstrip(".")
        except ValueError:
            return ["ip_host"] if "[" in url else []
        if not host:
            return []
        host_l = host.lower()
        if self._in(host_l, self._deny):
            return ["denied"]
        if self._allow and self._in(host_l, self._allow):
            return []
        findings: list[str] = []
        if "@" in (parts.netloc or ""):
            findings.append("userinfo")
        if self.config.ip_hosts and _is_ip_host(host_l):
            findings.append("ip_host")
        if self.config.homographs:
            if "xn--" in host_l:
                findings.append("punycode")
            if not host.isascii() and _mixed_script(host):
                findings.append("homograph")
        if self.config.shorteners and host_l.removeprefix("www.") in self._short:
            findings.append("shortener")
        if self._allow and not findings:
            findings.append("not_allowed")
        elif self._allow:
            findings.append("not_allowed")
        return findings

    def check(self, text: str, context: CheckContext) -> Verdict:
        """Score ``url`` by the riskiest link; list every flagged link in the details."""
        if ":" not in text and "www." not in text.lower():
            return verdict()
        spans: list[Span] = []
        flagged: list[dict[str, object]] = []
        best = 0.0
        for m in self._url.finditer(text):
            url = m.group().rstrip(".,;:!?")
            findings = self.assess(url)
            if not findings:
                continue
            score = max(_RISK[f] for f in findings)
            best = max(best, score)
            flagged.append({"url": url[:200], "findings": findings})
            spans.append(Span(start=m.start(), end=m.start() + len(url), category="url",
                              label=findings[0].upper(), replacement="[URL]"))
        if not spans:
            return verdict()
        return Verdict(categories={"url": best}, spans=tuple(spans),
                       text=apply_spans(text, spans) if self.config.redact else None,
                       details={"urls": flagged[:20]})


def _is_ip_host(host: str) -> bool:
    h = host.strip("[]")
    try:
        ipaddress.ip_address(h)
        return True
    except ValueError:
        pass
    if h.isdigit() or (h.startswith("0x") and all(c in "0123456789abcdef" for c in h[2:])):
        return True  # decimal or hex integer hosts (http://3232235777)
    return False


def _mixed_script(host: str) -> bool:
    """True when a label mixes scripts, or Latin labels sit beside Cyrillic/Greek ones."""
    seen: set[str] = set()
    for label in host.split("."):
        scripts = {unicodedata.name(ch, "?").split(" ", 1)[0] for ch in label if ch.isalpha()}
        if len(scripts) > 1:
            return True
        seen |= scripts
    return "LATIN" in seen and bool(seen & {"CYRILLIC", "GREEK"})
