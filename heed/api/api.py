"""The HTTP API, ``/api/v1/``. Each app contributes a router from its ``api.py``."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI

from heed.api.auth import ApiKeyAuth, StaffSessionAuth
from heed.api.errors import install_error_handlers

# Every operation that needs a caller can answer these, besides what it declares itself.
_COMMON_ERRORS = {
    401: "Not authenticated: sign in, or send 'Authorization: Bearer <API key>'.",
    429: "Rate limit of the API key exceeded (see Retry-After).",
}


class HeedAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """Ninja's schema, with 401 and 429 on every authenticated operation (the error
        handlers in ``heed.api.errors`` and the key's rate limit answer them everywhere)."""
        schema = super().get_openapi_schema(*args, **kwargs)
        error = {"$ref": "#/components/schemas/ErrorOut"}
        for methods in schema.get("paths", {}).values():
            for operation in methods.values():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                if not operation.get("security"):
                    continue
                for status, description in _COMMON_ERRORS.items():
                    operation["responses"].setdefault(
                        status,
                        {
                            "description": description,
                            "content": {"application/json": {"schema": error}},
                        },
                    )
        return schema


api = HeedAPI(
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
