"""FHIR R4 in and out (parsed with ``fhir.resources.R4B``; needs the ``fhir`` extra).

Input — a Bundle (collection, searchset, transaction, batch), a list of resources or one resource::

    from b12ms.fhir import assess_fhir, fhir_to_snapshot
    snapshot, notes = fhir_to_snapshot(bundle_json, kb, as_of)
    result = assess_fhir(bundle_json, kb, as_of)        # .assessment, .mapping

Output — a ``collection`` Bundle with a RiskAssessment, DetectedIssues, ServiceRequests and a
Provenance::

    from b12ms.fhir import assessment_to_bundle
    bundle = assessment_to_bundle(result.assessment, kb, recorded=now, mapping=result.mapping)
"""

from b12ms.fhir.mapping import (
    FhirAssessment,
    FhirMapping,
    OutOfScopeError,
    assess_fhir,
    assess_mapping,
    fhir_to_snapshot,
    map_fhir,
    map_resources,
)
from b12ms.fhir.notes import MappingNote, merge_notes
from b12ms.fhir.output import assessment_to_bundle
from b12ms.fhir.resources import Located, read_fhir_input

__all__ = [
    "FhirAssessment",
    "FhirMapping",
    "Located",
    "MappingNote",
    "OutOfScopeError",
    "assess_fhir",
    "assess_mapping",
    "assessment_to_bundle",
    "fhir_to_snapshot",
    "map_fhir",
    "map_resources",
    "merge_notes",
    "read_fhir_input",
]
