"""FHIR Bulk Data NDJSON (R4) -> fact tables (DuckDB).

Files are grouped by the resource type their name starts with (``Observation.ndjson``,
``Observation_2.ndjson``, ``Patient.000.ndjson``; ``.ndjson``, ``.jsonl``, optionally ``.gz``);
``Patient`` and ``Observation`` files are required, ``Condition``, ``MedicationRequest`` and
``MedicationStatement`` are optional. Lines are read as text, so a line that is not JSON is
counted (``invalid_json``) and skipped instead of failing the file.

Observation: ``subject``, ``code.coding`` (LOINC, or any code the knowledge maps) or ``code.text``,
``valueQuantity`` (``code``, else ``unit``), ``valueCodeableConcept``/``valueString`` for qualitative
results, ``effective[x]``/``issued``, ``referenceRange[0]``; status ``entered-in-error`` or
``cancelled`` is excluded as ``withdrawn``. Condition: codes and text, ``onset[x]``/``recordedDate``,
``abatementDateTime``. MedicationRequest/MedicationStatement: ``medicationCodeableConcept`` codes
(RxNorm) and text, ``effective[x]``/``authoredOn``, the end of the effective or validity period,
and the route. ``medicationReference`` is not followed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import ibis  # type: ignore[import-untyped]

from b12ms.errors import InputError, Problem
from b12ms.screen.backend import Engine
from b12ms.screen.readers.common import Facts, as_date, normalise_term_expr, trimmed
from b12ms.screen.readers.lookup_tables import CONDITION_KINDS, DRUG_KINDS, Registered

__all__ = ["RESOURCE_TYPES", "fhir_facts"]

RESOURCE_TYPES = ("Patient", "Observation", "Condition", "MedicationRequest", "MedicationStatement")
_SUFFIX = re.compile(r"\.(ndjson|jsonl)(\.gz)?$", re.IGNORECASE)
_CODING = """'[{"system":"VARCHAR","code":"VARCHAR","display":"VARCHAR"}]'"""


def _files(directory: Path) -> dict[str, list[Path]]:
    found: dict[str, list[Path]] = {}
    for path in sorted(directory.iterdir()):
        if not path.is_file() or not _SUFFIX.search(path.name):
            continue
        stem = re.split(r"[._\-]", path.name, maxsplit=1)[0].lower()
        for rtype in RESOURCE_TYPES:
            if stem == rtype.lower():
                found.setdefault(rtype, []).append(path)
    return found


def _load(engine: Engine, rtype: str, paths: list[Path]) -> tuple[str, dict[str, int]]:
    """Lines of one resource type -> a temp table of (row_id, j JSON); returns its name and counts."""
    lines, resources = engine.unique(f"fhir_{rtype}_lines"), engine.unique(f"fhir_{rtype}")
    listed = ", ".join("'" + p.as_posix().replace("'", "''") + "'" for p in paths)
    reader = (
        f"read_csv([{listed}], columns = {{'line': 'VARCHAR'}}, header = false, delim = chr(31), quote = '', "
        "escape = '', auto_detect = false, max_line_size = 67108864)"
    )
    try:
        engine.run_sql("SET preserve_insertion_order = true")
        engine.run_sql(f"CREATE TEMP TABLE {lines} AS SELECT row_number() over () AS row_id, line FROM {reader}")
    except Exception as error:
        first = str(error).strip().splitlines()[0][:300] if str(error).strip() else type(error).__name__
        raise InputError(Problem("--fhir-ndjson", f"cannot read the {rtype} files: {first}")) from None
    finally:
        engine.run_sql("SET preserve_insertion_order = false")
    engine.run_sql(
        f"CREATE TEMP TABLE {resources} AS SELECT row_id, CAST(line AS JSON) AS j FROM {lines} "
        f"WHERE line IS NOT NULL AND trim(line) <> '' AND json_valid(line) "
        f"AND json_extract_string(line, '$.resourceType') = '{rtype}'"
    )
    (total, blank, invalid) = engine.run_sql(
        f"SELECT count(*), count(*) FILTER (WHERE line IS NULL OR trim(line) = ''), "
        f"count(*) FILTER (WHERE line IS NOT NULL AND trim(line) <> '' AND NOT json_valid(line)) FROM {lines}"
    )[0]
    (kept,) = engine.run_sql(f"SELECT count(*) FROM {resources}")[0]
    engine.run_sql(f"DROP TABLE {lines}")
    counts = {
        "lines": total,
        "blank": blank,
        "invalid_json": invalid,
        "other_resource_type": total - blank - invalid - kept,
    }
    return resources, counts


def _person(col: str) -> str:
    return f"regexp_extract(j->>'{col}', '([^/:]+)$', 1)"


def _codes_and_texts(engine: Engine, source: str, concept: str) -> Any:
    """(row_id, value) for every code, display and text of a CodeableConcept."""
    name = engine.unique(f"{source}_values")
    codings = f"{source}, unnest(from_json(j->'{concept}.coding', {_CODING})) AS t(c)"
    engine.run_sql(
        f"CREATE TEMP TABLE {name} AS SELECT row_id, c.code AS value FROM {codings} "
        f"UNION ALL SELECT row_id, c.display FROM {codings} "
        f"UNION ALL SELECT row_id, j->>'{concept}.text' FROM {source}"
    )
    values = engine.con.table(name)
    return values.filter(values.value.notnull()).select(row_id=values.row_id, value=trimmed(values.value))


def _events(
    engine: Engine, reg: Registered, label: str, source: str, concept: str, kinds: tuple[str, ...], rows_sql: str
) -> Any:
    rows_name = engine.unique(f"{label}_rows")
    engine.run_sql(f"CREATE TEMP TABLE {rows_name} AS SELECT row_id, {rows_sql} FROM {source}")
    rows = engine.con.table(rows_name)
    values = _codes_and_texts(engine, source, concept)
    vmap = reg.value_map(values.view(), kinds)
    found = values.join(vmap, values.value == vmap.value).select(row_id=values.row_id, term=vmap.term, kind=vmap.kind)
    found = found.distinct().view()
    common = {"source": ibis.literal(label), "person_id": rows.person_id, "start": as_date(rows.start_text),
              "end": as_date(rows.end_text), "route": rows.route}  # fmt: skip
    mapped = rows.join(found, rows.row_id == found.row_id)
    mapped = mapped.select(row_id=rows.row_id, term=found.term, kind=found.kind, **common)
    unmapped = rows.anti_join(found, rows.row_id == found.row_id)
    unmapped = unmapped.select(row_id=rows.row_id, term=ibis.null("string"), kind=ibis.null("string"), **common)
    return mapped.union(unmapped)


def _route(engine: Engine, reg: Registered, path: str) -> str:
    text = f"lower(trim(coalesce(j->>'{path}.text', j->>'{path}.coding[0].display', j->>'{path}.coding[0].code')))"
    pairs = reg.lookups.routes.to_pylist()
    cases = " ".join("WHEN {} = '{}' THEN '{}'".format(text, r["text"].replace("'", "''"), r["route"]) for r in pairs)
    return f"CASE {cases} ELSE NULL END"


def _labs(engine: Engine, reg: Registered, source: str) -> Any:
    obs_name = engine.unique("fhir_obs")
    engine.run_sql(
        f"CREATE TEMP TABLE {obs_name} AS SELECT row_id, {_person('$.subject.reference')} AS person_id, "
        "j->>'$.status' AS status, j->>'$.code.text' AS code_text, "
        "TRY_CAST(j->>'$.valueQuantity.value' AS DOUBLE) AS value, "
        "coalesce(nullif(trim(j->>'$.valueQuantity.code'), ''), nullif(trim(j->>'$.valueQuantity.unit'), '')) AS unit, "
        "lower(trim(coalesce(j->>'$.valueCodeableConcept.text', j->>'$.valueCodeableConcept.coding[0].display', "
        "j->>'$.valueString'))) AS result_text, "
        "coalesce(j->>'$.effectiveDateTime', j->>'$.effectivePeriod.start', j->>'$.effectiveInstant', j->>'$.issued') "
        "AS date_text, TRY_CAST(j->>'$.referenceRange[0].low.value' AS DOUBLE) AS ref_low, "
        f"TRY_CAST(j->>'$.referenceRange[0].high.value' AS DOUBLE) AS ref_high FROM {source}"
    )
    codes_name = engine.unique("fhir_obs_codes")
    engine.run_sql(
        f"CREATE TEMP TABLE {codes_name} AS SELECT row_id, c.system AS system, c.code AS code "
        f"FROM {source}, unnest(from_json(j->'$.code.coding', {_CODING})) AS t(c)"
    )
    obs, codes, keys = engine.con.table(obs_name), engine.con.table(codes_name), reg.analyte_keys
    hits = codes.join(keys, normalise_term_expr(codes.code) == keys.key)
    hits = hits.select(row_id=codes.row_id, analyte=keys.analyte, loinc=hits.system == "http://loinc.org")
    # A LOINC coding decides; otherwise any coding the knowledge maps (the lowest id, deterministic).
    per_row = (
        hits.group_by("row_id")
        .aggregate(by_loinc=hits.analyte.min(where=hits.loinc), by_any=hits.analyte.min())
        .rename(cr="row_id")
    )
    names = keys.select(nk=keys.key, by_text=keys.analyte)
    res = reg.results
    j = (
        obs.left_join(per_row, obs.row_id == per_row.cr)
        .left_join(names, normalise_term_expr(obs.code_text) == names.nk)
        .left_join(res, obs.result_text == res.text)
    )
    return j.select(
        row_id=j.row_id,
        person_id=j.person_id,
        analyte=ibis.coalesce(j.by_loinc, j.by_any, j.by_text),
        value=j.value,
        unit=j.unit,
        result=j.result,
        date=as_date(j.date_text),
        ref_low=j.ref_low,
        ref_high=j.ref_high,
        withdrawn=j.status.isin(["entered-in-error", "cancelled"]).fill_null(False),
    )


def fhir_facts(directory: Path, engine: Engine, reg: Registered) -> Facts:
    files = _files(directory)
    for required in ("Patient", "Observation"):
        if required not in files:
            raise InputError(
                Problem("--fhir-ndjson", f"no {required} file in {directory} (expected {required}.ndjson or similar)")
            )
    loaded = {rtype: _load(engine, rtype, paths) for rtype, paths in files.items()}
    person_sql = engine.unique("fhir_persons")
    engine.run_sql(
        f"CREATE TEMP TABLE {person_sql} AS SELECT j->>'$.id' AS person_id, "
        "CASE lower(j->>'$.gender') WHEN 'male' THEN 'male' WHEN 'female' THEN 'female' END AS sex "
        f"FROM {loaded['Patient'][0]}"
    )
    p = engine.con.table(person_sql)
    persons = p.select(person_id=p.person_id, sex=p.sex, ms=ibis.null("boolean"), pregnant=ibis.null("boolean"))

    parts = []
    if "Condition" in loaded:
        rows = (
            f"{_person('$.subject.reference')} AS person_id, "
            "coalesce(j->>'$.onsetDateTime', j->>'$.onsetPeriod.start', j->>'$.recordedDate') AS start_text, "
            "coalesce(j->>'$.abatementDateTime', j->>'$.onsetPeriod.end') AS end_text, NULL::VARCHAR AS route"
        )
        parts.append(_events(engine, reg, "Condition", loaded["Condition"][0], "$.code", CONDITION_KINDS, rows))
    bounds = "j->>'$.dosageInstruction[0].timing.repeat.boundsPeriod"
    medicines = (
        (
            "MedicationStatement",
            "coalesce(j->>'$.effectivePeriod.start', j->>'$.effectiveDateTime', j->>'$.dateAsserted')",
            "j->>'$.effectivePeriod.end'",
            "$.dosage[0].route",
        ),
        (
            "MedicationRequest",
            f"coalesce({bounds}.start', j->>'$.authoredOn')",
            f"coalesce({bounds}.end', j->>'$.dispenseRequest.validityPeriod.end')",
            "$.dosageInstruction[0].route",
        ),
    )
    for rtype, start, end, route in medicines:
        if rtype in loaded:
            rows = (
                f"{_person('$.subject.reference')} AS person_id, {start} AS start_text, {end} AS end_text, "
                f"{_route(engine, reg, route)} AS route"
            )
            parts.append(_events(engine, reg, rtype, loaded[rtype][0], "$.medicationCodeableConcept", DRUG_KINDS, rows))
    if parts:
        events = ibis.union(*parts)
    else:
        from b12ms.screen.readers.flat import EMPTY_EVENTS

        events = engine.register("events", EMPTY_EVENTS.empty_table())
    return Facts(
        persons=persons,
        labs=_labs(engine, reg, loaded["Observation"][0]),
        events=events,
        ms_known="Condition" in loaded,
        description={
            "format": "fhir-ndjson",
            "files": {k: {"files": len(files[k]), **v[1]} for k, v in loaded.items()},
        },
    )
