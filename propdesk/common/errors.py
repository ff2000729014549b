"""Domain errors: what went wrong, in a sentence the user reads, without HTTP.

Services raise these; the API layer (propdesk.web.api) and the pages
(propdesk.web.pages) map them to 400/401/403/404/409/429 and a message. A
domain error never knows its status code."""

from __future__ import annotations


class DomainError(Exception):
    """A refusal with a human sentence (`detail`) and per-field reasons."""

    def __init__(self, detail: str, errors: dict[str, list[str]] | None = None):
        super().__init__(detail)
        self.detail = str(detail)
        self.errors: dict[str, list[str]] = {k: [str(m) for m in v] for k, v in (errors or {}).items()}


class BadInput(DomainError):
    """The input is missing or invalid; nothing was stored."""


class Unauthorized(DomainError):
    """Who is asking is not known (bad or missing credentials)."""


class Forbidden(DomainError):
    """The caller may see the record but not do this."""


class NotFound(DomainError):
    """No such record, or not visible to the caller (the two are never told apart)."""


class Conflict(DomainError):
    """Not allowed in the record's current state; `detail` says what is missing."""


class TooManyRequests(DomainError):
    """Throttled (e.g. repeated failed logins)."""


def field_error(field: str, message: str, detail: str | None = None) -> BadInput:
    """One bad field: `raise field_error("unit", _("No such unit."))`."""
    from django.utils.translation import gettext as _

    return BadInput(detail or _("Some fields are missing or invalid."), {field: [message]})
