"""The client's I/O boundary: a ``Request`` the protocol code wants sent and
the ``Response`` a transport brings back. The protocol (``_session.py``) is
written as generators that yield requests and receive responses, so the
synchronous client (urllib) and the asyncio one (httpx) drive the same code
and differ only in how bytes move.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, Generator, Mapping, Optional, TypeVar
from urllib.parse import urlencode

from .errors import BadResponseError, ProblemError

__all__ = ["Request", "Response", "Op", "decode"]

T = TypeVar("T")


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: Mapping[str, Any] = field(default_factory=dict)
    body: Optional[bytes] = None
    content_type: Optional[str] = None
    admin: bool = False

    def target(self) -> str:
        """Path and query string (values of None left out)."""
        q = {k: v for k, v in self.query.items() if v is not None}
        return self.path + ("?" + urlencode(q) if q else "")


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str]  # names in lower case
    body: bytes


#: A protocol operation: yields requests, receives responses, returns the result.
Op = Generator[Request, Response, T]


def decode(req: Request, res: Response) -> Dict[str, Any]:
    """The JSON object of a 2xx answer; a ``ProblemError`` for any other (RFC 9457, SPEC §3)."""
    if not 200 <= res.status < 300:
        raise _problem(res)
    try:
        doc = json.loads(res.body)
    except ValueError:
        raise BadResponseError(
            f"{req.method} {req.path}: HTTP {res.status} answer is not JSON", status=res.status
        ) from None
    if not isinstance(doc, dict):
        raise BadResponseError(
            f"{req.method} {req.path}: HTTP {res.status} answer is not a JSON object",
            status=res.status,
        )
    return doc


def _problem(res: Response) -> ProblemError:
    problem: Optional[Dict[str, Any]] = None
    try:
        parsed = json.loads(res.body)
        if isinstance(parsed, dict):
            problem = parsed
    except ValueError:
        pass
    p = problem or {}
    code = p.get("code") if isinstance(p.get("code"), str) else f"http_{res.status}"
    detail = p.get("detail") if isinstance(p.get("detail"), str) else f"HTTP {res.status}"
    field_name = p.get("field") if isinstance(p.get("field"), str) else None
    request_id = p.get("request_id") if isinstance(p.get("request_id"), str) else None
    retry_after: Optional[float] = None
    if "retry-after" in res.headers:
        try:
            retry_after = float(res.headers["retry-after"])
        except ValueError:
            retry_after = None
    return ProblemError(
        str(code),
        str(detail),
        status=res.status,
        field=field_name,
        request_id=request_id or res.headers.get("x-request-id"),
        retry_after=retry_after,
        problem=problem,
    )
