"""Load the knowledge data files, validate them and build the :class:`Knowledge` object.

Fails with :class:`~b12ms.errors.KnowledgeError` naming the file, the entry and the rule broken:
unknown keys, duplicate ids, dangling reference ids, units that do not parse or have the wrong
dimension, and ids the engine needs (``contract.py``) that are missing.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar, cast, get_args

from pydantic import BaseModel, ValidationError

from b12ms.errors import KnowledgeError
from b12ms.knowledge import contract
from b12ms.knowledge.base import Reference
from b12ms.knowledge.model import Knowledge, UnitFact, normalise_term
from b12ms.knowledge.schema import (
    Analyte,
    BandSet,
    Cb12Model,
    Flag,
    ManagementOption,
    Rule,
    Term,
    Threshold,
    VocabularyKind,
    Wording,
)
from b12ms.knowledge.units import UnitConverter, registry

__all__ = ["DATA_DIR", "content_sha256", "knowledge_version", "load_knowledge"]

DATA_DIR = Path(__file__).parent / "data"
R = TypeVar("R", bound=BaseModel)


def content_sha256(data_dir: Path) -> str:
    """sha256 over every file under ``data_dir`` (relative path and bytes, in sorted order)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        if "__pycache__" in path.parts:
            continue
        digest.update(path.relative_to(data_dir).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def knowledge_version(data_dir: Path) -> str:
    """The knowledge version alone, for adapters that need it without loading everything."""
    version = _read_toml(data_dir / "knowledge.toml").get("version")
    if not isinstance(version, str):
        raise KnowledgeError("knowledge.toml: 'version' must be a string")
    return version


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise KnowledgeError(f"{path.name}: knowledge file is missing") from None
    except tomllib.TOMLDecodeError as error:
        raise KnowledgeError(f"{path.name}: not valid TOML: {error}") from None


def _records(model: type[R], rows: Iterable[Any], where: str) -> list[R]:
    out: list[R] = []
    for index, row in enumerate(rows):
        label = row.get("id", f"#{index}") if isinstance(row, dict) else f"#{index}"
        try:
            out.append(model.model_validate(row))
        except ValidationError as error:
            details = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'entry'}: {e['msg']}" for e in error.errors())
            raise KnowledgeError(f"{where}: entry {label!r}: {details}") from None
    return out


def _by_id(records: Iterable[R], where: str) -> dict[str, R]:
    out: dict[str, R] = {}
    for record in records:
        key = cast(str, getattr(record, "id"))  # noqa: B009 - every record model has an id
        if key in out:
            raise KnowledgeError(f"{where}: duplicate id {key!r}")
        out[key] = record
    return out


def _reference_ids(value: Any) -> Iterator[tuple[str, str]]:
    """Yield (field, id) for every reference id anywhere inside a record."""
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            item = getattr(value, name)
            if name in {"references", "molar_mass_references"}:
                for ref in item:
                    yield name, ref
            else:
                yield from _reference_ids(item)
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _reference_ids(item)


def check_references(records: Iterable[BaseModel], known: set[str], where: str) -> None:
    for record in records:
        label = getattr(record, "id", type(record).__name__)
        for field_name, ref in _reference_ids(record):
            if ref not in known:
                raise KnowledgeError(f"{where}: entry {label!r}: {field_name} id {ref!r} is not in the bibliography")


def _load_references(data_dir: Path) -> dict[str, Reference]:
    out: dict[str, Reference] = {}
    origin: dict[str, str] = {}
    files = sorted((data_dir / "references").glob("*.toml"))
    if not files:
        raise KnowledgeError("references/: no bibliography files found")
    for path in files:
        where = f"references/{path.name}"
        for ref in _records(Reference, _read_toml(path).get("reference", []), where):
            if ref.id in out:
                raise KnowledgeError(f"{where}: duplicate reference id {ref.id!r} (first defined in {origin[ref.id]})")
            out[ref.id] = ref
            origin[ref.id] = where
    return out


def _unit_facts(
    analytes: dict[str, Analyte], bands: dict[str, BandSet], conv: UnitConverter
) -> dict[tuple[str, str], UnitFact]:
    facts: dict[tuple[str, str], UnitFact] = {}
    for analyte in analytes.values():
        if analyte.kind != "quantitative":
            continue
        where = f"analytes.toml: entry {analyte.id!r}"
        molar = analyte.molar_mass.value if analyte.molar_mass else None
        canonical = next(u for u in analyte.units if u.code == analyte.canonical_unit)
        canonical_expr = canonical.pint or canonical.code
        own_bands = [b for b in bands.values() if b.analyte == analyte.id]
        for unit in analyte.units:
            expr = unit.pint or unit.code
            to_canonical = conv.factor(expr, canonical_expr, where, molar)
            # The NICE band in the same unit family (mass or molar) as the reported unit; else the
            # band in the canonical unit. Never cross mass <-> molar before comparing with NICE.
            same_family = [b for b in own_bands if conv.same_dimension(expr, b.unit, where)]
            band = same_family[0] if same_family else (own_bands[0] if own_bands else None)
            to_band = conv.factor(expr, band.unit, where, molar) if band else None
            family = conv.dimension(expr, where)
            fact = UnitFact(analyte.id, unit.code, family, to_canonical, band.id if band else None, to_band)
            for spelling in (unit.code, *unit.aliases):
                for key in {spelling, spelling.lower()}:
                    existing = facts.get((analyte.id, key))
                    if existing and existing.code != unit.code and key == spelling:
                        raise KnowledgeError(f"{where}: unit spelling {spelling!r} is given for two units")
                    facts.setdefault((analyte.id, key), fact)
    return facts


def _vocabulary(raw: dict[str, Any]) -> tuple[dict[str, str], dict[VocabularyKind, dict[str, Term]]]:
    roles = raw.get("roles", {})
    if not isinstance(roles, dict):
        raise KnowledgeError("vocabulary.toml: [roles] must be a table of role id = description")
    terms: dict[VocabularyKind, dict[str, Term]] = {}
    for kind in get_args(VocabularyKind):
        where = f"vocabulary.toml [{kind}]"
        terms[kind] = _by_id(_records(Term, raw.get(kind, []), where), where)
        for term in terms[kind].values():
            for role in term.roles:
                if role not in roles:
                    raise KnowledgeError(f"{where}: entry {term.id!r}: role {role!r} is not declared in [roles]")
    unknown_tables = set(raw) - {"roles", *get_args(VocabularyKind)}
    if unknown_tables:
        raise KnowledgeError(f"vocabulary.toml: unknown tables {sorted(unknown_tables)}")
    return roles, terms


def _only_tables(raw: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise KnowledgeError(f"{where}: unknown top-level keys {unknown} (allowed: {sorted(allowed)})")


def _require(present: Iterable[str], required: frozenset[str], what: str, where: str) -> None:
    missing = sorted(required - set(present))
    if missing:
        raise KnowledgeError(f"{where}: the engine needs {what} {missing}, which are missing")


def load_knowledge(data_dir: Path | None = None) -> Knowledge:
    """Read, validate and cross-check the knowledge base in ``data_dir`` (default: the package's)."""
    data_dir = data_dir or DATA_DIR
    meta = _read_toml(data_dir / "knowledge.toml")
    _only_tables(meta, {"version", "title", "scope", "reviewed", "dose_units"}, "knowledge.toml")
    for key in ("version", "title"):
        if not isinstance(meta.get(key), str):
            raise KnowledgeError(f"knowledge.toml: {key!r} must be a string")
    conv = UnitConverter(registry((data_dir / "units.txt").read_text(encoding="utf-8")))
    references = _load_references(data_dir)
    known = set(references)

    analytes = _by_id(
        _records(Analyte, _read_toml(data_dir / "analytes.toml").get("analyte", []), "analytes.toml"),
        "analytes.toml",
    )
    check_references(analytes.values(), known, "analytes.toml")
    _require(analytes, contract.REQUIRED_ANALYTES, "analytes", "analytes.toml")

    raw_thresholds = _read_toml(data_dir / "thresholds.toml")
    _only_tables(raw_thresholds, {"band", "threshold", "cb12"}, "thresholds.toml")
    bands = _by_id(_records(BandSet, raw_thresholds.get("band", []), "thresholds.toml [band]"), "thresholds.toml")
    thresholds = _by_id(_records(Threshold, raw_thresholds.get("threshold", []), "thresholds.toml"), "thresholds.toml")
    cb12 = _records(Cb12Model, [raw_thresholds.get("cb12", {})], "thresholds.toml [cb12]")[0]
    check_references([*bands.values(), *thresholds.values(), cb12], known, "thresholds.toml")
    for marker, unit in cb12.units.items():
        if marker not in analytes or analytes[marker].canonical_unit != unit:
            raise KnowledgeError(f"thresholds.toml [cb12]: {marker} must be an analyte with canonical unit {unit}")
    for band in bands.values():
        if band.analyte not in analytes:
            raise KnowledgeError(f"thresholds.toml: band {band.id!r}: analyte {band.analyte!r} is not defined")
        conv.parse(band.unit, f"thresholds.toml: band {band.id!r}")
    _require(thresholds, frozenset(contract.THRESHOLD_WORKING_UNITS), "thresholds", "thresholds.toml")
    limits = {
        tid: conv.factor(thresholds[tid].unit, unit, f"thresholds.toml: entry {tid!r}") * thresholds[tid].value
        for tid, unit in contract.THRESHOLD_WORKING_UNITS.items()
    }

    roles, terms = _vocabulary(_read_toml(data_dir / "vocabulary.toml"))
    all_terms = [t for kind_terms in terms.values() for t in kind_terms.values()]
    check_references(all_terms, known, "vocabulary.toml")
    _require(roles, contract.REQUIRED_ROLES, "roles", "vocabulary.toml")

    raw_rules = _read_toml(data_dir / "rules.toml")
    flags = _by_id(_records(Flag, raw_rules.get("flag", []), "rules.toml [flag]"), "rules.toml [flag]")
    rules = _by_id(_records(Rule, raw_rules.get("rule", []), "rules.toml [rule]"), "rules.toml [rule]")
    management = _by_id(
        _records(ManagementOption, raw_rules.get("management", []), "rules.toml [management]"),
        "rules.toml [management]",
    )
    check_references([*flags.values(), *rules.values(), *management.values()], known, "rules.toml")
    _require(flags, contract.REQUIRED_FLAGS, "flags", "rules.toml")
    _require(rules, contract.REQUIRED_RULES, "rules", "rules.toml")
    _require(management, contract.REQUIRED_MANAGEMENT, "management options", "rules.toml")
    status_wording = _by_id(
        _records(Wording, raw_rules.get("status", []), "rules.toml [status]"), "rules.toml [status]"
    )
    urgency_wording = _by_id(
        _records(Wording, raw_rules.get("urgency", []), "rules.toml [urgency]"), "rules.toml [urgency]"
    )
    _require(status_wording, contract.REQUIRED_STATUS_WORDING, "status wording", "rules.toml")
    _require(urgency_wording, contract.REQUIRED_URGENCY_WORDING, "urgency wording", "rules.toml")
    unknown_tables = set(raw_rules) - {"flag", "rule", "management", "status", "urgency"}
    if unknown_tables:
        raise KnowledgeError(f"rules.toml: unknown tables {sorted(unknown_tables)}")

    dose_units = {
        spelling: conv.factor(expr, "mg", f"knowledge.toml [dose_units] {spelling!r}")
        for spelling, expr in meta.get("dose_units", {}).items()
    }

    from b12ms.knowledge.evidence import load_evidence  # the evidence half has its own schema

    evidence = load_evidence(data_dir, known)
    from b12ms.diet.intakes import load_intakes  # validated here so a dangling id fails every load

    load_intakes(data_dir / "intakes.toml", known_reference_ids=known)

    return Knowledge(
        version=meta["version"],
        sha256=content_sha256(data_dir),
        title=meta["title"],
        references=MappingProxyType(references),
        analytes=MappingProxyType(analytes),
        bands=MappingProxyType(bands),
        thresholds=MappingProxyType(thresholds),
        limits=MappingProxyType(limits),
        terms=MappingProxyType({k: MappingProxyType(v) for k, v in terms.items()}),
        roles=MappingProxyType(roles),
        flags=MappingProxyType(flags),
        rules=MappingProxyType(rules),
        management=MappingProxyType(management),
        cb12=cb12,
        dose_units_to_mg=MappingProxyType(dose_units),
        status_wording=MappingProxyType(status_wording),
        urgency_wording=MappingProxyType(urgency_wording),
        evidence=evidence,
        _analyte_lookup=MappingProxyType(_analyte_lookup(analytes)),
        _unit_lookup=MappingProxyType(_unit_facts(analytes, bands, conv)),
        _term_lookup=MappingProxyType(
            {k: MappingProxyType(_term_lookup(v.values(), f"vocabulary.toml [{k}]")) for k, v in terms.items()}
        ),
        _role_members=MappingProxyType({role: frozenset(t.id for t in all_terms if role in t.roles) for role in roles}),
    )


def _analyte_lookup(analytes: dict[str, Analyte]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for analyte in analytes.values():
        names = [analyte.id, *analyte.aliases]
        for name in names:
            key = normalise_term(name)
            if lookup.get(key, analyte.id) != analyte.id:
                raise KnowledgeError(f"analytes.toml: name {name!r} is used by two analytes")
            lookup[key] = analyte.id
        for code in [*(c.code for c in analyte.loinc), *analyte.snomed]:
            lookup[code] = analyte.id
    return lookup


def _term_lookup(terms: Iterable[Term], where: str) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for term in terms:
        for name in (term.id, *term.aliases):
            key = normalise_term(name)
            if lookup.get(key, term.id) != term.id:
                raise KnowledgeError(f"{where}: name {name!r} is used by {lookup[key]!r} and {term.id!r}")
            lookup[key] = term.id
    return lookup
