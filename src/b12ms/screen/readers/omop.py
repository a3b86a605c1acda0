"""OMOP CDM v5.4 tables -> fact tables (portable ibis: runs on DuckDB and on Spark).

Analytes: ``measurement_concept_id`` through the source's own ``concept`` table (vocabulary
LOINC) when there is one, else the screening code map (verified ids only unless trusted); when
that gives nothing, ``measurement_source_value`` read as a LOINC code or analyte name. Units:
``unit_concept_id`` through ``concept`` (vocabulary UCUM), else ``unit_source_value``. Conditions
and drugs: ``concept``/``concept_ancestor`` codes (ICD-10, SNOMED, RxNorm) when present, verified
concept ids, and the source value as a code or as text naming a term. MS and pregnancy come
from conditions (and ``observation`` for pregnancy, when that table exists).
"""

from __future__ import annotations

from typing import Any

import ibis  # type: ignore[import-untyped]
import pyarrow as pa  # type: ignore[import-untyped]

from b12ms.screen.readers.common import (
    Facts,
    as_date,
    as_float,
    blank_to_null,
    normalise_term_expr,
    require_columns,
    result_map,
    trimmed,
)
from b12ms.screen.readers.lookup_tables import CONDITION_KINDS, DRUG_KINDS, OBSERVATION_KINDS, Registered

__all__ = ["OMOP_OPTIONAL", "OMOP_REQUIRED", "omop_facts"]

OMOP_REQUIRED: dict[str, tuple[str, ...]] = {
    "person": ("person_id", "gender_concept_id"),
    "measurement": (
        "measurement_id",
        "person_id",
        "measurement_concept_id",
        "measurement_date",
        "value_as_number",
        "unit_concept_id",
        "unit_source_value",
        "measurement_source_value",
    ),
    "condition_occurrence": (
        "condition_occurrence_id",
        "person_id",
        "condition_concept_id",
        "condition_start_date",
        "condition_end_date",
        "condition_source_value",
    ),
    "drug_exposure": (
        "drug_exposure_id",
        "person_id",
        "drug_concept_id",
        "drug_exposure_start_date",
        "drug_exposure_end_date",
        "drug_source_value",
    ),
}
OMOP_OPTIONAL: dict[str, tuple[str, ...]] = {
    "observation": (
        "observation_id",
        "person_id",
        "observation_concept_id",
        "observation_date",
        "observation_source_value",
    ),
    "concept": ("concept_id", "vocabulary_id", "concept_code", "concept_name"),
    "concept_ancestor": ("ancestor_concept_id", "descendant_concept_id"),
}


def _col(table: Any, name: str, dtype: str) -> Any:
    return table[name] if name in table.columns else ibis.null(dtype)


def _concept_terms(tables: dict[str, Any], reg: Registered, kinds: tuple[str, ...]) -> Any | None:
    """concept_id -> (term, kind) through the source's vocabulary tables, with descendants."""
    concept = tables.get("concept")
    if concept is None:
        return None
    codes = reg.lookups.term_codes(kinds)
    rows: list[tuple[str, str, str, str]] = []
    for system, code, term, kind in zip(
        *(codes[c].to_pylist() for c in ("system", "code", "term", "kind")), strict=True
    ):
        vocabularies = reg.lookups.omop_vocabularies(system) if system else ("SNOMED", "ICD10", "ICD10CM", "ICD10GM")
        rows.extend((v, code, term, kind) for v in vocabularies)
    wanted = reg.engine.register(
        "concept_codes",
        pa.table({n: [r[i] for r in rows] for i, n in enumerate(("vocabulary_id", "code", "term", "kind"))}),
    )
    direct = concept.join(
        wanted, (concept.vocabulary_id == wanted.vocabulary_id) & (trimmed(concept.concept_code) == wanted.code)
    ).select(concept_id=concept.concept_id.cast("int64"), term=wanted.term, kind=wanted.kind)
    ancestor = tables.get("concept_ancestor")
    if ancestor is None:
        return direct
    below = ancestor.join(direct, ancestor.ancestor_concept_id.cast("int64") == direct.concept_id).select(
        concept_id=ancestor.descendant_concept_id.cast("int64"), term=direct.term, kind=direct.kind
    )
    return direct.union(below, distinct=True)


def _builtin_concepts(reg: Registered, kinds: tuple[str, ...]) -> pa.Table:
    trust = reg.lookups.trust_unverified
    rows: list[tuple[int, str, str]] = []
    if "medication" in kinds or "supplement" in kinds:
        for concept_id, term in reg.lookups.codes.drug_concepts(trust_unverified=trust).items():
            kind = next(k for k in DRUG_KINDS if term in reg.lookups.kb.terms[k])  # type: ignore[index]
            rows.append((concept_id, term, kind))
    for special in ("ms", "pregnancy"):
        if special in kinds:
            rows.extend(
                (i, special, special) for i in reg.lookups.codes.special_concepts(special, trust_unverified=trust)
            )
    schema = pa.schema([("concept_id", pa.int64()), ("term", pa.string()), ("kind", pa.string())])
    return pa.table({n: [r[i] for r in rows] for i, n in enumerate(schema.names)}, schema=schema)


def _events(source: str, rows: Any, reg: Registered, kinds: tuple[str, ...], tables: dict[str, Any]) -> Any:
    """rows: source, row_id, person_id, start, end, route, value, concept_id -> event rows."""
    # A view: joining a projection of a join would otherwise extend that join (ibis merges join chains).
    rows = rows.view()
    value_map = reg.value_map(rows.view(), kinds)
    by_value = rows.join(value_map, rows.value == value_map.value).select(
        row_id=rows.row_id, term=value_map.term, kind=value_map.kind
    )
    concept_maps = [reg.engine.register(f"builtin_{source}", _builtin_concepts(reg, kinds))]
    from_vocab = _concept_terms(tables, reg, kinds)
    if from_vocab is not None:
        concept_maps.append(from_vocab)
    matched = [by_value]
    for cmap in concept_maps:
        matched.append(
            rows.join(cmap, rows.concept_id == cmap.concept_id).select(
                row_id=rows.row_id, term=cmap.term, kind=cmap.kind
            )
        )
    found = ibis.union(*matched, distinct=True).view()
    mapped = rows.join(found, rows.row_id == found.row_id).select(
        source=ibis.literal(source), row_id=rows.row_id, person_id=rows.person_id, term=found.term,
        kind=found.kind, start=rows.start, end=rows.end, route=rows.route,
    )  # fmt: skip
    unmapped = rows.anti_join(found, rows.row_id == found.row_id).select(
        source=ibis.literal(source), row_id=rows.row_id, person_id=rows.person_id, term=ibis.null("string"),
        kind=ibis.null("string"), start=rows.start, end=rows.end, route=rows.route,
    )  # fmt: skip
    return mapped.union(unmapped)


def _labs(tables: dict[str, Any], reg: Registered) -> Any:
    m = tables["measurement"]
    concept = tables.get("concept")
    trust = reg.lookups.trust_unverified
    loinc_by_id = reg.lookups.codes.measurement_concepts(trust_unverified=trust)
    builtin = reg.engine.register(
        "measurement_concepts",
        pa.table({"concept_id": pa.array(list(loinc_by_id), pa.int64()), "code": list(loinc_by_id.values())}),
    )
    id_maps = [builtin]
    if concept is not None:
        id_maps.append(
            concept.filter(concept.vocabulary_id == "LOINC").select(
                concept_id=concept.concept_id.cast("int64"), code=trimmed(concept.concept_code)
            )
        )
    id_map = ibis.union(*id_maps, distinct=True)
    keys = reg.analyte_keys
    by_id = id_map.join(keys, id_map.code == keys.key).select(cid=id_map.concept_id, analyte=keys.analyte)
    by_id = by_id.group_by("cid").aggregate(analyte_by_id=by_id.analyte.min())
    # Source values are normalised once per distinct value, then joined back by exact value.
    sources = m.select(skey=m.measurement_source_value.cast("string")).filter(lambda t: t.skey.notnull()).distinct()
    keyed = sources.mutate(nkey=normalise_term_expr(sources.skey))
    by_code = keyed.join(keys, keyed.nkey == keys.key).select(skey=keyed.skey, analyte_by_code=keys.analyte)

    base = m.select(
        row_id=m.measurement_id.cast("int64"),
        person_id=m.person_id,
        concept_id=m.measurement_concept_id.cast("int64"),
        source_key=m.measurement_source_value.cast("string"),
        value=as_float(m.value_as_number),
        unit_id=m.unit_concept_id.cast("int64"),
        unit_text=m.unit_source_value.cast("string"),
        result_id=_col(m, "value_as_concept_id", "int64").cast("int64"),
        result_text=_col(m, "value_source_value", "string").cast("string"),
        date=as_date(m.measurement_date),
        ref_low=as_float(_col(m, "range_low", "float64")),
        ref_high=as_float(_col(m, "range_high", "float64")),
    )
    j = base.left_join(by_id, base.concept_id == by_id.cid).left_join(by_code, base.source_key == by_code.skey)
    # .view(): joining a projection of a join would otherwise extend that join (ibis merges join chains)
    j = j.select(*(j[c] for c in base.columns), analyte=ibis.coalesce(j.analyte_by_id, j.analyte_by_code)).view()
    if concept is not None:
        ucum = concept.filter(concept.vocabulary_id == "UCUM").select(
            unit_cid=concept.concept_id.cast("int64"), ucum=trimmed(concept.concept_code)
        )
        other = concept.view()
        named = other.select(value_cid=other.concept_id.cast("int64"), concept_text=other.concept_name.cast("string"))
        k = j.left_join(ucum, j.unit_id == ucum.unit_cid).left_join(named, j.result_id == named.value_cid)
        j = k.select(
            *(k[c] for c in j.columns if c not in ("unit_text", "result_text")),
            unit_text=ibis.coalesce(k.ucum, k.unit_text),
            result_text=ibis.coalesce(k.concept_text, k.result_text),
        ).view()
    tmap = result_map(j.select(text=j.result_text), reg)
    r = j.left_join(tmap, j.result_text == tmap.raw)
    return r.select(
        row_id=r.row_id,
        person_id=r.person_id,
        analyte=r.analyte,
        value=r.value,
        unit=r.unit_text,
        result=r.result,
        date=r.date,
        ref_low=r.ref_low,
        ref_high=r.ref_high,
    )


def _route_table(d: Any, reg: Registered) -> Any:
    text = trimmed(_col(d, "route_source_value", "string")).lower()
    base = d.mutate(_route_text=text)
    routes = reg.routes
    return base.left_join(routes, base._route_text == routes.text)


def omop_facts(tables: dict[str, Any], reg: Registered) -> Facts:
    """Fact tables from OMOP tables (``tables`` maps CDM table names to ibis tables)."""
    for name, columns in OMOP_REQUIRED.items():
        require_columns(tables[name], name, columns)
    for name, columns in OMOP_OPTIONAL.items():
        if name in tables:
            require_columns(tables[name], name, columns)

    p = tables["person"]
    gender = reg.engine.register(
        "gender",
        pa.table(
            {
                "gender_concept_id": pa.array([int(k) for k in reg.lookups.codes.gender], pa.int64()),
                "gender": list(reg.lookups.codes.gender.values()),
            }
        ),
    )
    pj = p.left_join(gender, p.gender_concept_id.cast("int64") == gender.gender_concept_id)
    source_sex = trimmed(_col(p, "gender_source_value", "string")).lower()
    sex_text = ibis.cases((source_sex.isin(["m", "male"]), "male"), (source_sex.isin(["f", "female"]), "female"))
    persons = pj.select(
        person_id=pj.person_id,
        sex=ibis.coalesce(pj.gender, sex_text),
        ms=ibis.null("boolean"),
        pregnant=ibis.null("boolean"),
    )

    c = tables["condition_occurrence"]
    conditions = c.select(
        row_id=c.condition_occurrence_id.cast("int64"),
        person_id=c.person_id,
        start=as_date(c.condition_start_date),
        end=as_date(c.condition_end_date),
        route=ibis.null("string"),
        value=blank_to_null(c.condition_source_value),
        concept_id=c.condition_concept_id.cast("int64"),
    )
    d = _route_table(tables["drug_exposure"], reg)
    drugs = d.select(
        row_id=d.drug_exposure_id.cast("int64"),
        person_id=d.person_id,
        start=as_date(d.drug_exposure_start_date),
        end=as_date(d.drug_exposure_end_date),
        route=d.route,
        value=blank_to_null(d.drug_source_value),
        concept_id=d.drug_concept_id.cast("int64"),
    )
    parts = [
        _events("condition_occurrence", conditions, reg, CONDITION_KINDS, tables),
        _events("drug_exposure", drugs, reg, DRUG_KINDS, tables),
    ]
    if "observation" in tables:
        o = tables["observation"]
        observations = o.select(
            row_id=o.observation_id.cast("int64"),
            person_id=o.person_id,
            start=as_date(o.observation_date),
            end=ibis.null("date"),
            route=ibis.null("string"),
            value=blank_to_null(o.observation_source_value),
            concept_id=o.observation_concept_id.cast("int64"),
        )
        parts.append(_events("observation", observations, reg, OBSERVATION_KINDS, tables))
    events = ibis.union(*parts)
    return Facts(
        persons=persons,
        labs=_labs(tables, reg),
        events=events,
        description={"format": "omop", "tables": sorted(tables)},
    )
