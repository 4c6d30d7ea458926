"""``Client``: the synchronous StemeDB client on the standard library (urllib).

Every method runs one protocol operation of ``_session.Session`` — the same
code the asyncio client runs — and so verifies what it receives before it
returns: see ``Session`` for what is checked. Not thread-safe: give each
thread its own ``Client`` (they may share a pinned ``server_key``).
"""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from typing import Any, Dict, Iterable, Mapping, Optional, Sequence, TypeVar, Union

from .agent_key import AgentKey
from .errors import NetworkError
from ._client_base import ClientBase
from ._wire import Op, Request, Response

__all__ = ["Client"]

T = TypeVar("T")
JsonObject = Dict[str, Any]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is an answer like any other: not followed


class Client(ClientBase):
    """A verifying client for one StemeDB server.

    ``server_key``: the server's Ed25519 public key (64 hex) to pin; without it
    the first key seen is pinned (trust on first use; read it back from
    ``client.server_key``). ``trusted_tree_head``: an STH trusted earlier (for
    example ``client.trusted_tree_head`` saved by a previous run), so the log is
    held to it across restarts. ``trusted_operators``: the operator keys (64 hex
    each) trusted to redact (SPEC §12), pinned like the server key; without them
    ``verify_assertion`` accepts a redaction and names its key. ``timeout``:
    seconds per request.
    """

    def __init__(
        self,
        url: str,
        *,
        server_key: Optional[str] = None,
        admin_token: Optional[str] = None,
        trusted_tree_head: Optional[Mapping[str, Any]] = None,
        trusted_operators: Optional[Iterable[str]] = None,
        timeout: float = 30.0,
    ) -> None:
        super().__init__(
            url, server_key=server_key, admin_token=admin_token, trusted_tree_head=trusted_tree_head, trusted_operators=trusted_operators
        )
        self._timeout = timeout
        self._opener = urllib.request.build_opener(_NoRedirect)

    def _send(self, req: Request) -> Response:
        r = urllib.request.Request(self.url + req.target(), data=req.body, headers=self._headers(req), method=req.method)
        try:
            with self._opener.open(r, timeout=self._timeout) as res:
                return Response(res.status, {k.lower(): v for k, v in res.headers.items()}, res.read())
        except urllib.error.HTTPError as e:
            with e:
                return Response(e.code, {k.lower(): v for k, v in e.headers.items()}, e.read())
        except (urllib.error.URLError, OSError, http.client.HTTPException) as e:
            reason = getattr(e, "reason", e)
            raise NetworkError(f"cannot reach {self.url}: {reason}") from e

    def _run(self, op: "Op[T]") -> T:
        try:
            req = next(op)
            while True:
                req = op.send(self._send(req))
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]

    def post(self, assertion: Mapping[str, Any]) -> JsonObject:
        """Sends one signed assertion; returns its receipt (``id``, ``seq``, ``status``, ``sth``,
        ``audit_path``) after checking the STH and the audit path to it."""
        return self._run(self._session.post(assertion))

    def post_batch(self, assertions: Sequence[Mapping[str, Any]], *, prove: bool = False) -> JsonObject:
        """Sends a batch (≤ 1000); a bad item is rejected alone. ``prove``: also fetch and check
        each recorded item's inclusion proof."""
        return self._run(self._session.post_batch(assertions, prove=prove))

    def post_ndjson(self, lines: Iterable[Union[Mapping[str, Any], str]], *, prove: bool = False) -> JsonObject:
        """Bulk ingest as NDJSON: dicts are encoded canonically, strings sent as given."""
        return self._run(self._session.post_ndjson(lines, prove=prove))

    def query(self, concept: Optional[str] = None, **params: Any) -> JsonObject:
        """SPEC §4 query: ``match`` (exact, prefix, tail), ``predicate``, ``agent``, ``lens`` (latest,
        consensus, trust, all), ``as_of`` (a tree size), ``min_confidence``, ``limit``, ``cursor``.
        The answer's root is proven against the trusted STH."""
        return self._run(self._session.query(concept, **params))

    def history(self, concept: str, predicate: str, *, limit: Optional[int] = None, cursor: Optional[str] = None) -> JsonObject:
        """Every assertion of one (concept, predicate) in seq order, retractions included."""
        return self._run(self._session.history(concept, predicate, limit=limit, cursor=cursor))

    def get(self, id: str) -> JsonObject:
        """One stored assertion, checked to hash to ``id`` and to carry its agent's signature; a
        redacted one (SPEC §12, no body) is returned as sent: judge it with ``verify_assertion``."""
        return self._run(self._session.get(id))

    def verify_assertion(self, id: str, *, trusted_operators: Optional[Iterable[str]] = None) -> JsonObject:
        """The verifier rule (SPEC §12) on ``id``: ``{"ok": True}``, ``{"ok": True, "redacted":
        {"operator", "reason", "trusted"}}`` for a redacted one that checks out, or ``{"ok": False,
        "problem"}``. ``trusted_operators`` overrides the client's pinned operator keys."""
        return self._run(self._session.verify_assertion(id, trusted_operators=trusted_operators))

    def retract(self, key: AgentKey, id: str, *, ts: Optional[int] = None) -> JsonObject:
        """Withdraws assertion ``id`` (made by ``key``); returns the retraction's receipt."""
        return self._run(self._session.retract(key, id, ts=ts))

    def inclusion_proof(self, id: str, tree_size: Optional[int] = None) -> JsonObject:
        """The audit path of ``id``, verified to a root proven against the trusted STH."""
        return self._run(self._session.inclusion_proof(id, tree_size))

    def consistency_proof(self, first: int, second: int) -> JsonObject:
        """The consistency proof between two tree sizes, verified when both roots are known."""
        return self._run(self._session.consistency_proof(first, second))

    def tree_head(self) -> JsonObject:
        """The current signed tree head, verified and made the trusted one."""
        return self._run(self._session.tree_head())
