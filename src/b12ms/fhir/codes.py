"""The code table: which FHIR codings b12ms recognises, built from the knowledge (``analytes.toml``,
``vocabulary.toml`` and ``fhir_codes.toml``, all under ``knowledge/data`` and its content hash).

Lab codes come from ``analytes.toml`` (LOINC and SNOMED CT per analyte); condition and medicine
codes from the ``codes`` of vocabulary terms (``system|code``); MS, pregnancy, route and
qualitative-result codes from the proposed-knowledge file. Matching is system-aware: a LOINC code
is only looked up as LOINC, so a local code that happens to read ``2132-9`` is not B12. ICD-10
codes match their subcodes (``K50`` covers ``K50.10``), with or without the dot.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

from b12ms.errors import KnowledgeError
from b12ms.knowledge import Knowledge
from b12ms.knowledge.schema import VocabularyKind

__all__ = [
    "ICD10_SYSTEMS",
    "LOINC",
    "RXNORM",
    "SNOMED",
    "UCUM",
    "CodeTable",
    "Route",
    "code_table",
    "text_tokens",
]

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ICD10_SYSTEMS = frozenset(
    {"http://hl7.org/fhir/sid/icd-10", "http://hl7.org/fhir/sid/icd-10-cm", "http://hl7.org/fhir/sid/icd-10-uk"}
)
Route = Literal["oral", "sublingual", "intramuscular"]
Code = tuple[str, str]
"""(system, code) — the identity of a coding."""

_DATA_FILE = "fhir_codes.toml"
_TEXT_KINDS: tuple[VocabularyKind, ...] = ("medication", "supplement")
_TOKEN = re.compile(r"[a-z0-9µμ]+")


def text_tokens(text: str) -> tuple[str, ...]:
    """Lower-case word tokens: "Metformin HCl 500mg" → ("metformin", "hcl", "500mg")."""
    return tuple(_TOKEN.findall(text.lower().replace("'", "").replace("’", "")))


def _icd_key(code: str) -> str:
    return code.replace(".", "").strip().upper()


def _pair(text: str, where: str) -> Code:
    system, sep, code = text.partition("|")
    if not sep or not system or not code:
        raise KnowledgeError(f"{where}: {text!r} is not a system|code pair")
    return system.strip(), code.strip()


@dataclass(frozen=True)
class CodeTable:
    """Everything the FHIR adapter recognises, keyed by (system, code)."""

    labs: Mapping[Code, str]
    terms: Mapping[Code, tuple[VocabularyKind, str]]
    ms: Mapping[Code, bool]
    pregnancy_status: frozenset[Code]
    pregnant_values: frozenset[Code]
    not_pregnant_values: frozenset[Code]
    pregnancy_conditions: Mapping[Code, bool]
    pregnancy_stale_after_days: int
    routes: Mapping[Code, Route]
    qualitative: Mapping[Code, str]
    text_names: Mapping[str, tuple[tuple[tuple[str, ...], VocabularyKind, str], ...]]
    b12ms_codesystem_base: str
    status_rule: str
    data_version: str
    data_sha256: str

    def lab(self, system: str, code: str) -> str | None:
        """The analyte id of a lab coding, else None."""
        return self.labs.get((system, code.strip()))

    def term(self, system: str, code: str) -> tuple[VocabularyKind, str] | None:
        """The (kind, term id) of a condition or medicine coding, else None."""
        found: tuple[VocabularyKind, str] | None = _lookup(self.terms, system, code)
        return found

    def is_ms(self, system: str, code: str) -> bool:
        return _lookup(self.ms, system, code) is not None

    def is_pregnancy_condition(self, system: str, code: str) -> bool:
        return _lookup(self.pregnancy_conditions, system, code) is not None

    def terms_in_text(self, text: str) -> list[tuple[VocabularyKind, str]]:
        """Medicine and supplement terms whose name occurs as whole words in ``text``
        ("Hydroxocobalamin 1mg/1ml solution for injection" → supplement b12)."""
        tokens = text_tokens(text)
        found: list[tuple[VocabularyKind, str]] = []
        for start, token in enumerate(tokens):
            for name, kind, term in self.text_names.get(token, ()):
                if tokens[start : start + len(name)] == name and (kind, term) not in found:
                    found.append((kind, term))
        return found


def _lookup(table: Mapping[Code, Any], system: str, code: str) -> Any:
    code = code.strip()
    if system not in ICD10_SYSTEMS:
        return table.get((system, code))
    key = _icd_key(code)
    while len(key) >= 3:  # ICD-10: a category (3 characters) covers its subcodes
        found = table.get((system, key))
        if found is not None:
            return found
        key = key[:-1]
    return None


def _normalised(system: str, code: str) -> Code:
    return (system, _icd_key(code)) if system in ICD10_SYSTEMS else (system, code)


def _codes(items: Iterable[str], where: str) -> frozenset[Code]:
    return frozenset(_normalised(*_pair(item, where)) for item in items)


def _load_data() -> tuple[dict[str, Any], str]:
    from b12ms.knowledge.loader import DATA_DIR  # in the knowledge folder: covered by its sha256

    raw = (DATA_DIR / _DATA_FILE).read_bytes()
    try:
        return tomllib.loads(raw.decode("utf-8")), hashlib.sha256(raw).hexdigest()
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise KnowledgeError(f"knowledge/data/{_DATA_FILE}: {error}") from None


def _lab_codes(kb: Knowledge) -> dict[Code, str]:
    labs: dict[Code, str] = {}
    for analyte in kb.analytes.values():
        pairs = [(LOINC, c.code) for c in analyte.loinc] + [(SNOMED, c) for c in analyte.snomed]
        for pair in pairs:
            if labs.setdefault(pair, analyte.id) != analyte.id:
                raise KnowledgeError(f"analytes.toml: {pair[0]}|{pair[1]} is listed for two analytes")
    return labs


def _term_codes(kb: Knowledge, extra: list[dict[str, Any]]) -> dict[Code, tuple[VocabularyKind, str]]:
    terms: dict[Code, tuple[VocabularyKind, str]] = {}

    def add(pair: Code, kind: VocabularyKind, term: str, where: str) -> None:
        if terms.setdefault(_normalised(*pair), (kind, term)) != (kind, term):
            raise KnowledgeError(f"{where}: {pair[0]}|{pair[1]} is listed for two terms")

    for kind, entries in kb.terms.items():
        for term in entries.values():
            for text in term.codes:
                add(_pair(text, f"vocabulary.toml {term.id}"), kind, term.id, "vocabulary.toml")
    for index, entry in enumerate(extra):
        where = f"knowledge/data/{_DATA_FILE} term_codes[{index}]"
        kind = cast(VocabularyKind, entry.get("kind"))
        term_id = str(entry.get("term"))
        if kind not in kb.terms or term_id not in kb.terms[kind]:
            raise KnowledgeError(f"{where}: {kind}/{term_id} is not a vocabulary term")
        for text in entry.get("codes", []):
            add(_pair(text, where), kind, term_id, where)
    return terms


def _text_names(kb: Knowledge) -> dict[str, tuple[tuple[tuple[str, ...], VocabularyKind, str], ...]]:
    index: dict[str, list[tuple[tuple[str, ...], VocabularyKind, str]]] = {}
    for kind in _TEXT_KINDS:
        for name in kb.term_names(kind):
            term = kb.find_term(kind, name)
            tokens = text_tokens(name.replace("_", " "))
            if term is not None and tokens:
                index.setdefault(tokens[0], []).append((tokens, kind, term))
    # Longer names first, so "folic acid" is tried before a one-word alias.
    return {k: tuple(sorted(v, key=lambda e: -len(e[0]))) for k, v in index.items()}


def _build(kb: Knowledge) -> CodeTable:
    data, sha = _load_data()
    where = f"knowledge/data/{_DATA_FILE}"
    try:
        pregnancy = data["pregnancy"]
        ms = {_normalised(str(e["system"]), str(e["code"])): True for e in data["ms_code"]}
        routes: dict[Code, Route] = {}
        route: Route
        for route in ("oral", "sublingual", "intramuscular"):
            for pair in _codes(data["routes"][route], f"{where} routes.{route}"):
                routes[pair] = route
        qualitative = {
            pair: result
            for result in ("positive", "negative")
            for pair in _codes(data["qualitative"][result], f"{where} qualitative.{result}")
        }
        proposed = data.get("proposed_rule", [{}])[0]
        status_rule = proposed.get("id") if proposed.get("id") in kb.rules else proposed.get("fallback")
        if status_rule not in kb.rules:
            raise KnowledgeError(f"{where}: neither the proposed rule nor its fallback is a rule in rules.toml")
        return CodeTable(
            labs=_lab_codes(kb),
            terms=_term_codes(kb, data.get("term_codes", [])),
            ms=ms,
            pregnancy_status=_codes(pregnancy["status_codes"], f"{where} pregnancy.status_codes"),
            pregnant_values=_codes(pregnancy["pregnant_values"], f"{where} pregnancy"),
            not_pregnant_values=_codes(pregnancy["not_pregnant_values"], f"{where} pregnancy"),
            pregnancy_conditions=dict.fromkeys(
                _codes(pregnancy["condition_codes"], f"{where} pregnancy.condition_codes"), True
            ),
            pregnancy_stale_after_days=int(pregnancy["stale_after_days"]),
            routes=routes,
            qualitative=qualitative,
            text_names=_text_names(kb),
            b12ms_codesystem_base=str(data["code_systems"]["b12ms_base"]).rstrip("/"),
            status_rule=str(status_rule),
            data_version=str(data["version"]),
            data_sha256=sha,
        )
    except (KeyError, TypeError, ValueError) as error:
        raise KnowledgeError(f"{where}: missing or malformed entry ({error})") from None


_TABLES: dict[int, tuple[weakref.ref[Knowledge], CodeTable]] = {}


def code_table(kb: Knowledge) -> CodeTable:
    """The code table for ``kb``, built once per loaded knowledge (cached by identity)."""
    cached = _TABLES.get(id(kb))
    if cached is not None and cached[0]() is kb:
        return cached[1]
    table = _build(kb)
    _TABLES[id(kb)] = (weakref.ref(kb), table)
    return table
