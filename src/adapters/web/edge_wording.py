"""The sentences of what the HTTP edge refuses itself, before the core is asked: the server's own
errors (connections, headers, bodies, routes), the upload form and the descriptions body, and
bearer tokens.

The core's errors are worded in :mod:`wording`; these never reach the core, so no error of its
carries their facts, and each sentence takes them as arguments.
"""

from __future__ import annotations

from imagecore import Slot
from imagecore.adapters.web.guide_wording import DESCRIPTION_FIELDS, SLOT_NAMES, description_field
from imagecore.adapters.web.quoting import byte_size, echo

# --- HTTP's own errors --------------------------------------------------------------------------

INTERNAL_ERROR = "Internal server error."


def too_many_connections() -> str:
    return "Too many connections: the server is at its limit, or this address is. Try again later."


def headers_too_large(max_bytes: int) -> str:
    return f"The request's headers are too large: the limit is {max_bytes:,} bytes."


def too_many_headers(max_headers: int) -> str:
    return f"The request has too many headers: the limit is {max_headers}."


def headers_timed_out(seconds: float) -> str:
    return f"The request's headers did not arrive within {seconds:g} seconds."


def body_timed_out(seconds: float) -> str:
    return f"The request's body stalled for more than {seconds:g} seconds."


def body_too_slow(seconds: float) -> str:
    return f"The request's body took more than {seconds:g} seconds in all."


def upload_too_large(max_bytes: int) -> str:
    return f"The upload is too large: the limit is {byte_size(max_bytes)}."


def route_not_found(path: str) -> str:
    return f"Not found: {echo(path, quoted=False)}"


def method_not_allowed(method: str, allowed: str) -> str:
    return f"Method {echo(method, quoted=False)} is not allowed here; allowed: {allowed}."


def invalid_request(detail: str) -> str:
    return f"Invalid request: {echo(detail, 200, quoted=False)}."


# --- The upload form ----------------------------------------------------------------------------

NOT_A_FORM = f"The body must be multipart/form-data with a {SLOT_NAMES} file."
CLIENT_GONE = "The client went away before its upload was complete."
NOT_DESCRIPTIONS = f"The body must be a JSON object with {DESCRIPTION_FIELDS}, or both."


def unknown_description_field(name: str) -> str:
    return f"Unknown field {echo(name)}: send {DESCRIPTION_FIELDS}, or both."


def description_not_text(slot: Slot) -> str:
    return f"'{description_field(slot)}' must be a string."


def descriptions_too_large(max_bytes: int) -> str:
    return f"The body is too large for descriptions: at most {max_bytes:,} bytes."


def description_not_utf8(slot: Slot) -> str:
    return f"'{description_field(slot)}' must be UTF-8 text."


def description_without_image(slot: Slot) -> str:
    return (
        f"'{description_field(slot)}' was sent without a '{slot.value}' file; to change only "
        "a description, send it with PATCH."
    )


def too_many_parts(limit: int) -> str:
    return f"The form has too many parts: at most {limit} are read."


def form_over_limit(detail: object) -> str:
    return f"The form is over a limit of its parser: {echo(str(detail), 200, quoted=False)}."


def malformed_form(detail: object) -> str:
    return f"The multipart/form-data body is malformed: {echo(str(detail), 200, quoted=False)}."


def repeated_field(slot: Slot) -> str:
    return f"Send one '{slot.value}' file, not several."


def repeated_part(field: str) -> str:
    return f"Send one '{field}', not several."


# --- Bearer tokens ------------------------------------------------------------------------------

NO_CREDENTIALS = "Authentication required: send an 'Authorization: Bearer' header."
#: Where the host tells who asks (its session, its own tokens) and says nobody.
NOT_SIGNED_IN = "Authentication required: sign in first."
NOT_BEARER = "The Authorization header must be 'Bearer <token>'."
TOKEN_EXPIRED = "The token has expired; sign in again."
TOKEN_INVALID = "The token is invalid."
NOT_AN_ACCESS_TOKEN = "This is not an access token; send an access token."
NO_USER = "The token names no user: it needs a 'sub' or 'user_id' claim."
USER_NOT_TEXT = "The token's user id is not valid Unicode text."


def missing_claim(claim: str) -> str:
    return f"The token has no '{claim}' claim."


def time_not_a_number(claim: str) -> str:
    return f"The token's '{claim}' claim must be a number of seconds since 1970."


def not_issued_here(detail: object) -> str:
    return f"The token was not issued for this service: {echo(str(detail), 200, quoted=False)}."
