"""The code table: built from the knowledge and the proposed FHIR code file, matched system-aware."""

from __future__ import annotations

import dataclasses

from fhir_support import AS_OF, collection, observation, patient

from b12ms.fhir import fhir_to_snapshot
from b12ms.fhir.codes import LOINC, RXNORM, SNOMED, code_table


def test_every_loinc_and_snomed_code_of_the_analytes_is_in_the_table(kb):
    table = code_table(kb)
    for analyte in kb.analytes.values():
        for loinc in analyte.loinc:
            assert table.lab(LOINC, loinc.code) == analyte.id
        for snomed in analyte.snomed:
            assert table.lab(SNOMED, snomed) == analyte.id


def test_a_code_is_only_recognised_in_its_own_system(kb):
    table = code_table(kb)
    assert table.lab(LOINC, "2132-9") == "total_b12"
    assert table.lab(SNOMED, "2132-9") is None
    assert table.lab("http://lab.example/codes", "2132-9") is None


def test_vocabulary_codes_and_proposed_supplement_codes_are_recognised(kb):
    table = code_table(kb)
    assert table.term(RXNORM, "6809") == ("medication", "metformin")
    assert table.term(RXNORM, "4511") == ("supplement", "folic_acid")
    assert table.term("http://hl7.org/fhir/sid/icd-10", "D51.0") == ("condition", "autoimmune_gastritis")
    assert table.term("http://hl7.org/fhir/sid/icd-10", "D51") is None  # a category does not match a subcode


def test_ingredient_names_are_found_as_whole_words_in_product_texts(kb):
    table = code_table(kb)
    assert table.terms_in_text("Hydroxocobalamin 1mg/1ml solution for injection ampoules") == [("supplement", "b12")]
    assert table.terms_in_text("Folic acid 5mg tablets") == [("supplement", "folic_acid")]
    assert table.terms_in_text("Zincomycin cream") == []  # "zinc" inside a word is not zinc


def test_the_table_is_built_once_per_loaded_knowledge(kb):
    assert code_table(kb) is code_table(kb)


def test_record_status_findings_use_the_proposed_rule_once_the_knowledge_has_it(kb):
    assert code_table(kb).status_rule == "input.unknown_term"  # the fallback, until the lead moves the rule
    rule = kb.rules["input.unknown_term"].model_copy(update={"id": "input.fhir_record"})
    extended = dataclasses.replace(kb, rules={**kb.rules, "input.fhir_record": rule})
    _, notes = fhir_to_snapshot(
        collection(patient(), observation("b", "2132-9", 400, "pg/mL", status="entered-in-error")), extended, AS_OF
    )
    assert [n.rule for n in notes] == ["input.fhir_record"]
