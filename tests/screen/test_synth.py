"""The synthetic cohort: deterministic for a seed, realistic in shape, with bad rows on purpose."""

from __future__ import annotations

import pyarrow.compute as pc
import pyarrow.parquet as pq

from b12ms.screen.synth import SynthSpec, synth_chunks
from b12ms.screen.synth_write import run_synth

MEASUREMENT_TABLES = ("person", "measurement", "condition_occurrence", "drug_exposure", "observation")


def _read(folder):
    return {name: pq.read_table(folder / f"{name}.parquet") for name in MEASUREMENT_TABLES}


def test_the_same_seed_gives_the_same_cohort_and_another_seed_does_not(kb, tmp_path):
    for name, seed in (("a", 11), ("b", 11), ("c", 12)):
        run_synth(3000, seed, tmp_path / name, "omop-parquet", kb, chunk_size=1000)
    a, b, c = _read(tmp_path / "a"), _read(tmp_path / "b"), _read(tmp_path / "c")
    assert all(a[t].equals(b[t]) for t in MEASUREMENT_TABLES)
    assert not a["measurement"].equals(c["measurement"])


def test_the_cohort_looks_like_a_neurology_population(kb):
    tables = next(synth_chunks(SynthSpec(persons=20_000, seed=3), kb))
    m, people = tables["measurement"], tables["person"]
    assert 8 <= m.num_rows / people.num_rows <= 12  # about ten lab rows a person
    conditions = tables["condition_occurrence"]["condition_source_value"].cast("string")
    ms = len(set(pc.filter(tables["condition_occurrence"]["person_id"], pc.match_substring_regex(
        conditions, "sclerosis|G35|24700007")).to_pylist()))  # fmt: skip
    assert 0.25 <= ms / people.num_rows <= 0.35
    units = set(pc.unique(m["unit_source_value"].cast("string")).to_pylist())
    assert {"ng/L", "pg/mL", "pmol/L"} <= units and "units" in units  # mixed units, and a bad one
    codes = m["measurement_source_value"].cast("string")
    b12 = pc.filter(m["value_as_number"], pc.equal(codes, "2132-9"))
    assert 0.03 < pc.mean(pc.less(b12, 180)).as_py() < 0.2  # a deficient tail in ng/L
    assert {"13964-2", "13965-9", "2284-8"} <= set(pc.unique(codes).to_pylist())  # MMA, homocysteine, folate
    drugs = " ".join(pc.unique(tables["drug_exposure"]["drug_source_value"].cast("string")).to_pylist())
    assert all(word in drugs for word in ("Metformin", "Omeprazole", "Biotin", "cobalamin"))
    diets = pc.unique(tables["observation"]["observation_source_value"].cast("string")).to_pylist()
    assert "Vegan diet" in diets and "Pregnant" in diets
    repeat = pc.value_counts(pc.filter(m["person_id"], pc.equal(codes, "2132-9")))
    assert max(x["counts"].as_py() for x in repeat) > 1  # people are retested
    missing = pc.sum(pc.is_null(m["value_as_number"])).as_py()
    assert 0.001 < missing / m.num_rows < 0.05
