"""CDS Hooks 2.0 request and response models, quoting the specification (HL7 cds-hooks v2.0.1,
``input/pagecontent/index.md``).

Our own responses forbid unknown keys (``extra="forbid"``); so do the request objects whose
fields the base specification defines, except that the spec reserves ``extension`` on every object
("a JSON object with namespaced keys"), which is accepted. A hook's ``context`` is defined by the
hook, not by the base spec, and hooks gain fields between versions, so context models ignore
fields they do not know. Optional fields are left out of responses rather than sent as ``null``
(the router serialises with ``exclude_none``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "Action",
    "Card",
    "CdsRequest",
    "CdsResponse",
    "Coding",
    "Discovery",
    "ErrorOut",
    "FeedbackItem",
    "FeedbackOut",
    "FeedbackRequest",
    "FhirAuthorization",
    "Link",
    "OrderSelectContext",
    "OverrideReason",
    "PatientViewContext",
    "ProblemOut",
    "ServiceDescription",
    "Source",
    "Suggestion",
]

Extension = dict[str, Any]
_FHIR_ID = r"^[A-Za-z0-9\-.]{1,64}$"


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Context(BaseModel):
    model_config = ConfigDict(extra="ignore")


# --- Discovery ------------------------------------------------------------------------------


class ServiceDescription(_Spec):
    """ "hook (REQUIRED) The hook this service should be invoked on. title (RECOMMENDED) The human-friendly
    name of this service. description (REQUIRED) The description of this service. id (REQUIRED) The {id}
    portion of the URL to this service which is available at {baseUrl}/cds-services/{id}. prefetch
    (OPTIONAL) An object containing key/value pairs of FHIR queries that this service is requesting the
    CDS Client to perform and provide on each service call. usageRequirements (OPTIONAL) Human-readable
    description of any preconditions for the use of this CDS Service.\""""

    hook: str
    title: str | None = None
    description: str
    id: str
    prefetch: dict[str, str] | None = None
    usageRequirements: str | None = None
    extension: Extension | None = None


class Discovery(_Spec):
    """ "The response to the discovery endpoint SHALL be an object containing a list of CDS Services
    ... If the CDS server hosts no CDS Services, the discovery endpoint should return a 200 HTTP
    response with an empty array of services.\""""

    services: list[ServiceDescription]


# --- Service request ------------------------------------------------------------------------


class FhirAuthorization(_Spec):
    """ "A structure holding an OAuth 2.0 bearer access token granting the CDS Service access to FHIR
    resources, along with supplemental information relating to the token." access_token, token_type
    ("Bearer"), expires_in, scope and subject are REQUIRED; patient is CONDITIONAL."""

    access_token: str = Field(min_length=1)
    token_type: Literal["Bearer"]
    expires_in: int = Field(ge=0)
    scope: str
    subject: str
    patient: str | None = Field(None, pattern=_FHIR_ID)
    extension: Extension | None = None


class CdsRequest(_Spec):
    """ "hook (REQUIRED), hookInstance (REQUIRED) A universally unique identifier (UUID) for this
    particular hook call, fhirServer (CONDITIONAL) The base URL of the CDS Client's FHIR server. If
    fhirAuthorization is provided, this field is REQUIRED, fhirAuthorization (OPTIONAL), context
    (REQUIRED) Hook-specific contextual data that the CDS service will need, prefetch (OPTIONAL) The
    FHIR data that was prefetched by the CDS Client.\""""

    hook: str = Field(min_length=1)
    hookInstance: str = Field(min_length=1, max_length=128)
    fhirServer: AnyHttpUrl | None = None
    fhirAuthorization: FhirAuthorization | None = None
    context: dict[str, Any]
    prefetch: dict[str, dict[str, Any] | None] | None = None
    extension: Extension | None = None

    @model_validator(mode="after")
    def _server_with_authorization(self) -> CdsRequest:
        if self.fhirAuthorization is not None and self.fhirServer is None:
            raise ValueError("fhirServer is required when fhirAuthorization is given")
        return self


class PatientViewContext(_Context):
    """patient-view: "userId (REQUIRED) The id of the current user ... patientId (REQUIRED) The FHIR
    Patient.id of the current patient in context. encounterId (OPTIONAL)\""""

    userId: str = Field(min_length=1)
    patientId: str = Field(pattern=_FHIR_ID)
    encounterId: str | None = None


class OrderSelectContext(PatientViewContext):
    """order-select: adds "selections (REQUIRED) The FHIR id of the newly selected order(s)", e.g.
    ``MedicationRequest/123``, and "draftOrders (REQUIRED) R4 - FHIR Bundle of DeviceRequest,
    MedicationRequest, NutritionOrder, ServiceRequest, VisionPrescription with draft status.\""""

    selections: list[str] = Field(min_length=1)
    draftOrders: dict[str, Any]


# --- Cards ----------------------------------------------------------------------------------


class Coding(_Spec):
    """CDS Hooks' own Coding: "code (REQUIRED), system (REQUIRED), display (CONDITIONAL) ... REQUIRED
    for overrideReasons provided by the CDS Service.\""""

    code: str
    system: str
    display: str | None = None


class Source(_Spec):
    """ "label (REQUIRED) A short, human-readable label to display for the source of the information
    displayed on this card. url (OPTIONAL) icon (OPTIONAL) topic (OPTIONAL) A topic describes the
    content of the card by providing a high-level categorization.\""""

    label: str
    url: AnyHttpUrl | None = None
    icon: AnyHttpUrl | None = None
    topic: Coding | None = None


class Action(_Spec):
    """ "type (REQUIRED) create, update, delete. description (REQUIRED). resource (CONDITIONAL) A FHIR
    resource. When the type attribute is create, the resource attribute SHALL contain a new FHIR
    resource to be created. resourceId (CONDITIONAL) A relative reference to the relevant resource.
    SHOULD be provided when the type attribute is delete.\""""

    type: Literal["create", "update", "delete"]
    description: str
    resource: dict[str, Any] | None = None
    resourceId: str | None = None


class Suggestion(_Spec):
    """ "label (REQUIRED) Human-readable label to display for this suggestion. uuid (OPTIONAL) Unique
    identifier, used for auditing and logging suggestions. isRecommended (OPTIONAL) actions (OPTIONAL)\""""

    label: str
    uuid: str | None = None
    isRecommended: bool | None = None
    actions: list[Action] | None = None


class Link(_Spec):
    """ "label (REQUIRED), url (REQUIRED), type (REQUIRED) absolute or smart, appContext (OPTIONAL),
    autolaunchable (OPTIONAL)\" — note the spec's lower-case ``l``."""

    label: str
    url: AnyHttpUrl
    type: Literal["absolute", "smart"]
    appContext: str | None = None
    autolaunchable: bool | None = None


class Card(_Spec):
    """ "summary (REQUIRED) One-sentence, <140-character summary message for display to the user inside
    of this card. detail (OPTIONAL) Optional detailed information to display; if provided MUST be
    represented in (GitHub Flavored) Markdown. indicator (REQUIRED) info, warning, critical. source
    (REQUIRED). suggestions (OPTIONAL). selectionBehavior (CONDITIONAL) MUST be provided if a card
    contains suggestions: at-most-one, any. overrideReasons (OPTIONAL) ... links (OPTIONAL)\""""

    uuid: str | None = None
    summary: str = Field(min_length=1, max_length=139)
    detail: str | None = None
    indicator: Literal["info", "warning", "critical"]
    source: Source
    suggestions: list[Suggestion] | None = None
    selectionBehavior: Literal["at-most-one", "any"] | None = None
    overrideReasons: list[Coding] | None = None
    links: list[Link] | None = None

    @model_validator(mode="after")
    def _behaviour_with_suggestions(self) -> Card:
        if self.suggestions and self.selectionBehavior is None:
            raise ValueError("selectionBehavior MUST be provided when a card has suggestions")
        return self

    @field_validator("overrideReasons")
    @classmethod
    def _reasons_have_display(cls, value: list[Coding] | None) -> list[Coding] | None:
        if value and any(not c.display for c in value):
            raise ValueError("each override reason needs a display")
        return value


class CdsResponse(_Spec):
    """ "cards (REQUIRED) An array of Cards. Cards can provide a combination of information (for
    reading), suggested actions (to be applied if a user selects them), and links (to launch an app if
    the user selects them). systemActions (OPTIONAL)\""""

    cards: list[Card]
    systemActions: list[Action] | None = None


# --- Feedback -------------------------------------------------------------------------------


class AcceptedSuggestion(_Spec):
    id: str = Field(min_length=1)


class OverrideReason(_Spec):
    """ "reason (CONDITIONAL) The Coding object representing the override reason selected by the end
    user. userComment (OPTIONAL) The CDS Client may enable the clinician to further explain why the
    card was rejected with free text.\""""

    reason: Coding | None = None
    userComment: str | None = None


class FeedbackItem(_Spec):
    """ "card (REQUIRED) The card.uuid from the CDS Hooks response. outcome (REQUIRED) accepted or
    overridden. acceptedSuggestions (CONDITIONAL) ... overrideReason (OPTIONAL) outcomeTimestamp
    (REQUIRED) ISO8601 representation of the date and time in Coordinated Universal Time (UTC).\""""

    card: str = Field(min_length=1)
    outcome: Literal["accepted", "overridden"]
    acceptedSuggestions: list[AcceptedSuggestion] | None = None
    overrideReason: OverrideReason | None = None
    outcomeTimestamp: datetime
    extension: Extension | None = None

    @field_validator("outcomeTimestamp")
    @classmethod
    def _has_time_zone(cls, value: datetime) -> datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("outcomeTimestamp needs a time zone (UTC)")
        return value


class FeedbackRequest(_Spec):
    feedback: list[FeedbackItem] = Field(min_length=1)


class FeedbackOut(_Spec):
    """b12ms's answer to feedback (the spec asks only for 200 OK): how many outcomes were new."""

    stored: int
    already_recorded: int


class ProblemOut(_Spec):
    path: str
    message: str
    suggestion: str | None = None


class ErrorOut(_Spec):
    """Every error answer, in the shape of the JSON API's ErrorBody (``b12ms.web.models``)."""

    error: Literal["input", "not_found", "unauthorised", "precondition", "knowledge", "config", "internal"]
    message: str
    problems: list[ProblemOut] = Field(default_factory=list)
