"""What ``Client`` and ``AsyncClient`` share besides the protocol session: the
constructor's trust arguments, the views of the session's trust state, and the
headers of a request. Each subclass adds only its transport.
"""

from __future__ import annotations

from typing import AbstractSet, Any, Dict, Iterable, Mapping, Optional

from .errors import InvalidInputError
from ._session import Session
from ._wire import Request

__all__ = ["ClientBase"]

JsonObject = Dict[str, Any]


class ClientBase:
    def __init__(
        self,
        url: str,
        *,
        server_key: Optional[str] = None,
        admin_token: Optional[str] = None,
        trusted_tree_head: Optional[Mapping[str, Any]] = None,
        trusted_operators: Optional[Iterable[str]] = None,
    ) -> None:
        self._session = Session(
            url,
            server_key=server_key,
            admin_token=admin_token,
            trusted_tree_head=trusted_tree_head,
            trusted_operators=trusted_operators,
        )

    @property
    def url(self) -> str:
        return self._session.url

    @property
    def server_key(self) -> Optional[str]:
        """The pinned server key (None until the first tree head when none was given)."""
        return self._session.server_key

    @property
    def trusted_tree_head(self) -> Optional[JsonObject]:
        """The newest signed tree head this client has verified."""
        return self._session.trusted_tree_head

    @property
    def trusted_operators(self) -> Optional[AbstractSet[str]]:
        """The operator keys pinned to redact (SPEC §12); None: none pinned, redactions are reported."""
        return self._session.trusted_operators

    def known_root(self, tree_size: int) -> Optional[str]:
        """The root of ``tree_size`` when this client has proven it, else None."""
        return self._session.known_root(tree_size)

    def _headers(self, req: Request) -> Dict[str, str]:
        headers = {"accept": "application/json"}
        if req.content_type is not None:
            headers["content-type"] = req.content_type
        if req.admin:
            if self._session.admin_token is None:
                raise InvalidInputError("unauthorized", f"{req.method} {req.path} needs admin_token")
            headers["authorization"] = f"Bearer {self._session.admin_token}"
        return headers
