"""A straightforward pandas implementation of the screen, as an analyst would write it.

Load the OMOP Parquet files into DataFrames, map codes and units with dictionaries and merges,
convert, take the latest result per person and analyte with sort + groupby, pivot, then apply the
rules person by person with ``DataFrame.apply`` (the natural way to write branching clinical
logic in pandas). Numbers come from the knowledge base. Writes persons.parquet and persons.csv.

Run: .venv/bin/python benchmarks/screen_pandas_baseline.py OMOP_DIR OUT_DIR [AS_OF]
"""

from __future__ import annotations

import json
import re
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from b12ms.knowledge import load_knowledge
from b12ms.knowledge.units import clean_float
from b12ms.screen.codes import load_codes
from b12ms.screen.lookups import Lookups

sys.path.insert(0, str(Path(__file__).parent))
from screen_sql_baseline import _role_regex

FLAG_ORDER = ["pregnancy", "sample_after_b12_treatment", "biotin_interference", "spuriously_low_b12",
              "spuriously_high_b12", "if_antibody_interference", "discordant_markers", "renal_impairment",
              "hcy_confounded", "folic_acid_caution", "macrocytosis", "anaemia", "metformin",
              "raised_mma_with_normal_b12"]  # fmt: skip


def run(omop: Path, out: Path, as_of: date, lookback_days: int = 365) -> dict[str, Any]:
    started = time.perf_counter()
    kb, codes = load_knowledge(), load_codes()
    lk = Lookups(kb, codes)
    lim = lk.limits
    start = pd.Timestamp(as_of - timedelta(days=lookback_days))
    as_of_ts = pd.Timestamp(as_of)

    # --- labs ---------------------------------------------------------------------------------------
    m = pd.read_parquet(omop / "measurement.parquet")
    loinc = {c.code: a.id for a in kb.analytes.values() for c in a.loinc}
    concepts = {i: loinc[c] for i, c in codes.measurement_concepts(trust_unverified=False).items()}
    m["analyte"] = (
        m["measurement_concept_id"].map(concepts).fillna(m["measurement_source_value"].str.strip().map(loinc))
    )
    units = lk.units.to_pandas()
    m["ukey"] = m["unit_source_value"].str.strip()
    exact = units.rename(columns={"key": "ukey"})
    m = m.merge(exact, how="left", on=["analyte", "ukey"])
    lower = units.rename(columns={"key": "ukey_l", "to_canonical": "l_can", "to_band": "l_band", "band_id": "l_id"})
    m["ukey_l"] = m["ukey"].str.lower()
    m = m.merge(lower, how="left", on=["analyte", "ukey_l"])
    m["to_canonical"] = m["to_canonical"].fillna(m["l_can"])
    m["to_band"] = m["to_band"].fillna(m["l_band"])
    m["band_id"] = m["band_id"].fillna(m["l_id"])
    m = m.merge(lk.analyte_facts.to_pandas(), how="left", on="analyte")
    m["canonical"] = (m["value_as_number"] * m["to_canonical"]).map(clean_float, na_action="ignore")
    m["band_value"] = (m["value_as_number"] * m["to_band"]).map(clean_float, na_action="ignore")
    m["ref_high_c"] = (m["range_high"] * m["to_canonical"]).map(clean_float, na_action="ignore")
    m["ref_low_c"] = (m["range_low"] * m["to_canonical"]).map(clean_float, na_action="ignore")
    results = {s.lower(): "positive" for s in codes.results.positive} | {
        s.lower(): "negative" for s in codes.results.negative
    }
    m["result"] = m["value_source_value"].str.strip().str.lower().map(results)
    m["date"] = pd.to_datetime(m["measurement_date"])
    quantitative = m["qualitative"] == False  # noqa: E712 - pandas element-wise
    ok = m["analyte"].notna() & m["date"].notna() & m["date"].between(start, as_of_ts)
    ok &= (m["qualitative"] & m["result"].notna()) | (
        quantitative & m["to_canonical"].notna() & m["value_as_number"].notna() & (m["value_as_number"] >= 0)
        & m["canonical"].between(m["plausible_low"], m["plausible_high"])
    )  # fmt: skip
    ok &= ~((m["range_low"] < 0) | (m["range_high"] < 0) | (m["range_low"] >= m["range_high"]))
    ever = set(m.loc[m["analyte"].isin(["total_b12", "active_b12"]) & (m["date"] <= as_of_ts), "person_id"])
    used = m[ok].sort_values(["person_id", "analyte", "date", "measurement_id"])
    latest = used.groupby(["person_id", "analyte"]).tail(1)
    bands = {b.id: b for b in kb.bands.values()}

    def band(row: Any) -> Any:
        b = bands.get(row["band_id"])
        if b is None:
            return None
        return (
            "low"
            if row["band_value"] < b.low_below
            else "normal"
            if row["band_value"] > b.normal_above
            else "indeterminate"
        )

    latest = latest.assign(band=latest.apply(band, axis=1))
    wide = latest.pivot(
        index="person_id", columns="analyte", values=["date", "band", "canonical", "ref_high_c", "ref_low_c", "result"]
    )

    # --- conditions, medicines, MS, pregnancy ---------------------------------------------------
    renames = {
        "condition_occurrence": {"condition_source_value": "t", "condition_start_date": "s", "condition_end_date": "e"},
        "drug_exposure": {"drug_source_value": "t", "drug_exposure_start_date": "s", "drug_exposure_end_date": "e",
                          "route_source_value": "route"},
        "observation": {"observation_source_value": "t", "observation_date": "s"},
    }  # fmt: skip
    ev = pd.concat([pd.read_parquet(omop / f"{table}.parquet").rename(columns=cols) for table, cols in renames.items()])
    ev = ev[["person_id", "t", "s", "e", "route"]]
    ev["t"] = ev["t"].astype(str).str.lower()
    ev["s"], ev["e"] = pd.to_datetime(ev["s"]), pd.to_datetime(ev["e"])
    ev = ev[ev["e"].isna() | (ev["e"] >= ev["s"])]
    ms_rows = ev["t"].str.contains(r"\b(?:multiple|disseminated) sclerosis\b") | ev["t"].isin(
        [c.lower() for c in codes.ms.codes]
    )
    ms_ids = set(ev.loc[(ev["s"] <= as_of_ts) & ms_rows, "person_id"])
    preg_from = pd.Timestamp(as_of - timedelta(days=lim.pregnancy_recent_days))
    preg_rows = ev["t"].str.contains(r"\bpregnan(?:t|cy)\b") | ev["t"].isin([c.lower() for c in codes.pregnancy.codes])
    pregnant = set(ev.loc[ev["s"].between(preg_from, as_of_ts) & preg_rows, "person_id"])
    cur = ev[(ev["s"] <= as_of_ts) & (ev["e"].isna() | (ev["e"] >= start))]
    role_ids = ("metformin", "acid_suppression", "folic_acid", "b12_treatment", "interfering_biotin",
                "spuriously_low_total_b12", "spuriously_high_total_b12", "hcy_confounder")  # fmt: skip
    role = {r: re.compile(_role_regex(kb, r)) for r in role_ids}
    has = {r: set(cur.loc[cur["t"].str.contains(rx), "person_id"]) for r, rx in role.items()}
    b12 = cur[cur["t"].str.contains(role["b12_treatment"])]
    biotin = cur[cur["t"].str.contains(role["interfering_biotin"])]
    oral = {s.lower() for s in (*codes.routes.oral, *codes.routes.sublingual)}
    b12_by = dict(list(b12.groupby("person_id")))
    biotin_by = dict(list(biotin.groupby("person_id")))

    persons = pd.read_parquet(omop / "person.parquet")
    persons = persons[persons["person_id"].isin(ms_ids)].set_index("person_id")

    def get(pid: int, field: str, analyte: str) -> Any:
        try:
            value = wide.at[pid, (field, analyte)]
        except KeyError:
            return None
        return None if pd.isna(value) else value

    def treated(pid: int, sample: Any) -> bool:
        for _, x in b12_by.get(pid, pd.DataFrame()).iterrows():
            window = lim.b12_window_oral_days if str(x["route"]).strip().lower() in oral else lim.b12_window_im_days
            if sample >= x["s"] and (pd.isna(x["e"]) or (sample - x["e"]).days <= window):
                return True
        return False

    def on_biotin(pid: int, sample: Any) -> bool:
        for _, x in biotin_by.get(pid, pd.DataFrame()).iterrows():
            if sample >= x["s"] and (pd.isna(x["e"]) or (sample - x["e"]).days <= lim.biotin_washout_days):
                return True
        return False

    def classify(row: Any) -> pd.Series:
        pid = row.name
        d = {a: get(pid, "date", a) for a in ("total_b12", "active_b12", "mma", "homocysteine", "folate")}
        flags, tests = set(), set()
        tb_t = d["total_b12"] is not None and treated(pid, d["total_b12"])
        ab_t = d["active_b12"] is not None and treated(pid, d["active_b12"])
        tb_b = d["total_b12"] is not None and on_biotin(pid, d["total_b12"])
        ab_b = d["active_b12"] is not None and on_biotin(pid, d["active_b12"])
        fo_b = d["folate"] is not None and on_biotin(pid, d["folate"])
        ab_ok = d["active_b12"] is not None and not ab_t and not ab_b
        preg = pid in pregnant and not ab_ok
        tb_ok = d["total_b12"] is not None and not tb_t and not tb_b and not preg
        fol_ok = d["folate"] is not None and not fo_b
        egfr = get(pid, "canonical", "egfr")
        metab = d["mma"] is not None or d["homocysteine"] is not None
        renal_drop = egfr is not None and metab and egfr < lim.egfr_not_read
        if egfr is not None and metab and (egfr < lim.egfr_not_read or egfr < lim.egfr_caution):
            flags.add("renal_impairment")
        mma_ok = d["mma"] is not None and not renal_drop
        hcy_ok = d["homocysteine"] is not None and not renal_drop
        if tb_t or ab_t:
            flags.add("sample_after_b12_treatment")
        if tb_b or ab_b or fo_b:
            flags.add("biotin_interference")
        tests |= {a for a, on in (("total_b12", tb_b), ("active_b12", ab_b), ("folate", fo_b)) if on}
        if preg:
            flags.add("pregnancy")
            tests.add("active_b12")
        mma_c, hcy_c, fol_c = (get(pid, "canonical", a) for a in ("mma", "homocysteine", "folate"))
        mma_up = mma_ok and mma_c > (get(pid, "ref_high_c", "mma") or lim.mma_upper)
        hcy_up = hcy_ok and hcy_c > (get(pid, "ref_high_c", "homocysteine") or lim.homocysteine_upper)
        fol_low = fol_ok and fol_c < (get(pid, "ref_low_c", "folate") or lim.folate_low)
        any_result = any(v is not None for a, v in d.items() if a != "folate")
        if not any_result:
            status = "no_result"
        elif not (tb_ok or ab_ok or mma_ok or hcy_ok):
            status = "not_interpretable"
        else:
            t_band = get(pid, "band", "total_b12") if tb_ok else None
            a_band = get(pid, "band", "active_b12") if ab_ok else None
            if t_band and a_band and {t_band, a_band} == {"low", "normal"}:
                flags.add("discordant_markers")
                b = "indeterminate"
            else:
                b = a_band or t_band
            if b == "low" and t_band == "low" and a_band is None and pid in has["spuriously_low_total_b12"]:
                flags.add("spuriously_low_b12")
                b = "indeterminate"
            if b == "normal" and pid in has["spuriously_high_total_b12"]:
                flags.add("spuriously_high_b12")
                b = "indeterminate"
            if get(pid, "result", "if_antibodies") == "positive" and t_band in ("normal", "indeterminate"):
                flags.add("if_antibody_interference")
                b = "indeterminate" if b == "normal" else b
            if b == "low":
                status = "deficiency_likely"
            elif b == "normal":
                status = "deficiency_unlikely"
                if mma_up:
                    flags.add("raised_mma_with_normal_b12")
            elif mma_ok:
                status = "deficiency_likely" if mma_up else "deficiency_unlikely"
            else:
                confounded = (pid in has["hcy_confounder"] or not fol_ok or fol_low
                              or (egfr is not None and egfr < lim.egfr_caution))  # fmt: skip
                if hcy_up and not confounded:
                    status = "deficiency_likely"
                else:
                    if hcy_up:
                        flags.add("hcy_confounded")
                    if not (d["mma"] is not None and renal_drop):
                        tests.add("mma")
                    status = "indeterminate"
        if status == "no_result" and on_biotin(pid, as_of_ts):
            flags.add("biotin_interference")
        if status != "deficiency_unlikely" and (pid in has["folic_acid"] or fol_low):
            flags.add("folic_acid_caution")
        mcv, hb = get(pid, "canonical", "mcv"), get(pid, "canonical", "haemoglobin")
        if mcv is not None and mcv > lim.mcv_macrocytosis:
            flags.add("macrocytosis")
        hb_limit = lim.hb_anaemia_male if row["gender_concept_id"] == 8507 else lim.hb_anaemia_female
        if hb is not None and hb < hb_limit:
            flags.add("anaemia")
        if pid in has["metformin"]:
            flags.add("metformin")
        tested = d["total_b12"] is not None or d["active_b12"] is not None
        findings = []
        if not tested:
            findings.append("no_recent_test" if pid in ever else "never_tested")
        if status == "indeterminate" and d["mma"] is None:
            findings.append("indeterminate_without_mma")
        if status == "deficiency_likely":
            first = min(d[a] for a, ok in (("total_b12", tb_ok), ("active_b12", ab_ok), ("mma", mma_ok),
                                           ("homocysteine", hcy_ok)) if ok)  # fmt: skip
            ends = [x["e"] if pd.notna(x["e"]) else as_of_ts for _, x in b12_by.get(pid, pd.DataFrame()).iterrows()]
            if not any(e >= first for e in ends):
                findings.append("low_without_treatment")
        if tb_b or ab_b or fo_b:
            findings.append("tested_on_biotin")
        if not tested and pid in has["metformin"]:
            findings.append("metformin_untested")
        if not tested and pid in has["acid_suppression"]:
            findings.append("acid_suppression_untested")
        return pd.Series({
            "status": status, "flags": ";".join(f for f in FLAG_ORDER if f in flags),
            "next_tests": ";".join(t for t in ("total_b12", "active_b12", "mma", "folate") if t in tests),
            "findings": ";".join(findings), "as_of": as_of,
        })  # fmt: skip

    out_df = persons.apply(classify, axis=1).reset_index()
    out.mkdir(parents=True, exist_ok=True)
    out_df.to_parquet(out / "persons.parquet", index=False)
    out_df.to_csv(out / "persons.csv", index=False)
    return {"seconds": round(time.perf_counter() - started, 3), "persons": len(out_df)}


if __name__ == "__main__":
    when = date.fromisoformat(sys.argv[3]) if len(sys.argv) > 3 else date(2026, 6, 1)
    print(json.dumps(run(Path(sys.argv[1]), Path(sys.argv[2]), when)))
