"""A broken knowledge file fails on load, naming the file and the entry.

Each test copies the shipped data to a temporary folder, breaks it in one way with a small text
edit of the TOML, and loads it. No mocks: the real loader reads real (broken) files.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from b12ms.errors import KnowledgeError
from b12ms.knowledge import DATA_DIR, load_knowledge


@pytest.fixture
def data(tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(DATA_DIR, copy)
    return copy


def append(data: Path, file: str, extra: str) -> None:
    path = data / file
    path.write_text(path.read_text(encoding="utf-8") + "\n" + extra, encoding="utf-8")


def table_block(text: str, table: str, entry_id: str) -> str:
    """The text of one ``[[table]]`` entry, from its header to the next table header."""
    match = re.search(rf'^\[\[{re.escape(table)}\]\]\nid = "{re.escape(entry_id)}"\n.*?(?=^\[)', text, re.M | re.S)
    assert match, f"no [[{table}]] entry {entry_id!r}"
    return match.group(0)


def edit_entry(data: Path, file: str, table: str, entry_id: str, old: str, new: str) -> None:
    """Replace ``old`` once inside one ``[[table]]`` entry of ``file``."""
    path = data / file
    text = path.read_text(encoding="utf-8")
    block = table_block(text, table, entry_id)
    assert block.count(old) == 1, f"{file} [[{table}]] {entry_id}: expected exactly one {old!r} to edit"
    path.write_text(text.replace(block, block.replace(old, new)), encoding="utf-8")


def load_error(data: Path) -> str:
    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(data)
    return str(raised.value)


def test_the_unbroken_copy_loads(data: Path) -> None:
    assert load_knowledge(data).version


def test_unknown_key_in_an_analyte_names_file_entry_and_key(data: Path) -> None:
    edit_entry(
        data,
        "analytes.toml",
        "analyte",
        "total_b12",
        'kind = "quantitative"\n',
        'kind = "quantitative"\ncolour = "red"\n',
    )
    message = load_error(data)
    assert message.startswith("analytes.toml")
    assert "'total_b12'" in message
    assert "colour" in message


def test_duplicate_threshold_id_names_file_and_id(data: Path) -> None:
    block = table_block((data / "thresholds.toml").read_text(encoding="utf-8"), "threshold", "mcv_macrocytosis")
    append(data, "thresholds.toml", block.replace("value = 100", "value = 101"))
    message = load_error(data)
    assert message.startswith("thresholds.toml")
    assert "duplicate" in message
    assert "'mcv_macrocytosis'" in message


def test_duplicate_reference_id_across_two_reference_files_names_the_later_file_and_id(data: Path) -> None:
    block = table_block((data / "references" / "core.toml").read_text(encoding="utf-8"), "reference", "nice_ng239")
    append(data, "references/nutrition.toml", block)
    message = load_error(data)
    assert message.startswith("references/nutrition.toml")
    assert "duplicate" in message
    assert "'nice_ng239'" in message


def test_dangling_reference_id_in_a_flag_names_file_flag_and_id(data: Path) -> None:
    edit_entry(data, "rules.toml", "flag", "metformin", '"mhra_2022_metformin"', '"mhra_2099_metformin"')
    message = load_error(data)
    assert message.startswith("rules.toml")
    assert "'metformin'" in message
    assert "'mhra_2099_metformin'" in message
    assert "bibliography" in message


def test_unit_that_does_not_parse_in_an_analyte_names_file_entry_and_unit(data: Path) -> None:
    edit_entry(data, "analytes.toml", "analyte", "total_b12", '{ code = "ng/mL"', '{ code = "ng/furlong"')
    message = load_error(data)
    assert message.startswith("analytes.toml")
    assert "'total_b12'" in message
    assert "'ng/furlong'" in message


def test_unit_that_does_not_parse_in_a_band_names_file_band_and_unit(data: Path) -> None:
    edit_entry(data, "thresholds.toml", "band", "nice_total_b12_ng_per_l", 'unit = "ng/L"', 'unit = "ng/furlong"')
    message = load_error(data)
    assert message.startswith("thresholds.toml")
    assert "'nice_total_b12_ng_per_l'" in message
    assert "'ng/furlong'" in message


def test_unit_of_the_wrong_dimension_for_a_threshold_names_file_and_entry(data: Path) -> None:
    edit_entry(data, "thresholds.toml", "threshold", "mcv_macrocytosis", 'unit = "fL"', 'unit = "g/L"')
    message = load_error(data)
    assert message.startswith("thresholds.toml")
    assert "'mcv_macrocytosis'" in message


@pytest.mark.parametrize("low_below", [70, 90])
def test_band_whose_low_cut_off_is_not_below_its_normal_cut_off_names_file_and_band(data: Path, low_below: int) -> None:
    edit_entry(
        data, "thresholds.toml", "band", "nice_active_b12_pmol_per_l", "low_below = 25", f"low_below = {low_below}"
    )
    message = load_error(data)
    assert message.startswith("thresholds.toml")
    assert "'nice_active_b12_pmol_per_l'" in message
    assert "low_below must be below normal_above" in message


def test_missing_required_flag_names_file_and_flag(data: Path) -> None:
    rules = (data / "rules.toml").read_text(encoding="utf-8")
    (data / "rules.toml").write_text(rules.replace(table_block(rules, "flag", "metformin"), ""), encoding="utf-8")
    message = load_error(data)
    assert message.startswith("rules.toml")
    assert "flags" in message
    assert "'metformin'" in message


def test_undeclared_role_on_a_term_names_file_term_and_role(data: Path) -> None:
    edit_entry(
        data,
        "vocabulary.toml",
        "symptom",
        "fatigue",
        'roles = ["nice_symptom"]',
        'roles = ["nice_symptom", "tiredness_role"]',
    )
    message = load_error(data)
    assert message.startswith("vocabulary.toml")
    assert "'fatigue'" in message
    assert "'tiredness_role'" in message
    assert "[roles]" in message


def test_product_policy_threshold_without_a_note_names_file_and_threshold(data: Path) -> None:
    thresholds = (data / "thresholds.toml").read_text(encoding="utf-8")
    block = table_block(thresholds, "threshold", "mma_upper_default")
    assert 'basis = "product_policy"' in block
    broken = re.sub(r"^note = .*\n", "", block, flags=re.M)
    assert broken != block
    (data / "thresholds.toml").write_text(thresholds.replace(block, broken), encoding="utf-8")
    message = load_error(data)
    assert message.startswith("thresholds.toml")
    assert "'mma_upper_default'" in message
    assert "product_policy" in message
    assert "note" in message


def test_invalid_toml_names_the_file_and_the_line(data: Path) -> None:
    broken_line = 'severity = "info'  # unterminated string
    edit_entry(data, "rules.toml", "flag", "metformin", 'severity = "info"', broken_line)
    line = (data / "rules.toml").read_text(encoding="utf-8").splitlines().index(broken_line) + 1
    message = load_error(data)
    assert message.startswith("rules.toml")
    assert "not valid TOML" in message
    assert f"line {line}" in message


def test_missing_data_file_names_the_file(data: Path) -> None:
    (data / "vocabulary.toml").unlink()
    message = load_error(data)
    assert message.startswith("vocabulary.toml")
    assert "missing" in message
