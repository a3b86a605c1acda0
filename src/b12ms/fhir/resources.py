"""Read FHIR input into validated, located resources.

Accepted shapes: a Bundle (``collection``, ``searchset``, ``transaction`` or ``batch``), a JSON list
of resources, or one resource. Each resource is parsed with ``fhir.resources.R4B`` (pinned in the
``fhir`` extra) and then checked for what that library does not check: the value sets of status
fields and of a few codes whose meaning decides whether a record is used (code bindings are not
enforced by the library: ``status: "bogus"`` validates there). Every problem names its location
in the input (``Bundle.entry[3].resource.valueQuantity.unit``); all problems are reported together.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.resource import Resource
from pydantic import ValidationError

from b12ms.errors import InputError, Problem

__all__ = [
    "BUNDLE_TYPES",
    "Located",
    "ReferenceIndex",
    "check_codes",
    "read_bundle",
    "read_fhir_input",
    "read_resource",
]

BUNDLE_TYPES = ("collection", "searchset", "transaction", "batch")
_STATUS_SETS: dict[str, dict[str, frozenset[str]]] = {
    "Observation": {
        "status": frozenset(
            {"registered", "preliminary", "final", "amended", "corrected", "cancelled", "entered-in-error", "unknown"}
        )
    },
    "Patient": {"gender": frozenset({"male", "female", "other", "unknown"})},
    "MedicationStatement": {
        "status": frozenset(
            {"active", "completed", "entered-in-error", "intended", "stopped", "on-hold", "unknown", "not-taken"}
        )
    },
    "MedicationRequest": {
        "status": frozenset(
            {"active", "on-hold", "cancelled", "completed", "entered-in-error", "stopped", "draft", "unknown"}
        ),
        "intent": frozenset(
            {"proposal", "plan", "order", "original-order", "reflex-order", "filler-order", "instance-order", "option"}
        ),
    },
    "MedicationAdministration": {
        "status": frozenset(
            {"in-progress", "not-done", "on-hold", "completed", "entered-in-error", "stopped", "unknown"}
        )
    },
    "ServiceRequest": {
        "status": frozenset({"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"}),
    },
}
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
_CODED_SETS = {
    ("Condition", "clinicalStatus"): (
        CONDITION_CLINICAL,
        frozenset({"active", "recurrence", "relapse", "inactive", "remission", "resolved"}),
    ),
    ("Condition", "verificationStatus"): (
        CONDITION_VERIFICATION,
        frozenset({"unconfirmed", "provisional", "differential", "confirmed", "refuted", "entered-in-error"}),
    ),
}
_COMPARATORS = frozenset({"<", "<=", ">=", ">"})
_REFERENCE = re.compile(r"(?:^|/)([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(?:/_history/[^/]+)?$")


@dataclass(frozen=True, slots=True)
class Located:
    """One parsed resource and where it was in the input."""

    path: str
    resource: Resource
    full_url: str | None = None

    @property
    def type(self) -> str:
        return str(self.resource.get_resource_type())

    @property
    def ref(self) -> str:
        """``Observation/abc`` when the resource has an id, else its fullUrl, else its path."""
        rid = getattr(self.resource, "id", None)
        if rid:
            return f"{self.type}/{rid}"
        return self.full_url or self.path


def _field_path(loc: Sequence[str | int]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += "." + ("resourceType" if part == "resource_type" else str(part))
    return out


def _validation_problems(error: ValidationError, path: str) -> list[Problem]:
    problems = []
    for item in error.errors(include_url=False):
        loc = [p for p in item["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        message = str(item["msg"])
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        if item["type"] == "missing":
            message = "is required but missing"
        elif item["type"] == "extra_forbidden":
            message = "is not a field of this resource type in FHIR R4"
        problems.append(Problem(path + _field_path(loc), " ".join(message.split())))
    return problems


def check_codes(resource: Resource, path: str) -> list[Problem]:
    """Value-set checks the library leaves out: statuses, gender, intents, comparators, condition statuses."""
    problems: list[Problem] = []
    kind = str(resource.get_resource_type())
    for field, allowed in _STATUS_SETS.get(kind, {}).items():
        value = getattr(resource, field, None)
        if value is not None and value not in allowed:
            problems.append(
                Problem(f"{path}.{field}", f"{value!r} is not a {kind}.{field} code ({', '.join(sorted(allowed))})")
            )
    for (res_kind, field), (system, allowed) in _CODED_SETS.items():
        concept = getattr(resource, field, None) if kind == res_kind else None
        for index, coding in enumerate((concept.coding or []) if concept is not None else []):
            if coding.system == system and coding.code not in allowed:
                problems.append(
                    Problem(f"{path}.{field}.coding[{index}].code", f"{coding.code!r} is not a {system} code")
                )
    quantity = getattr(resource, "valueQuantity", None) if kind == "Observation" else None
    if quantity is not None and quantity.comparator is not None and quantity.comparator not in _COMPARATORS:
        problems.append(Problem(f"{path}.valueQuantity.comparator", f"{quantity.comparator!r} is not <, <=, >= or >"))
    return problems


def read_resource(raw: Any, path: str, problems: list[Problem]) -> Resource | None:
    """Parse one resource by its ``resourceType``; on failure add problems and return None."""
    if not isinstance(raw, dict):
        problems.append(Problem(path, "must be a FHIR resource (a JSON object)"))
        return None
    kind = raw.get("resourceType")
    if not isinstance(kind, str) or not kind:
        problems.append(Problem(f"{path}.resourceType", "is required but missing"))
        return None
    try:
        model = get_fhir_model_class(kind)
    except (KeyError, ValueError):
        problems.append(Problem(f"{path}.resourceType", f"{kind!r} is not a FHIR R4 resource type"))
        return None
    try:
        resource = model.model_validate(raw)
    except ValidationError as error:
        problems.extend(_validation_problems(error, path))
        return None
    if not isinstance(resource, Resource):  # get_fhir_model_class also resolves data types
        problems.append(Problem(f"{path}.resourceType", f"{kind!r} is not a FHIR R4 resource type"))
        return None
    found = check_codes(resource, path)
    problems.extend(found)
    return None if found else resource


def read_bundle(
    raw: dict[str, Any], path: str, problems: list[Problem], types: Iterable[str] = BUNDLE_TYPES
) -> list[Located]:
    """The resources of a Bundle, each located as ``{path}.entry[i].resource``."""
    entries = raw.get("entry")
    shell = {k: v for k, v in raw.items() if k != "entry"}
    if isinstance(entries, list):
        shell["entry"] = [
            {k: v for k, v in e.items() if k != "resource"} if isinstance(e, dict) else e for e in entries
        ]
    try:
        bundle = Bundle.model_validate(shell)
    except ValidationError as error:
        problems.extend(_validation_problems(error, path))
        return []
    allowed = tuple(types)
    if bundle.type not in allowed:
        problems.append(Problem(f"{path}.type", f"{bundle.type!r}: b12ms reads Bundles of type {', '.join(allowed)}"))
        return []
    out: list[Located] = []
    for index, entry in enumerate(entries or []):
        resource_raw = entry.get("resource") if isinstance(entry, dict) else None
        if resource_raw is None:
            continue  # a DELETE in a transaction, or a search entry without content: nothing to read
        entry_path = f"{path}.entry[{index}].resource"
        resource = read_resource(resource_raw, entry_path, problems)
        if resource is not None:
            full_url = entry.get("fullUrl") if isinstance(entry.get("fullUrl"), str) else None
            out.append(Located(entry_path, resource, full_url))
    return out


def read_fhir_input(data: Any) -> list[Located]:
    """A Bundle, a list of resources or one resource → located resources; InputError lists every problem."""
    problems: list[Problem] = []
    located: list[Located] = []
    if isinstance(data, dict) and data.get("resourceType") == "Bundle":
        located = read_bundle(data, "Bundle", problems)
    elif isinstance(data, dict) and isinstance(data.get("resourceType"), str):
        kind = str(data["resourceType"])
        resource = read_resource(data, kind, problems)
        located = [Located(kind, resource)] if resource is not None else []
    elif isinstance(data, list):
        for index, item in enumerate(data):
            resource = read_resource(item, f"[{index}]", problems)
            if resource is not None:
                located.append(Located(f"[{index}]", resource))
    else:
        problems.append(Problem("", "expected a FHIR Bundle, a FHIR resource or a JSON list of resources"))
    if problems:
        raise InputError(problems)
    return located


class ReferenceIndex:
    """Resolves references between the resources of one input (``Patient/1``, ``urn:uuid:...``,
    absolute URLs, ``#contained``)."""

    def __init__(self, located: Iterable[Located]) -> None:
        self._by_key: dict[str, Located] = {}
        for item in located:
            if item.full_url:
                self._by_key.setdefault(item.full_url, item)
            rid = getattr(item.resource, "id", None)
            if rid:
                self._by_key.setdefault(f"{item.type}/{rid}", item)

    def key(self, reference: str) -> str:
        """A stable key for a reference: ``Type/id`` when it can tell, else the reference itself."""
        found = self._by_key.get(reference)
        if found is not None:
            rid = getattr(found.resource, "id", None)
            return f"{found.type}/{rid}" if rid else reference
        match = _REFERENCE.search(reference)
        return f"{match.group(1)}/{match.group(2)}" if match else reference

    def resolve(self, reference: str, container: Located | None = None) -> Resource | None:
        if reference.startswith("#") and container is not None:
            for contained in getattr(container.resource, "contained", None) or []:
                if getattr(contained, "id", None) == reference[1:]:
                    return contained  # type: ignore[no-any-return]
            return None
        found = self._by_key.get(reference) or self._by_key.get(self.key(reference))
        return found.resource if found is not None else None
