"""National identity numbers of the largest markets, confirmed by their checksums (python-stdnum).

Each kind has a candidate pattern, the ``stdnum`` module that validates it (check digits, and
for most a birth date or region code inside), and the words that name it. A candidate written
in the kind's own distinctive shape (``390.533.447-05``, ``971013-9019902``, a 16-character
codice fiscale) counts on its checksum alone; a bare run of digits that many kinds share (11
digits: PESEL, T.C. Kimlik, Steuer-ID, CPF) counts only after a word naming the kind ("PESEL",
"CPF", "BSN", "Aadhaar", "マイナンバー") or a generic one ("ID number", "Ausweisnummer").
``US_SSN`` keeps its own detector (issued ranges, no checksum exists).
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from typing import Any

__all__ = ["ID_KINDS", "NATIONAL_ID_LABELS", "IdFinder", "IdKind"]

_GENERIC = (
    "id number", "id no", "id nr", "identity number", "identity card", "national id", "personal number",
    "personal id", "citizen id", "ausweis", "personalausweis", "identifikationsnummer", "numéro d'identité",
    "numero d'identite", "carte d'identité", "número de identidad", "numero de identidad", "documento",
    "cédula", "cedula", "carta d'identità", "identiteitsnummer", "numer identyfikacyjny", "kimlik",
    "nomor induk", "số định danh", "căn cước", "身份证", "身分證", "주민등록", "マイナンバー", "個人番号",
    "рақам", "паспорт", "удостоверени", "رقم الهوية", "पहचान संख्या", "เลขประจำตัว",
)


@dataclass(frozen=True)
class IdKind:
    """One national id: label, validating ``stdnum`` module, patterns and the words that name it."""

    label: str
    module: str
    pattern: str
    """Candidates (case-sensitive unless the pattern says otherwise)."""
    shape: str | None
    """A candidate that fully matches this counts without a context word (None: always needs one)."""
    words: tuple[str, ...]
    """Lower-case words naming the kind; any of them in the 40 characters before makes a candidate count."""


ID_KINDS: tuple[IdKind, ...] = (
    IdKind("CN_RIC", "stdnum.cn.ric", r"(?<![\w])\d{17}[\dXx](?![\w])", r".+", ("身份证", "身分證", "ric")),
    IdKind("KR_RRN", "stdnum.kr.rrn", r"(?<![\w-])\d{6}-?\d{7}(?![\w-])", r"\d{6}-\d{7}", ("주민등록", "rrn")),
    IdKind("MX_CURP", "stdnum.mx.curp", r"(?<![\w])[A-Z]{4}\d{6}[HMX][A-Z]{5}[A-Z0-9]\d(?![\w])", r".+", ("curp",)),
    IdKind("IT_FISCAL_CODE", "stdnum.it.codicefiscale",
           r"(?i)(?<![\w])[A-Z]{6}[\dLMNPQRSTUV]{2}[A-EHLMPR-T][\dLMNPQRSTUV]{2}[A-Z][\dLMNPQRSTUV]{3}[A-Z](?![\w])",
           r".+", ("codice fiscale", "cf", "fiscal code")),
    IdKind("BR_CPF", "stdnum.br.cpf", r"(?<![\w.-])\d{3}\.?\d{3}\.?\d{3}-?\d{2}(?![\w-]|\.\d)",
           r"\d{3}\.\d{3}\.\d{3}-\d{2}", ("cpf",)),
    IdKind("FR_NIR", "stdnum.fr.nir",
           r"(?<![\w])[12] ?\d{2} ?\d{2} ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}(?![\w])", r".+",
           ("nir", "sécurité sociale", "securite sociale", "numéro de sécu", "insee")),
    IdKind("ES_DNI", "stdnum.es.dni", r"(?<![\w-])\d{8}-?[A-Za-z](?![\w])", r".+", ("dni", "nif")),
    IdKind("ES_NIE", "stdnum.es.nie", r"(?<![\w-])[XYZxyz]-?\d{7}-?[A-Za-z](?![\w])", r".+", ("nie", "nif")),
    IdKind("IN_PAN", "stdnum.in_.pan", r"(?<![\w])[A-Z]{3}[ABCFGHJLPT][A-Z]\d{4}[A-Z](?![\w])", r".+", ("pan",)),
    IdKind("SE_PERSONNUMMER", "stdnum.se.personnummer", r"(?<![\w-])(?:\d{2})?\d{6}[-+]\d{4}(?![\w-])", r".+",
           ("personnummer",)),
    IdKind("IN_AADHAAR", "stdnum.in_.aadhaar", r"(?<![\w-])[2-9]\d{3}[ -]?\d{4}[ -]?\d{4}(?![\w-])",
           r"\d{4}([ -])\d{4}\1\d{4}", ("aadhaar", "aadhar", "uidai", "आधार")),
    IdKind("JP_MY_NUMBER", "stdnum.jp.in_", r"(?<![\w-])\d{4}[ -]?\d{4}[ -]?\d{4}(?![\w-])", None,
           ("マイナンバー", "個人番号", "my number", "mynumber")),
    IdKind("TH_ID", "stdnum.th.pin", r"(?<![\w-])\d-?\d{4}-?\d{5}-?\d{2}-?\d(?![\w-])", r"\d-\d{4}-\d{5}-\d{2}-\d",
           ("บัตรประชาชน", "เลขประจำตัวประชาชน", "thai id")),
    IdKind("CA_SIN", "stdnum.ca.sin", r"(?<![\w-])\d{3}[ -]?\d{3}[ -]?\d{3}(?![\w-])", r"\d{3}-\d{3}-\d{3}",
           ("sin", "social insurance", "nas", "assurance sociale")),
    IdKind("GB_NHS", "stdnum.gb.nhs", r"(?<![\w-])\d{3}[ -]?\d{3}[ -]?\d{4}(?![\w-])", None, ("nhs",)),
    IdKind("DE_TAX_ID", "stdnum.de.idnr", r"(?<![\w-])\d{2} ?\d{3} ?\d{3} ?\d{3}(?![\w-])", None,
           ("steuer-id", "steuerid", "steuer id", "steuernummer", "idnr", "identifikationsnummer", "tax id")),
    IdKind("PL_PESEL", "stdnum.pl.pesel", r"(?<![\w-])\d{11}(?![\w-])", None, ("pesel",)),
    IdKind("TR_TCKN", "stdnum.tr.tckimlik", r"(?<![\w-])[1-9]\d{10}(?![\w-])", None,
           ("kimlik", "tckn", "tc no", "t.c.", "tc kimlik")),
    IdKind("NL_BSN", "stdnum.nl.bsn", r"(?<![\w-])\d{4}\.?\d{2}\.?\d{3}(?![\w-])", None,
           ("bsn", "burgerservicenummer", "sofinummer")),
    IdKind("ZA_ID", "stdnum.za.idnr", r"(?<![\w-])\d{13}(?![\w-])", None, ("sa id", "identity number", "id number")),
    IdKind("AU_TFN", "stdnum.au.tfn", r"(?<![\w-])\d{3} ?\d{3} ?\d{2,3}(?![\w-])", None, ("tfn", "tax file")),
    IdKind("RU_INN", "stdnum.ru.inn", r"(?<![\w-])\d{12}(?![\w-])", None, ("инн", "inn")),
)
"""The national ids found (order: most distinctive first; the first kind that validates wins)."""

NATIONAL_ID_LABELS: tuple[str, ...] = tuple(k.label for k in ID_KINDS)
_DIGIT_LENGTHS: dict[str, frozenset[int]] = {
    "CN_RIC": frozenset({17, 18}), "KR_RRN": frozenset({13}), "BR_CPF": frozenset({11}), "FR_NIR": frozenset({15}),
    "SE_PERSONNUMMER": frozenset({10, 12}), "IN_AADHAAR": frozenset({12}), "JP_MY_NUMBER": frozenset({12}),
    "TH_ID": frozenset({13}), "CA_SIN": frozenset({9}), "GB_NHS": frozenset({10}), "DE_TAX_ID": frozenset({11}),
    "PL_PESEL": frozenset({11}), "TR_TCKN": frozenset({11}), "NL_BSN": frozenset({9}), "ZA_ID": frozenset({13}),
    "AU_TFN": frozenset({8, 9}), "RU_INN": frozenset({12}),
}
"""Kinds written with digits only (CN_RIC may end in X: its run holds 17 digits then)."""


def _words_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """Latin words match whole (``sin`` is not in "using"); other scripts match as substrings."""
    parts = [rf"(?<!\w){re.escape(w)}(?!\w)" if w.isascii() else re.escape(w) for w in words]
    return re.compile("|".join(parts))


_GENERIC_RE = _words_pattern(_GENERIC)


class _Compiled:
    __slots__ = ("generic_ok", "kind", "lengths", "pattern", "shape", "validator", "words")

    def __init__(self, kind: IdKind) -> None:
        self.kind = kind
        self.pattern = re.compile(kind.pattern)
        self.shape = re.compile(kind.shape) if kind.shape else None
        self.words = _words_pattern(kind.words)
        self.generic_ok = kind.label not in ("AU_TFN",)
        self.validator: Any = None
        self.lengths = _DIGIT_LENGTHS.get(kind.label, frozenset())
        """Digits a digit-only kind has (its candidates are looked for in digit runs of that size)."""

    def valid(self, value: str) -> bool:
        if self.validator is None:  # imported on first use: most texts never need it
            self.validator = importlib.import_module(self.kind.module)
        try:
            return bool(self.validator.is_valid(value))
        except Exception:  # a validator must never break the request
            return False


_RUN = re.compile(r"[0-9](?:[ .\-]?[0-9]){6,21}")
"""Digit runs (with the separators ids are written with) where digit-only kinds can be."""
_LETTERS = re.compile(r"[A-Za-z]{3}[0-9]{2}|[0-9]{7,8}-?[A-Za-z](?![A-Za-z])")
"""Where kinds with letters can be (PAN, CURP, codice fiscale, DNI, NIE)."""


class IdFinder:
    """Finds the national ids of ``labels`` in a text."""

    def __init__(self, labels: frozenset[str]) -> None:
        self.kinds = [_Compiled(k) for k in ID_KINDS if k.label in labels]
        self._digit_kinds = [c for c in self.kinds if c.lengths]
        self._letter_kinds = [c for c in self.kinds if not c.lengths]

    def find(self, text: str) -> list[tuple[int, int, str, float]]:
        """(start, end, label, confidence) of each national id; overlapping kinds: first wins."""
        if not self.kinds:
            return []
        found: list[tuple[int, int, int, str, float]] = []  # (kind order, start, end, label, score)
        lower: list[str] = []
        order = {id(c): i for i, c in enumerate(self.kinds)}
        if self._letter_kinds and _LETTERS.search(text):
            for c in self._letter_kinds:
                found += [(order[id(c)], *hit) for hit in self._hits(c, text, 0, len(text), lower)]
        if self._digit_kinds:
            for run in _RUN.finditer(text):
                n = sum(ch.isdigit() for ch in run.group())
                lo, hi = max(0, run.start() - 1), min(len(text), run.end() + 1)
                for c in self._digit_kinds:
                    if n in c.lengths:
                        found += [(order[id(c)], *hit) for hit in self._hits(c, text, lo, hi, lower)]
        found.sort()
        out: list[tuple[int, int, str, float]] = []
        for _, start, end, label, score in found:
            if not any(start < e and s < end for s, e, _, _ in out):
                out.append((start, end, label, score))
        return out

    @staticmethod
    def _hits(c: _Compiled, text: str, lo: int, hi: int, lower: list[str]) -> list[tuple[int, int, str, float]]:
        hits = []
        for m in c.pattern.finditer(text, lo, hi):
            start, end = m.start(), m.end()
            value = m.group()
            shaped = c.shape is not None and c.shape.fullmatch(value) is not None
            if not shaped:
                if not lower:
                    lower.append(text.lower())
                before = lower[0][max(0, start - 40) : start]
                named = c.words.search(before) is not None
                if not named and not (c.generic_ok and _GENERIC_RE.search(before)):
                    continue
            if c.valid(value):
                hits.append((start, end, c.kind.label, 0.9 if shaped else 0.95))
        return hits
