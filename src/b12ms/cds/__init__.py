"""CDS Hooks 2.0 service (needs the ``web`` and ``fhir`` extras).

::

    from b12ms.cds import CdsSettings, create_cds_app, create_cds_router, run_cds_server
    settings = CdsSettings(public_base_url="https://b12ms.example.org",
                           trusted_issuers={"https://ehr.example.org": "/etc/b12ms/ehr-jwks.json"},
                           store_url="sqlite:////var/lib/b12ms/b12ms.db")
    web_app.include_router(create_cds_router(settings))   # mount in the main web app
    run_cds_server(settings, host="127.0.0.1", port=8010)  # or standalone (b12ms cds-serve)

Services: ``b12ms-patient-view`` (patient-view) and ``b12ms-order-select`` (order-select).
"""

from b12ms.cds.app import CdsRuntime, create_cds_app, create_cds_router
from b12ms.cds.server import parse_trusted_issuers, run_cds_server
from b12ms.cds.services import CdsService, default_services, register
from b12ms.cds.settings import DEFAULT_CDS_HOST, DEFAULT_CDS_PORT, CdsSettings, check_cds_bind

__all__ = [
    "DEFAULT_CDS_HOST",
    "DEFAULT_CDS_PORT",
    "CdsRuntime",
    "CdsService",
    "CdsSettings",
    "check_cds_bind",
    "create_cds_app",
    "create_cds_router",
    "default_services",
    "parse_trusted_issuers",
    "register",
    "run_cds_server",
]
