"""Prefetch: the templates the services ask for, and getting what the CDS client did not send.

CDS Hooks 2.0: a client may satisfy none, some or all templates. An omitted key was not satisfied;
``null`` (a read) or an empty searchset means "no data". A value may be, or contain, an
``OperationOutcome`` — an error-level one means the key was not satisfied. What is missing is
fetched from ``fhirServer`` with the ``fhirAuthorization`` token (real HTTP, with timeouts,
following ``next`` links up to a page limit on the same server). When data is missing and cannot
be fetched the service answers 412 (:class:`PrefetchUnavailable`), never an empty card list.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from b12ms.cds.models import CdsRequest
from b12ms.cds.settings import CdsSettings, is_loopback_host
from b12ms.errors import InputError, Problem
from b12ms.fhir.codes import CodeTable
from b12ms.fhir.notes import MappingNote
from b12ms.fhir.resources import Located, read_bundle, read_resource

__all__ = ["Gathered", "PrefetchUnavailable", "gather", "patient_prefetch", "render"]

_BUNDLE_TYPES = ("searchset", "collection", "batch-response", "transaction-response")


class PrefetchUnavailable(Exception):
    """The data the service needs was not sent and could not be fetched (HTTP 412)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def patient_prefetch(table: CodeTable) -> dict[str, str]:
    """The templates of the b12ms services: the patient, every B12-related Observation (all codes of
    the code table, newest first), Conditions (filtered locally: MS subtypes, pregnancy, risk factors)
    and the three kinds of medicine record, with the Medications they reference."""
    codes = sorted(table.labs) + sorted(table.pregnancy_status)
    code_list = ",".join(f"{system}|{code}" for system, code in codes)
    patient = "{{context.patientId}}"
    return {
        "patient": f"Patient/{patient}",
        "observations": f"Observation?patient={patient}&code={code_list}&_sort=-date&_count=200",
        "conditions": f"Condition?patient={patient}&_count=200",
        "medicationStatements": f"MedicationStatement?patient={patient}&_include=MedicationStatement:medication",
        "medicationRequests": f"MedicationRequest?patient={patient}&_include=MedicationRequest:medication",
        "medicationAdministrations": (
            f"MedicationAdministration?patient={patient}&_include=MedicationAdministration:medication"
        ),
    }


def render(template: str, context: Mapping[str, Any]) -> str:
    """Fill ``{{context.x}}`` tokens with the context's root-level primitive values."""
    out = template
    for key, value in context.items():
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            out = out.replace("{{context." + key + "}}", str(value))
    if "{{" in out:
        raise InputError(Problem("context", f"the prefetch template {template!r} needs a context value not given"))
    return out


@dataclass
class Gathered:
    located: list[Located] = field(default_factory=list)
    notes: list[MappingNote] = field(default_factory=list)
    fetched: list[str] = field(default_factory=list)


def _failed(value: dict[str, Any]) -> bool:
    """True when the value is, or carries, an error-level OperationOutcome."""
    outcomes = [value] if value.get("resourceType") == "OperationOutcome" else []
    if value.get("resourceType") == "Bundle":
        outcomes += [
            e["resource"]
            for e in value.get("entry") or []
            if isinstance(e, dict)
            and isinstance(e.get("resource"), dict)
            and e["resource"].get("resourceType") == "OperationOutcome"
        ]
    return any(
        isinstance(issue, dict) and issue.get("severity") in ("fatal", "error")
        for outcome in outcomes
        for issue in outcome.get("issue") or []
    )


def _next_link(value: dict[str, Any]) -> str | None:
    for link in value.get("link") or []:
        if isinstance(link, dict) and link.get("relation") == "next" and isinstance(link.get("url"), str):
            return str(link["url"])
    return None


def _read(value: dict[str, Any], path: str, problems: list[Problem]) -> list[Located]:
    if value.get("resourceType") == "Bundle":
        return read_bundle(value, path, problems, _BUNDLE_TYPES)
    resource = read_resource(value, path, problems)
    return [Located(path, resource)] if resource is not None else []


class _Fetcher:
    def __init__(self, request: CdsRequest, settings: CdsSettings, client: httpx.AsyncClient) -> None:
        base = str(request.fhirServer).rstrip("/") + "/"
        self.base = base
        self.origin = "{0.scheme}://{0.netloc}".format(urlsplit(base))
        self.settings = settings
        self.client = client
        token = request.fhirAuthorization.access_token if request.fhirAuthorization else None
        self.headers = {"Accept": "application/fhir+json"} | ({"Authorization": f"Bearer {token}"} if token else {})

    async def get(self, url: str, key: str) -> dict[str, Any] | None:
        if not url.startswith(self.origin + "/"):
            raise PrefetchUnavailable(f"{key}: a next link leaves the FHIR server")
        try:
            response = await self.client.get(url, headers=self.headers)
        except httpx.HTTPError as error:
            raise PrefetchUnavailable(f"{key}: the FHIR server could not be reached ({type(error).__name__})") from None
        if response.status_code in (404, 410) and "?" not in url:
            return None  # a read of something that does not exist: "no data", like a null prefetch
        if response.status_code != 200:
            raise PrefetchUnavailable(f"{key}: the FHIR server answered HTTP {response.status_code}")
        try:
            data = response.json()
        except ValueError:
            raise PrefetchUnavailable(f"{key}: the FHIR server did not answer JSON") from None
        if not isinstance(data, dict):
            raise PrefetchUnavailable(f"{key}: the FHIR server did not answer a FHIR resource")
        if _failed(data):
            raise PrefetchUnavailable(f"{key}: the FHIR server answered an error OperationOutcome")
        return data

    async def pages(self, first: dict[str, Any], key: str, path: str, problems: list[Problem], out: Gathered) -> None:
        page, number = first, 0
        while True:
            out.located += _read(page, f"{path}[page {number}]" if number else path, problems)
            link = _next_link(page)
            if link is None:
                return
            number += 1
            if number >= self.settings.max_fetch_pages:
                out.notes.append(
                    MappingNote(
                        "server",
                        "input.missing",
                        "",
                        path,
                        f"prefetch {key}: more than {self.settings.max_fetch_pages} pages; only those were read.",
                    )
                )
                return
            following = await self.get(urljoin(self.base, link), key)
            if following is None:
                return
            page = following


def _check_server(request: CdsRequest, settings: CdsSettings) -> None:
    server = str(request.fhirServer)
    parts = urlsplit(server)
    if parts.scheme != "https" and not (parts.scheme == "http" and is_loopback_host(parts.hostname or "")):
        raise PrefetchUnavailable("fhirServer must use https (http only on a loopback host)")
    allowed = settings.fhir_server_allowlist
    if allowed and not any(server.rstrip("/").startswith(prefix.rstrip("/")) for prefix in allowed):
        raise PrefetchUnavailable("fhirServer is not on the allow-list of this service")


async def gather(
    templates: Mapping[str, str], request: CdsRequest, context: Mapping[str, Any], settings: CdsSettings
) -> Gathered:
    """All the resources the templates ask for: prefetched where given, fetched where not.

    Raises :class:`PrefetchUnavailable` when something is missing and cannot be fetched, and
    :class:`~b12ms.errors.InputError` when what was sent is not valid FHIR (locations like
    ``prefetch.observations.entry[3].resource.status``)."""
    out = Gathered()
    problems: list[Problem] = []
    prefetch = request.prefetch or {}
    missing: list[str] = []
    paged: list[tuple[str, dict[str, Any]]] = []
    for key in templates:
        if key not in prefetch:
            missing.append(key)
            continue
        value = prefetch[key]
        if value is None:
            continue
        if _failed(value):
            missing.append(key)
        elif _next_link(value) is not None and request.fhirServer is not None:
            paged.append((key, value))
        else:
            out.located += _read(value, f"prefetch.{key}", problems)
            if _next_link(value) is not None:
                out.notes.append(
                    MappingNote(
                        "server",
                        "input.missing",
                        "",
                        f"prefetch.{key}",
                        f"prefetch {key}: results were paginated and no fhirServer was given; "
                        "only the first page was read.",
                    )
                )
    if (missing or paged) and request.fhirServer is None:
        raise PrefetchUnavailable(f"prefetch not satisfied ({', '.join(missing)}) and no fhirServer to fetch from")
    if missing or paged:
        _check_server(request, settings)
        timeout = httpx.Timeout(settings.http_timeout_s)
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
            fetcher = _Fetcher(request, settings, client)

            async def fetch(key: str) -> tuple[str, dict[str, Any] | None]:
                return key, await fetcher.get(urljoin(fetcher.base, render(templates[key], context)), key)

            results = await asyncio.gather(*(fetch(k) for k in missing), return_exceptions=True)
            for result in results:
                if isinstance(result, BaseException):
                    raise result
            for key, value in (r for r in results if not isinstance(r, BaseException)):
                out.fetched.append(key)
                if value is not None:
                    await fetcher.pages(value, key, f"fetched.{key}", problems, out)
            for key, value in paged:
                await fetcher.pages(value, key, f"prefetch.{key}", problems, out)
    if problems:
        raise InputError(problems)
    return out
