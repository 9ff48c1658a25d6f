"""The HTTP API, ``/api/v1/``. Each app contributes a router from its ``api.py``."""

from __future__ import annotations

from ninja import NinjaAPI

from heed.api.auth import ApiKeyAuth, StaffSessionAuth
from heed.api.errors import install_error_handlers

api = NinjaAPI(
    title="Heed API",
    version="1",
    description=(
        "Heed — lawful debt-collection management. Authenticate with a browser session or "
        "`Authorization: Bearer <API key>`. Every error is `{code, message, fields}`."
    ),
    urls_namespace="api-v1",
    auth=[ApiKeyAuth(), StaffSessionAuth()],
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_error_handlers(api)


def _mount() -> None:
    from heed.audit.api import router as audit_router
    from heed.collection.api import router as collection_router
    from heed.compliance.api import router as compliance_router
    from heed.payments.api import router as payments_router
    from heed.portfolio.api import router as portfolio_router
    from heed.screening.api import router as screening_router
    from heed.tasks.api import router as tasks_router
    from heed.users.api import router as users_router

    api.add_router("", users_router)
    api.add_router("/audit", audit_router)
    api.add_router("/tasks", tasks_router)
    # Each domain router declares full paths below /api/v1/ (e.g. "/accounts", "/contacts/…").
    api.add_router("", portfolio_router)
    api.add_router("", collection_router)
    api.add_router("", compliance_router)
    api.add_router("", payments_router)
    api.add_router("", screening_router)


_mount()
