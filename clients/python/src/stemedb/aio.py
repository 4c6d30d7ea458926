"""``AsyncClient``: the asyncio StemeDB client, on ``httpx`` (install it:
``pip install 'stemedb[async]'`` or Debian's ``python3-httpx``). The same
methods as ``Client``, awaited; the same protocol code (``_session.Session``)
and so the same local checks.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Mapping, Optional, Sequence, TypeVar, Union

try:
    import httpx
except ImportError as e:  # pragma: no cover - depends on the machine
    raise ImportError("stemedb.aio needs httpx: pip install httpx (Debian: python3-httpx)") from e

from .agent_key import AgentKey
from .errors import NetworkError
from ._client_base import ClientBase
from ._wire import Op, Request, Response

__all__ = ["AsyncClient"]

T = TypeVar("T")
JsonObject = Dict[str, Any]


class AsyncClient(ClientBase):
    """The asyncio twin of ``stemedb.Client``; use as ``async with AsyncClient(url) as c:``."""

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
        self._http = httpx.AsyncClient(timeout=timeout, follow_redirects=False)

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _send(self, req: Request) -> Response:
        try:
            res = await self._http.request(req.method, self.url + req.target(), content=req.body, headers=self._headers(req))
        except httpx.HTTPError as e:
            raise NetworkError(f"cannot reach {self.url}: {e}") from e
        return Response(res.status_code, {k.lower(): v for k, v in res.headers.items()}, res.content)

    async def _run(self, op: "Op[T]") -> T:
        try:
            req = next(op)
            while True:
                req = op.send(await self._send(req))
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]

    async def post(self, assertion: Mapping[str, Any]) -> JsonObject:
        return await self._run(self._session.post(assertion))

    async def post_batch(self, assertions: Sequence[Mapping[str, Any]], *, prove: bool = False) -> JsonObject:
        return await self._run(self._session.post_batch(assertions, prove=prove))

    async def post_ndjson(self, lines: Iterable[Union[Mapping[str, Any], str]], *, prove: bool = False) -> JsonObject:
        return await self._run(self._session.post_ndjson(lines, prove=prove))

    async def query(self, concept: Optional[str] = None, **params: Any) -> JsonObject:
        """Same parameters as ``Client.query`` (match, predicate, agent, lens, as_of, min_confidence, limit, cursor)."""
        return await self._run(self._session.query(concept, **params))

    async def history(self, concept: str, predicate: str, *, limit: Optional[int] = None, cursor: Optional[str] = None) -> JsonObject:
        return await self._run(self._session.history(concept, predicate, limit=limit, cursor=cursor))

    async def get(self, id: str) -> JsonObject:
        return await self._run(self._session.get(id))

    async def verify_assertion(self, id: str, *, trusted_operators: Optional[Iterable[str]] = None) -> JsonObject:
        return await self._run(self._session.verify_assertion(id, trusted_operators=trusted_operators))

    async def retract(self, key: AgentKey, id: str, *, ts: Optional[int] = None) -> JsonObject:
        return await self._run(self._session.retract(key, id, ts=ts))

    async def inclusion_proof(self, id: str, tree_size: Optional[int] = None) -> JsonObject:
        return await self._run(self._session.inclusion_proof(id, tree_size))

    async def consistency_proof(self, first: int, second: int) -> JsonObject:
        return await self._run(self._session.consistency_proof(first, second))

    async def tree_head(self) -> JsonObject:
        return await self._run(self._session.tree_head())
