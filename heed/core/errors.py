"""One error type for business failures, mapped in one place (the API and the views)."""

from __future__ import annotations


class ApplicationError(Exception):
    """A business rule refused the request. ``code`` is stable; ``message`` is for people.

    ``fields`` names the offending input fields and why, e.g. ``{"amount": ["must be > 0"]}``.
    """

    status = 400

    def __init__(
        self,
        message: str,
        code: str = "invalid",
        *,
        fields: dict[str, list[str]] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.fields = fields or {}
        if status is not None:
            self.status = status


class NotFound(ApplicationError):
    """The same answer for "does not exist" and "not yours"."""

    status = 404

    def __init__(self, message: str = "Not found.") -> None:
        super().__init__(message, "not_found")


class PermissionDenied(ApplicationError):
    status = 403

    def __init__(self, message: str = "You do not have permission to do this.") -> None:
        super().__init__(message, "permission_denied")


class Conflict(ApplicationError):
    status = 409

    def __init__(self, message: str, code: str = "conflict") -> None:
        super().__init__(message, code)
