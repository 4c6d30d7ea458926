"""The exceptions the client raises. Callers branch on ``code``, never on text.

``StemeError`` is the base: ``code`` (stable, snake_case), ``detail`` (human),
``field`` (the offending field, when one is known) and ``status`` (the HTTP
status, 0 when no answer arrived). Its subclasses say where the failure arose:

- ``ProblemError``: the server answered with an RFC 9457 problem (SPEC §3);
  ``code``, ``field`` and ``detail`` are the server's, plus ``request_id``,
  ``retry_after`` and the whole ``problem`` document.
- ``VerificationError``: an answer failed a local check (a tree head's
  signature, an audit path, a consistency proof, an id or signature of a
  stored assertion). The server, or something between it and you, is lying.
- ``NetworkError`` (``network_error``): no answer (refused, timed out).
- ``BadResponseError`` (``bad_response``): an answer that is not the JSON
  the protocol promises.
- ``InvalidInputError`` (also a ``ValueError``): bad arguments, refused before
  anything is sent (``bad_unicode``, ``invalid_field``, …).
- ``KeyFileError`` (``bad_key_file``): an agent key file that cannot be used.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

__all__ = [
    "StemeError",
    "ProblemError",
    "VerificationError",
    "NetworkError",
    "BadResponseError",
    "InvalidInputError",
    "KeyFileError",
]


class StemeError(Exception):
    """Base of every error the client raises."""

    def __init__(
        self, code: str, detail: str, *, field: Optional[str] = None, status: int = 0
    ) -> None:
        super().__init__(f"{code}: {detail}" if field is None else f"{code} ({field}): {detail}")
        self.code = code
        self.detail = detail
        self.field = field
        self.status = status


class ProblemError(StemeError):
    """A non-2xx answer from the server (RFC 9457 problem+json, SPEC §3)."""

    def __init__(
        self,
        code: str,
        detail: str,
        *,
        status: int,
        field: Optional[str] = None,
        request_id: Optional[str] = None,
        retry_after: Optional[float] = None,
        problem: Optional[Dict[str, Any]] = None,
    ) -> None:
        super().__init__(code, detail, field=field, status=status)
        self.request_id = request_id
        self.retry_after = retry_after
        self.problem = problem


class VerificationError(StemeError):
    """An answer failed a local cryptographic check."""


class NetworkError(StemeError):
    """The server could not be reached."""

    def __init__(self, detail: str) -> None:
        super().__init__("network_error", detail)


class BadResponseError(StemeError):
    """The server's answer is not what the protocol promises."""

    def __init__(self, detail: str, *, status: int = 0) -> None:
        super().__init__("bad_response", detail, status=status)


class InvalidInputError(StemeError, ValueError):
    """An argument the client refuses before sending anything."""


class KeyFileError(StemeError):
    """An agent key file that cannot be used."""

    def __init__(self, detail: str) -> None:
        super().__init__("bad_key_file", detail)
