"""The shipped knowledge base: sources resolve, NICE numbers are exact, codes and units are right.

These tests pin the real data files (not a fixture): changing a NICE number, a LOINC code or a
unit factor must break a test here on purpose.
"""

from __future__ import annotations

import re
import shutil
import tomllib
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from b12ms.engine import PatientSnapshot, assess
from b12ms.errors import InputError
from b12ms.inputs import validate_input
from b12ms.knowledge import DATA_DIR, Knowledge, load_knowledge


@pytest.fixture(scope="module")
def kb() -> Knowledge:
    return load_knowledge()


def _sig(value: float, figures: int = 4) -> float:
    return float(f"{value:.{figures}g}")


# --- references -------------------------------------------------------------------------------


def _reference_ids_in_toml(value: Any, where: str) -> Iterator[tuple[str, str]]:
    """(where, id) for every value under a ``references``/``*_references``/``reference`` key."""
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{where}.{key}"
            if key == "references" or key.endswith("_references"):
                assert isinstance(item, list), f"{here} must be a list of reference ids"
                yield from ((here, ref) for ref in item)
            elif key == "reference" and isinstance(item, str):
                yield here, item
            else:
                yield from _reference_ids_in_toml(item, here)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            label = item.get("id", index) if isinstance(item, dict) else index
            yield from _reference_ids_in_toml(item, f"{where}[{label}]")


def _reference_ids_in_model(value: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            item = getattr(value, name)
            if name == "references" or name.endswith("_references"):
                yield from ((f"{where}.{name}", ref) for ref in item)
            else:
                yield from _reference_ids_in_model(item, f"{where}.{name}")
    elif isinstance(value, tuple | list):
        for index, item in enumerate(value):
            yield from _reference_ids_in_model(item, f"{where}[{index}]")


def test_every_reference_id_in_any_data_file_is_in_the_bibliography(kb: Knowledge) -> None:
    data_files = [p for p in sorted(DATA_DIR.rglob("*.toml")) if p.parent.name != "references"]
    assert {p.name for p in data_files} >= {"analytes.toml", "thresholds.toml", "rules.toml", "vocabulary.toml"}
    used = [
        pair
        for path in data_files
        for pair in _reference_ids_in_toml(
            tomllib.loads(path.read_text("utf-8")), path.relative_to(DATA_DIR).as_posix()
        )
    ]
    assert len(used) > 100
    dangling = [f"{where}: {ref}" for where, ref in used if ref not in kb.references]
    assert not dangling


def test_every_reference_id_in_the_loaded_knowledge_is_in_the_bibliography(kb: Knowledge) -> None:
    records: list[tuple[str, Any]] = [
        *((f"analyte {k}", v) for k, v in kb.analytes.items()),
        *((f"band {k}", v) for k, v in kb.bands.items()),
        *((f"threshold {k}", v) for k, v in kb.thresholds.items()),
        *((f"flag {k}", v) for k, v in kb.flags.items()),
        *((f"rule {k}", v) for k, v in kb.rules.items()),
        *((f"management {k}", v) for k, v in kb.management.items()),
        *((f"{kind} {k}", v) for kind, terms in kb.terms.items() for k, v in terms.items()),
        ("cb12", kb.cb12),
    ]
    used = [pair for label, record in records for pair in _reference_ids_in_model(record, label)]
    assert not [f"{where}: {ref}" for where, ref in used if ref not in kb.references]


def test_bibliography_ids_are_unique_across_reference_files() -> None:
    seen: dict[str, str] = {}
    for path in sorted((DATA_DIR / "references").glob("*.toml")):
        for entry in tomllib.loads(path.read_text("utf-8")).get("reference", []):
            assert entry["id"] not in seen, f"{entry['id']} is in {seen.get(entry['id'])} and {path.name}"
            seen[entry["id"]] = path.name
    assert len(seen) > 20


@pytest.mark.parametrize("table", ["flags", "rules", "management"])
def test_every_flag_rule_and_management_option_cites_a_reference(kb: Knowledge, table: str) -> None:
    records = getattr(kb, table)
    assert records
    for record_id, record in records.items():
        assert len(record.references) >= 1, f"{table} {record_id} cites nothing"
        assert all(ref in kb.references for ref in record.references)


# Flags and options a person reads: product policy must say so in the text itself
# (architecture, "Safety and honesty rules": "Where our policy goes beyond a guideline, the text says so").
_RULES_TOML = tomllib.loads((DATA_DIR / "rules.toml").read_text("utf-8"))
_POLICY_TEXTS = [
    pytest.param(
        record["id"],
        record.get("message") or record.get("text"),
        id=f"{table}-{record['id']}",
    )
    for table in ("flag", "management")
    for record in _RULES_TOML[table]
    if record["basis"] == "product_policy"
]


@pytest.mark.parametrize(("record_id", "text"), _POLICY_TEXTS)
def test_product_policy_flags_and_options_say_product_policy_in_their_text(record_id: str, text: str) -> None:
    assert "product policy" in text.lower(), record_id


# --- NICE bands and thresholds -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("band_id", "analyte", "unit", "low_below", "normal_above"),
    [
        ("nice_total_b12_ng_per_l", "total_b12", "ng/L", 180, 350),
        ("nice_total_b12_pmol_per_l", "total_b12", "pmol/L", 133, 258),
        ("nice_active_b12_pmol_per_l", "active_b12", "pmol/L", 25, 70),
    ],
)
def test_nice_bands_carry_the_exact_nice_numbers(
    kb: Knowledge, band_id: str, analyte: str, unit: str, low_below: float, normal_above: float
) -> None:
    band = kb.bands[band_id]
    assert (band.analyte, band.unit, band.low_below, band.normal_above) == (analyte, unit, low_below, normal_above)
    assert band.basis == "guideline"
    assert "nice_ng239" in band.references


def test_there_are_exactly_the_three_nice_bands(kb: Knowledge) -> None:
    assert set(kb.bands) == {"nice_total_b12_ng_per_l", "nice_total_b12_pmol_per_l", "nice_active_b12_pmol_per_l"}


def test_every_product_policy_threshold_and_band_has_a_note_saying_why(kb: Knowledge) -> None:
    policy = [*kb.thresholds.values(), *kb.bands.values()]
    policy = [r for r in policy if r.basis == "product_policy"]
    assert len(policy) >= 5
    assert not [r.id for r in policy if len(r.note.strip()) < 20]


def test_every_threshold_unit_converts_to_the_unit_the_engine_works_in(kb: Knowledge) -> None:
    # The loader converts each threshold into the contract's working unit; same-unit ones stay put.
    assert kb.limit("mma_upper_default") == 0.28
    assert kb.limit("homocysteine_upper_default") == 15
    assert kb.limit("haemoglobin_anaemia_male") == 130
    assert kb.limit("haemoglobin_anaemia_female") == 120
    assert kb.limit("mcv_macrocytosis") == 100


# --- LOINC --------------------------------------------------------------------------------------


def loinc_check_digit(number: str) -> int:
    """LOINC's mod-10 check digit, as the LOINC Users' Guide describes it.

    1. Number the digits from the right; take the odd positions (1st, 3rd, ...) as a number and
       double it. 2. Take the even positions as a number. 3. Write (2) in front of (1)'s result.
    4. Add up those digits. 5. The check digit is what brings that sum to the next multiple of 10.
    """
    reversed_digits = number[::-1]
    odd = reversed_digits[0::2][::-1]
    even = reversed_digits[1::2][::-1]
    combined = even + str(int(odd) * 2)
    total = sum(int(d) for d in combined)
    return (10 - total % 10) % 10


@pytest.mark.parametrize(
    ("code", "expected"),
    [("12345-5", 5), ("2132-9", 9), ("718-7", 7), ("14685-2", 2), ("98979-8", 8)],
)
def test_loinc_check_digit_algorithm_matches_the_users_guide_examples(code: str, expected: int) -> None:
    number, _ = code.split("-")
    assert loinc_check_digit(number) == expected


@pytest.mark.parametrize(
    ("code", "analyte", "emit"),
    [
        ("2132-9", "total_b12", True),
        ("14685-2", "total_b12", True),
        ("16695-9", "total_b12", False),
        ("72160-5", "active_b12", True),
        ("13964-2", "mma", True),
        ("13965-9", "homocysteine", True),
        ("2284-8", "folate", True),
        ("14732-2", "folate", True),
        ("787-2", "mcv", True),
        ("718-7", "haemoglobin", True),
        ("98979-8", "egfr", True),
    ],
)
def test_loinc_code_maps_to_its_analyte(kb: Knowledge, code: str, analyte: str, emit: bool) -> None:
    assert kb.find_analyte(code) == analyte
    entry = next(c for c in kb.analytes[analyte].loinc if c.code == code)
    assert entry.emit is emit


def test_every_loinc_code_is_well_formed_with_a_correct_check_digit(kb: Knowledge) -> None:
    codes = [c.code for a in kb.analytes.values() for c in a.loinc]
    assert len(codes) >= 11
    assert len(codes) == len(set(codes)), "a LOINC code is listed twice"
    for code in codes:
        assert re.fullmatch(r"\d{1,7}-\d", code), code
        number, check = code.split("-")
        assert loinc_check_digit(number) == int(check), f"{code}: check digit should be {loinc_check_digit(number)}"


def test_a_lab_coded_with_the_blood_b12_loinc_is_read_as_serum_total_b12(kb: Knowledge) -> None:
    snapshot = validate_input(
        PatientSnapshot, {"labs": [{"analyte": "16695-9", "date": "2026-01-01", "value": 400, "unit": "ng/L"}]}
    )
    assessment = assess(snapshot, kb, date(2026, 2, 1))
    assert assessment.labs[0].analyte == "total_b12"
    assert assessment.status == "deficiency_unlikely"


# --- units --------------------------------------------------------------------------------------


def _fact(kb: Knowledge, analyte: str, unit: str) -> Any:
    fact = kb.unit_fact(analyte, unit)
    assert fact is not None, f"{unit} is not accepted for {analyte}"
    return fact


def test_one_pg_per_ml_is_one_ng_per_l_is_0_7378_pmol_per_l(kb: Knowledge) -> None:
    pg_ml, ng_l = _fact(kb, "total_b12", "pg/mL"), _fact(kb, "total_b12", "ng/L")
    assert pg_ml.to_canonical == ng_l.to_canonical
    assert pg_ml.to_band_unit == ng_l.to_band_unit == 1
    assert pg_ml.band_id == ng_l.band_id == "nice_total_b12_ng_per_l"
    assert _sig(ng_l.to_canonical) == 0.7378


def test_one_ng_per_ml_of_b12_is_1000_ng_per_l(kb: Knowledge) -> None:
    ng_ml, ng_l = _fact(kb, "total_b12", "ng/mL"), _fact(kb, "total_b12", "ng/L")
    assert ng_ml.band_id == "nice_total_b12_ng_per_l"
    assert ng_ml.to_band_unit == 1000
    assert ng_ml.to_canonical == pytest.approx(1000 * ng_l.to_canonical, rel=1e-12)


def test_b12_in_nmol_per_l_is_banded_against_the_pmol_per_l_band(kb: Knowledge) -> None:
    nmol = _fact(kb, "total_b12", "nmol/L")
    assert (nmol.band_id, nmol.to_band_unit, nmol.to_canonical) == ("nice_total_b12_pmol_per_l", 1000, 1000)


def test_mma_in_nmol_per_l_is_a_thousandth_of_umol_per_l(kb: Knowledge) -> None:
    assert kb.analytes["mma"].canonical_unit == "umol/L"
    assert _fact(kb, "mma", "nmol/L").to_canonical == 0.001
    assert _fact(kb, "mma", "µmol/L").to_canonical == 1
    assert _fact(kb, "mma", "nmol/mL").to_canonical == 1


def test_one_ng_per_ml_of_folate_is_2_266_nmol_per_l(kb: Knowledge) -> None:
    assert _sig(_fact(kb, "folate", "ng/mL").to_canonical) == 2.266
    assert _fact(kb, "folate", "ug/L").to_canonical == _fact(kb, "folate", "ng/mL").to_canonical


def test_haemoglobin_in_g_per_dl_is_ten_g_per_l(kb: Knowledge) -> None:
    assert _fact(kb, "haemoglobin", "g/dL").to_canonical == 10


def test_unit_spellings_match_case_insensitively_but_a_wrong_unit_does_not(kb: Knowledge) -> None:
    assert _fact(kb, "total_b12", "PMOL/L").code == "pmol/L"
    assert _fact(kb, "total_b12", "pg/ml").code == "pg/mL"
    assert kb.unit_fact("active_b12", "ng/L") is None  # holoTC in mass units is a known mislabel
    assert kb.unit_fact("total_b12", "umol/L") is None


# --- plausibility windows ----------------------------------------------------------------------

_TYPICAL = {
    "total_b12": 300,
    "active_b12": 50,
    "mma": 0.2,
    "homocysteine": 10,
    "folate": 20,
    "mcv": 90,
    "haemoglobin": 140,
    "egfr": 90,
    "copper": 15,
}


def _assess_one(kb: Knowledge, analyte: str, value: float, unit: str) -> Any:
    snapshot = validate_input(
        PatientSnapshot, {"labs": [{"analyte": analyte, "date": "2026-01-01", "value": value, "unit": unit}]}
    )
    return assess(snapshot, kb, date(2026, 2, 1))


def test_every_quantitative_analyte_has_a_typical_value_in_this_test(kb: Knowledge) -> None:
    assert set(_TYPICAL) == {a for a, x in kb.analytes.items() if x.kind == "quantitative"}


@pytest.mark.parametrize(("analyte", "value"), [("total_b12", 1500), ("mma", 100), ("homocysteine", 300)])
def test_plausibility_window_admits_real_extremes(kb: Knowledge, analyte: str, value: float) -> None:
    window = kb.analytes[analyte].plausible
    assert window is not None
    assert window.low <= value <= window.high
    reading = _assess_one(kb, analyte, value, kb.analytes[analyte].canonical_unit or "").labs[0]
    assert reading.canonical_value == value


@pytest.mark.parametrize("analyte", sorted(_TYPICAL))
@pytest.mark.parametrize("slip", [1000, 0.001])
def test_plausibility_window_rejects_a_thousandfold_unit_slip(kb: Knowledge, analyte: str, slip: float) -> None:
    typical = _TYPICAL[analyte]
    unit = kb.analytes[analyte].canonical_unit or ""
    window = kb.analytes[analyte].plausible
    assert window is not None
    assert window.low <= typical <= window.high
    assert not window.low <= typical * slip <= window.high
    assert _assess_one(kb, analyte, typical, unit).labs[0].canonical_value == typical
    with pytest.raises(InputError) as raised:
        _assess_one(kb, analyte, typical * slip, unit)
    assert [p.path for p in raised.value.problems] == ["labs[0].value"]


def test_b12_in_ng_per_ml_typed_as_ng_per_l_is_refused_with_a_unit_that_fits_suggested(kb: Knowledge) -> None:
    with pytest.raises(InputError) as raised:
        _assess_one(kb, "total_b12", 0.3, "ng/L")
    problem = raised.value.problems[0]
    assert problem.path == "labs[0].value"
    assert "plausible" in problem.message
    assert problem.suggestion is not None
    assert "ng/mL" in problem.suggestion


def test_haemoglobin_in_g_per_dl_typed_as_g_per_l_is_refused(kb: Knowledge) -> None:
    with pytest.raises(InputError):
        _assess_one(kb, "haemoglobin", 12, "g/L")


# --- vocabularies ------------------------------------------------------------------------------

REQUIRED_TERMS = {
    "symptom": (
        "fatigue cognitive_difficulties paraesthesia numbness balance_problems visual_problems muscle_weakness "
        "depression anxiety psychosis mouth_ulcers"
    ),
    "sign": (
        "glossitis positive_romberg symmetric_sensory_loss absent_ankle_reflexes extensor_plantars "
        "bilateral_optic_neuropathy subacute_progressive_course symmetric_dorsal_column_mri neutropenia"
    ),
    "condition": (
        "autoimmune_gastritis coeliac_disease crohns_disease sjogrens type1_diabetes autoimmune_thyroid_disease "
        "hypothyroidism myeloma hiv liver_disease myeloproliferative_neoplasm family_history_b12_deficiency "
        "family_history_autoimmune"
    ),
    "surgery": "gastrectomy bariatric_surgery ileal_resection abdominal_pelvic_radiotherapy",
    "medication": (
        "metformin omeprazole lansoprazole esomeprazole pantoprazole rabeprazole famotidine ranitidine cimetidine "
        "colchicine topiramate phenobarbital primidone methotrexate combined_oral_contraceptive"
    ),
    "supplement": "biotin b12 folic_acid zinc",
    "exposure": "nitrous_oxide",
    "diet": "vegan vegetarian",
}


@pytest.mark.parametrize(
    ("kind", "term_id"), [(kind, term) for kind, ids in REQUIRED_TERMS.items() for term in ids.split()]
)
def test_required_vocabulary_term_exists(kb: Knowledge, kind: str, term_id: str) -> None:
    assert term_id in kb.terms[kind]  # type: ignore[index]
    assert kb.find_term(kind, term_id) == term_id  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("typed", "term_id"),
    [
        ("Metformin", "metformin"),
        ("OMEPRAZOLE", "omeprazole"),
        ("Glucophage", "metformin"),
        ("  esomeprazole ", "esomeprazole"),
    ],
)
def test_medication_lookup_ignores_case_and_surrounding_space(kb: Knowledge, typed: str, term_id: str) -> None:
    assert kb.find_term("medication", typed) == term_id


def test_medicines_typed_in_capitals_count_as_risk_factors_and_are_not_reported_unknown(kb: Knowledge) -> None:
    snapshot = validate_input(PatientSnapshot, {"medications": ["Metformin", "OMEPRAZOLE"], "symptoms": ["Fatigue"]})
    assessment = assess(snapshot, kb, date(2026, 2, 1))
    assert assessment.risk_factors == ["metformin", "omeprazole"]
    assert not [f for f in assessment.findings if f.rule == "input.unknown_term"]
    assert "metformin" in {f.id for f in assessment.flags}


def test_every_role_the_engine_uses_has_at_least_one_term(kb: Knowledge) -> None:
    from b12ms.knowledge.contract import REQUIRED_ROLES

    assert not [role for role in sorted(REQUIRED_ROLES) if not kb.with_role(role)]


# --- version and hash ---------------------------------------------------------------------------


def test_loading_twice_gives_equal_knowledge_and_hash() -> None:
    first, second = load_knowledge(), load_knowledge()
    assert first == second
    assert first.sha256 == second.sha256
    assert re.fullmatch(r"[0-9a-f]{64}", first.sha256)


def test_the_hash_depends_on_content_not_on_where_the_files_are(tmp_path: Path, kb: Knowledge) -> None:
    copy = tmp_path / "data"
    shutil.copytree(DATA_DIR, copy)
    assert load_knowledge(copy).sha256 == kb.sha256


def test_changing_one_byte_of_a_data_file_changes_the_hash(tmp_path: Path, kb: Knowledge) -> None:
    copy = tmp_path / "data"
    shutil.copytree(DATA_DIR, copy)
    path = copy / "thresholds.toml"
    text = path.read_bytes()
    marker = b"# Every number"
    assert marker in text
    path.write_bytes(text.replace(marker, b"# every number", 1))  # a comment: still valid knowledge
    changed = load_knowledge(copy)
    assert changed.sha256 != kb.sha256
    assert changed.version == kb.version
    assert changed.thresholds == kb.thresholds


def test_knowledge_is_frozen(kb: Knowledge) -> None:
    with pytest.raises(AttributeError):
        kb.version = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        kb.thresholds["mma_upper_default"] = kb.thresholds["mcv_macrocytosis"]  # type: ignore[index]
    with pytest.raises(ValueError, match="frozen"):
        kb.bands["nice_total_b12_ng_per_l"].low_below = 1  # type: ignore[misc]
