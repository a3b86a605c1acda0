# ruff: noqa: E501 - the query is SQL text, laid out for reading as SQL
"""The practical floor for the screen benchmark: the same work as one hand-written DuckDB SQL query.

Reads an OMOP Parquet folder, applies the same rules (units, plausibility, latest result, B12
treatment and biotin windows, pregnancy, bands and modifiers, MMA and homocysteine, flags, next
tests, screening findings) and writes persons.parquet, persons.csv and the row counts by reason.
Numbers and code lists are taken from the knowledge base so the rules match; the query itself is
written the way a careful analyst would write it for this one job (codes matched exactly, text
matched with regular expressions, no reusable parts).

Run: .venv/bin/python benchmarks/screen_sql_baseline.py OMOP_DIR OUT_DIR [AS_OF]
"""

from __future__ import annotations

import json
import re
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb

from b12ms.knowledge import Knowledge, load_knowledge
from b12ms.screen.codes import load_codes
from b12ms.screen.lookups import Limits, Lookups


def _values(rows: list[tuple[object, ...]]) -> str:
    def lit(v: object) -> str:
        if v is None:
            return "NULL"
        if isinstance(v, bool):
            return "TRUE" if v else "FALSE"
        if isinstance(v, float):
            return f"{v!r}::DOUBLE"
        if isinstance(v, int):
            return str(v)
        return "'" + str(v).replace("'", "''") + "'"

    return ", ".join("(" + ", ".join(lit(v) for v in row) + ")" for row in rows)


def _role_regex(kb: Knowledge, role: str) -> str:
    names = set()
    for kind in ("condition", "medication", "supplement"):
        for term in kb.terms[kind].values():  # type: ignore[index]
            if role in term.roles:
                names.update(n.lower() for n in (term.id.replace("_", " "), *term.aliases))
    words = sorted((re.sub(r"[^a-z0-9]+", " ", n.replace("'", "")).strip() for n in names), key=len, reverse=True)
    return r"\b(?:" + "|".join(re.escape(w) for w in words if w) + r")\b"


def build_sql(omop: Path, kb: Knowledge, as_of: date, lookback_days: int = 365) -> tuple[str, str]:
    codes = load_codes()
    lk = Lookups(kb, codes)
    lim: Limits = lk.limits
    start = as_of - timedelta(days=lookback_days)
    preg_start = as_of - timedelta(days=lim.pregnancy_recent_days)
    src = {t: f"read_parquet('{(omop / (t + '.parquet')).as_posix()}')" for t in
           ("person", "measurement", "condition_occurrence", "drug_exposure", "observation")}  # fmt: skip
    loinc = [(c.code, a.id) for a in kb.analytes.values() for c in a.loinc]
    concepts = [(i, dict(loinc)[code]) for i, code in codes.measurement_concepts(trust_unverified=False).items()]
    units = list(zip(*(lk.units[c].to_pylist() for c in lk.units.column_names), strict=True))
    facts = list(zip(*(lk.analyte_facts[c].to_pylist() for c in lk.analyte_facts.column_names), strict=True))
    bands = list(zip(*(lk.bands[c].to_pylist() for c in lk.bands.column_names), strict=True))
    ms_codes = "', '".join(c.lower() for c in codes.ms.codes)
    preg_codes = "', '".join(c.lower() for c in codes.pregnancy.codes)
    rx = {r: _role_regex(kb, r) for r in ("metformin", "acid_suppression", "folic_acid", "b12_treatment",
          "interfering_biotin", "spuriously_low_total_b12", "spuriously_high_total_b12", "hcy_confounder")}  # fmt: skip
    oral = "', '".join([*codes.routes.oral, *codes.routes.sublingual])
    positive = "', '".join(codes.results.positive)
    negative = "', '".join(codes.results.negative)
    flag_ids = [f for f in kb.flags if f in {
        "pregnancy", "sample_after_b12_treatment", "biotin_interference", "spuriously_low_b12", "spuriously_high_b12",
        "if_antibody_interference", "discordant_markers", "renal_impairment", "hcy_confounded", "folic_acid_caution",
        "macrocytosis", "anaemia", "metformin", "raised_mma_with_normal_b12"}]  # fmt: skip
    tests = [a for a in kb.analytes if a in ("total_b12", "active_b12", "mma", "folate")]
    findings = ["never_tested", "no_recent_test", "indeterminate_without_mma", "low_without_treatment",
                "tested_on_biotin", "metformin_untested", "acid_suppression_untested"]  # fmt: skip
    classified = f"""
    lab AS (
      SELECT m.measurement_id AS rid, m.person_id AS pid, coalesce(cm.analyte, lc.analyte) AS analyte,
             m.measurement_date AS d, m.value_as_number AS v, m.range_low AS rl, m.range_high AS rh,
             coalesce(ux.f, ul.f) AS f, coalesce(ux.fb, ul.fb) AS fb, coalesce(ux.band, ul.band) AS band_id,
             af.qual, af.lo, af.hi,
             CASE WHEN lower(trim(m.value_source_value)) IN ('{positive}') THEN 'positive'
                  WHEN lower(trim(m.value_source_value)) IN ('{negative}') THEN 'negative' END AS result
      FROM {src["measurement"]} m
      LEFT JOIN (VALUES {_values(concepts)}) cm(cid, analyte) ON cm.cid = m.measurement_concept_id
      LEFT JOIN (VALUES {_values(loinc)}) lc(code, analyte) ON lc.code = trim(m.measurement_source_value)
      LEFT JOIN (VALUES {_values(facts)}) af(analyte, qual, lo, hi) ON af.analyte = coalesce(cm.analyte, lc.analyte)
      LEFT JOIN units ux ON ux.analyte = af.analyte AND ux.ukey = trim(m.unit_source_value)
      LEFT JOIN units ul ON ul.analyte = af.analyte AND ul.ukey = lower(trim(m.unit_source_value))
    ),
    conv AS (SELECT *, clean12(v * f) AS c, clean12(v * fb) AS bv, clean12(rl * f) AS crl, clean12(rh * f) AS crh FROM lab),
    cls AS (
      SELECT *, CASE
        WHEN d IS NULL THEN 'missing_date' WHEN analyte IS NULL THEN 'unmapped_code'
        WHEN qual AND result IS NULL THEN 'invalid_result'
        WHEN NOT qual AND (v IS NULL OR isnan(v) OR isinf(v)) THEN 'missing_value'
        WHEN NOT qual AND f IS NULL THEN 'unknown_unit'
        WHEN NOT qual AND (v < 0 OR c < lo OR c > hi) THEN 'implausible_value'
        WHEN rl < 0 OR rh < 0 OR rl >= rh OR isnan(rl) OR isnan(rh) THEN 'invalid_reference_range'
        WHEN d > DATE '{as_of}' THEN 'after_as_of' WHEN d < DATE '{start}' THEN 'outside_lookback' END AS reason
      FROM conv
    )"""
    setup = f"""
    CREATE OR REPLACE MACRO clean12(x) AS CASE WHEN x IS NULL OR isnan(x) OR isinf(x) OR x = 0 OR abs(x) < 1e-200
      OR abs(x) > 1e200 THEN x ELSE round(x, 11 - CAST(floor(log10(abs(x))) AS INTEGER)) END;
    CREATE OR REPLACE TEMP TABLE units AS SELECT * FROM (VALUES {_values(units)}) u(analyte, ukey, f, band, fb);
    CREATE OR REPLACE TEMP TABLE bands AS SELECT * FROM (VALUES {_values(bands)}) b(band, low_below, normal_above);
    """
    persons = f"""{setup}
    CREATE OR REPLACE TEMP TABLE persons_out AS
    WITH {classified},
    ev AS (
      SELECT person_id AS pid, lower(condition_source_value) AS t, condition_start_date AS s, condition_end_date AS e,
             NULL AS route FROM {src["condition_occurrence"]}
      UNION ALL SELECT person_id, lower(drug_source_value), drug_exposure_start_date, drug_exposure_end_date,
             lower(trim(route_source_value)) FROM {src["drug_exposure"]}
      UNION ALL SELECT person_id, lower(observation_source_value), observation_date, NULL, NULL FROM {src["observation"]}
    ),
    cur AS (SELECT * FROM ev WHERE s <= DATE '{as_of}' AND (e IS NULL OR e >= DATE '{start}') AND (e IS NULL OR e >= s)),
    ms AS (SELECT DISTINCT pid FROM ev WHERE s <= DATE '{as_of}' AND (e IS NULL OR e >= s)
           AND (regexp_matches(t, '\\b(multiple sclerosis|disseminated sclerosis)\\b') OR trim(t) IN ('{ms_codes}'))),
    preg AS (SELECT DISTINCT pid FROM ev WHERE s BETWEEN DATE '{preg_start}' AND DATE '{as_of}' AND (e IS NULL OR e >= s)
           AND (regexp_matches(t, '\\b(pregnant|pregnancy)\\b') OR trim(t) IN ('{preg_codes}'))),
    roles AS (
      SELECT pid,
        bool_or(regexp_matches(t, '{rx["metformin"]}')) AS metformin,
        bool_or(regexp_matches(t, '{rx["acid_suppression"]}')) AS acid,
        bool_or(regexp_matches(t, '{rx["folic_acid"]}')) AS folic,
        bool_or(regexp_matches(t, '{rx["spuriously_low_total_b12"]}')) AS spur_low,
        bool_or(regexp_matches(t, '{rx["spuriously_high_total_b12"]}')) AS spur_high,
        bool_or(regexp_matches(t, '{rx["hcy_confounder"]}')) AS hcy_conf,
        bool_or(regexp_matches(t, '{rx["interfering_biotin"]}') AND (e IS NULL
                OR DATE '{as_of}' <= e + INTERVAL {lim.biotin_washout_days} DAY)) AS biotin_now,
        max(coalesce(e, DATE '{as_of}')) FILTER (WHERE regexp_matches(t, '{rx["b12_treatment"]}')) AS b12_end
      FROM cur GROUP BY pid
    ),
    latest AS (
      SELECT * FROM cls WHERE reason IS NULL
      QUALIFY row_number() OVER (PARTITION BY pid, analyte ORDER BY d DESC, rid DESC) = 1
    ),
    banded AS (
      SELECT l.*, CASE WHEN l.bv < b.low_below THEN 'low' WHEN l.bv > b.normal_above THEN 'normal'
                       WHEN b.band IS NOT NULL THEN 'indeterminate' END AS band
      FROM latest l LEFT JOIN bands b ON b.band = l.band_id
    ),
    wide AS (
      SELECT pid,
        max(d) FILTER (WHERE analyte = 'total_b12') AS tb_d, max(band) FILTER (WHERE analyte = 'total_b12') AS tb_band,
        max(d) FILTER (WHERE analyte = 'active_b12') AS ab_d, max(band) FILTER (WHERE analyte = 'active_b12') AS ab_band,
        max(d) FILTER (WHERE analyte = 'mma') AS mma_d, max(c) FILTER (WHERE analyte = 'mma') AS mma_c,
        max(crh) FILTER (WHERE analyte = 'mma') AS mma_hi,
        max(d) FILTER (WHERE analyte = 'homocysteine') AS hcy_d, max(c) FILTER (WHERE analyte = 'homocysteine') AS hcy_c,
        max(crh) FILTER (WHERE analyte = 'homocysteine') AS hcy_hi,
        max(d) FILTER (WHERE analyte = 'folate') AS fol_d, max(c) FILTER (WHERE analyte = 'folate') AS fol_c,
        max(crl) FILTER (WHERE analyte = 'folate') AS fol_lo,
        max(c) FILTER (WHERE analyte = 'mcv') AS mcv_c, max(c) FILTER (WHERE analyte = 'haemoglobin') AS hb_c,
        max(c) FILTER (WHERE analyte = 'egfr') AS egfr_c, max(result) FILTER (WHERE analyte = 'if_antibodies') AS ifab
      FROM banded GROUP BY pid
    ),
    fx AS (
      SELECT w.pid,
        bool_or(b12 AND w.tb_d >= x.s AND (x.e IS NULL OR w.tb_d <= x.e + CASE WHEN oral THEN {lim.b12_window_oral_days}
                ELSE {lim.b12_window_im_days} END * INTERVAL 1 DAY)) AS tb_b12,
        bool_or(b12 AND w.ab_d >= x.s AND (x.e IS NULL OR w.ab_d <= x.e + CASE WHEN oral THEN {lim.b12_window_oral_days}
                ELSE {lim.b12_window_im_days} END * INTERVAL 1 DAY)) AS ab_b12,
        bool_or(bio AND w.tb_d >= x.s AND (x.e IS NULL OR w.tb_d <= x.e + INTERVAL {lim.biotin_washout_days} DAY)) AS tb_bio,
        bool_or(bio AND w.ab_d >= x.s AND (x.e IS NULL OR w.ab_d <= x.e + INTERVAL {lim.biotin_washout_days} DAY)) AS ab_bio,
        bool_or(bio AND w.fol_d >= x.s AND (x.e IS NULL OR w.fol_d <= x.e + INTERVAL {lim.biotin_washout_days} DAY)) AS fol_bio
      FROM wide w JOIN (
        SELECT pid, s, e, coalesce(route IN ('{oral}'), FALSE) AS oral, regexp_matches(t, '{rx["b12_treatment"]}') AS b12,
               regexp_matches(t, '{rx["interfering_biotin"]}') AS bio FROM cur
        WHERE regexp_matches(t, '{rx["b12_treatment"]}') OR regexp_matches(t, '{rx["interfering_biotin"]}')
      ) x ON x.pid = w.pid GROUP BY w.pid
    ),
    ever AS (SELECT DISTINCT pid FROM cls WHERE analyte IN ('total_b12', 'active_b12') AND d <= DATE '{as_of}'),
    p0 AS (
      SELECT pe.person_id AS pid, CASE pe.gender_concept_id WHEN 8507 THEN 'male' END AS sex, w.*, r.*, fx.*,
        pg.pid IS NOT NULL AS pregnant, ev.pid IS NOT NULL AS ever,
        w.tb_d IS NOT NULL AS tb, w.ab_d IS NOT NULL AS ab, w.mma_d IS NOT NULL AS mma, w.hcy_d IS NOT NULL AS hcy,
        w.fol_d IS NOT NULL AS fol
      FROM {src["person"]} pe JOIN ms ON ms.pid = pe.person_id
      LEFT JOIN wide w ON w.pid = pe.person_id LEFT JOIN roles r ON r.pid = pe.person_id
      LEFT JOIN fx ON fx.pid = pe.person_id LEFT JOIN preg pg ON pg.pid = pe.person_id
      LEFT JOIN ever ev ON ev.pid = pe.person_id
    ),
    p1 AS (
      SELECT *, tb AND coalesce(tb_b12, FALSE) AS tbt, ab AND coalesce(ab_b12, FALSE) AS abt,
        tb AND coalesce(tb_bio, FALSE) AS tbb, ab AND coalesce(ab_bio, FALSE) AS abb, fol AND coalesce(fol_bio, FALSE) AS fob,
        egfr_c IS NOT NULL AND (mma OR hcy) AND egfr_c < {lim.egfr_not_read} AS renal_drop,
        egfr_c IS NOT NULL AND (mma OR hcy) AND (egfr_c < {lim.egfr_not_read} OR egfr_c < {lim.egfr_caution}) AS renal
      FROM p0
    ),
    p2 AS (SELECT *, ab AND NOT abt AND NOT abb AS ab_ok, fol AND NOT fob AS fol_ok, mma AND NOT renal_drop AS mma_ok,
                  hcy AND NOT renal_drop AS hcy_ok FROM p1),
    p3 AS (SELECT *, pregnant AND NOT ab_ok AS preg_flag FROM p2),
    p4 AS (SELECT *, tb AND NOT tbt AND NOT tbb AND NOT preg_flag AS tb_ok FROM p3),
    p5 AS (
      SELECT *, tb OR ab OR mma OR hcy AS any_result, tb_ok OR ab_ok OR mma_ok OR hcy_ok AS any_ok,
        CASE WHEN tb_ok THEN tb_band END AS tband, CASE WHEN ab_ok THEN ab_band END AS aband,
        mma_ok AND mma_c > coalesce(mma_hi, {lim.mma_upper}) AS mma_up,
        hcy_ok AND hcy_c > coalesce(hcy_hi, {lim.homocysteine_upper}) AS hcy_up,
        fol_ok AND fol_c < coalesce(fol_lo, {lim.folate_low}) AS fol_low
      FROM p4
    ),
    p6 AS (SELECT *, tb_ok AND ab_ok AND ((tband = 'low' AND aband = 'normal') OR (tband = 'normal' AND aband = 'low')) AS disc
           FROM p5),
    p7 AS (SELECT *, CASE WHEN disc THEN 'indeterminate' WHEN ab_ok THEN aband ELSE tband END AS b0 FROM p6),
    p8 AS (SELECT *, coalesce(b0 = 'low' AND tband = 'low' AND NOT ab_ok AND spur_low, FALSE) AS slow FROM p7),
    p9 AS (SELECT *, CASE WHEN slow THEN 'indeterminate' ELSE b0 END AS b1 FROM p8),
    p10 AS (SELECT *, coalesce(b1 = 'normal' AND spur_high, FALSE) AS shigh FROM p9),
    p11 AS (SELECT *, CASE WHEN shigh THEN 'indeterminate' ELSE b1 END AS b2,
                  coalesce(ifab = 'positive' AND tband IN ('normal', 'indeterminate'), FALSE) AS ifab_flag FROM p10),
    p12 AS (SELECT *, CASE WHEN ifab_flag AND b2 = 'normal' THEN 'indeterminate' ELSE b2 END AS b3,
                  coalesce(hcy_conf, FALSE) OR NOT fol_ok OR coalesce(fol_low, FALSE)
                  OR coalesce(egfr_c < {lim.egfr_caution}, FALSE) AS confounded FROM p11),
    p13 AS (SELECT *, any_result AND any_ok AND coalesce(b3 NOT IN ('low', 'normal'), TRUE) AS metabolic FROM p12),
    p14 AS (SELECT *, metabolic AND NOT mma_ok AND coalesce(hcy_up, FALSE) AND NOT confounded AS hcy_decides FROM p13),
    p15 AS (
      SELECT *, CASE WHEN NOT any_result THEN 'no_result' WHEN NOT any_ok THEN 'not_interpretable'
        WHEN b3 = 'low' THEN 'deficiency_likely' WHEN b3 = 'normal' THEN 'deficiency_unlikely'
        WHEN mma_ok AND mma_up THEN 'deficiency_likely' WHEN mma_ok THEN 'deficiency_unlikely'
        WHEN hcy_decides THEN 'deficiency_likely' ELSE 'indeterminate' END AS status
      FROM p14
    ),
    out AS (
      SELECT pid, status,
        preg_flag AS f_pregnancy, tbt OR abt AS f_sample_after_b12_treatment,
        tbb OR abb OR fob OR (NOT any_result AND coalesce(biotin_now, FALSE)) AS f_biotin_interference,
        slow AS f_spuriously_low_b12, shigh AS f_spuriously_high_b12, any_ok AND ifab_flag AS f_if_antibody_interference,
        coalesce(disc, FALSE) AS f_discordant_markers, renal AS f_renal_impairment,
        metabolic AND NOT mma_ok AND coalesce(hcy_up, FALSE) AND confounded AS f_hcy_confounded,
        status <> 'deficiency_unlikely' AND (coalesce(folic, FALSE) OR coalesce(fol_low, FALSE)) AS f_folic_acid_caution,
        coalesce(mcv_c > {lim.mcv_macrocytosis}, FALSE) AS f_macrocytosis,
        coalesce(hb_c < CASE WHEN sex = 'male' THEN {lim.hb_anaemia_male} ELSE {lim.hb_anaemia_female} END, FALSE)
          AS f_anaemia,
        coalesce(metformin, FALSE) AS f_metformin,
        any_ok AND b3 = 'normal' AND coalesce(mma_up, FALSE) AS f_raised_mma_with_normal_b12,
        tbb AS n_total_b12, abb OR preg_flag AS n_active_b12,
        metabolic AND NOT mma_ok AND NOT hcy_decides AND NOT (mma AND renal_drop) AS n_mma, fob AS n_folate,
        NOT ever AND NOT (tb OR ab) AS x_never_tested, ever AND NOT (tb OR ab) AS x_no_recent_test,
        status = 'indeterminate' AND NOT mma AS x_indeterminate_without_mma,
        status = 'deficiency_likely' AND NOT coalesce(b12_end >= least(CASE WHEN tb_ok THEN tb_d END,
          CASE WHEN ab_ok THEN ab_d END, CASE WHEN mma_ok THEN mma_d END, CASE WHEN hcy_ok THEN hcy_d END), FALSE)
          AS x_low_without_treatment,
        tbb OR abb OR fob AS x_tested_on_biotin, coalesce(metformin, FALSE) AND NOT (tb OR ab) AS x_metformin_untested,
        coalesce(acid, FALSE) AND NOT (tb OR ab) AS x_acid_suppression_untested
      FROM p15
    )
    SELECT pid AS person_id, status,
      concat_ws(';', {", ".join(f"CASE WHEN f_{f} THEN '{f}' END" for f in flag_ids)}) AS flags,
      concat_ws(';', {", ".join(f"CASE WHEN n_{t} THEN '{t}' END" for t in tests)}) AS next_tests,
      concat_ws(';', {", ".join(f"CASE WHEN x_{f} THEN '{f}' END" for f in findings)}) AS findings,
      DATE '{as_of}' AS as_of
    FROM out;
    """
    counts = f"{setup} WITH {classified} SELECT reason, count(*) FROM cls GROUP BY reason ORDER BY reason"
    return persons, counts


def run(omop: Path, out: Path, as_of: date) -> dict[str, object]:
    kb = load_knowledge()
    persons_sql, counts_sql = build_sql(omop, kb, as_of)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    con.execute(persons_sql)
    con.execute(f"COPY persons_out TO '{(out / 'persons.parquet').as_posix()}' (FORMAT parquet)")
    con.execute(f"COPY persons_out TO '{(out / 'persons.csv').as_posix()}' (FORMAT csv, HEADER)")
    counts = dict(con.execute(counts_sql).fetchall())
    (out / "counts.json").write_text(json.dumps(counts, indent=2, default=str), encoding="utf-8")
    persons = con.execute("SELECT count(*) FROM persons_out").fetchone()
    con.close()
    return {"seconds": round(time.perf_counter() - started, 3), "persons": persons[0] if persons else 0}


if __name__ == "__main__":
    when = date.fromisoformat(sys.argv[3]) if len(sys.argv) > 3 else date(2026, 6, 1)
    print(json.dumps(run(Path(sys.argv[1]), Path(sys.argv[2]), when)))
