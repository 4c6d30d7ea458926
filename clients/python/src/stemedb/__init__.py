"""StemeDB's Python client (SPEC §13): sign, canonicalize, hash, submit, query
and verify — locally, with the server's key pinned and the last trusted signed
tree head kept. ``stemedb.aio.AsyncClient`` is the asyncio client (needs httpx).
"""

from .agent_key import AgentKey
from .assertion import assertion_id, verify_assertion
from .canonical import canonical_bytes
from .client import Client
from .ed25519 import is_weak_public_key
from .errors import (
    BadResponseError,
    InvalidInputError,
    KeyFileError,
    NetworkError,
    ProblemError,
    StemeError,
    VerificationError,
)
from .hashing import BACKEND as BLAKE3_BACKEND
from .hashing import blake3
from .merkle import verify_consistency, verify_inclusion
from .redaction import verify_assertion_view
from .tree_head import verify_tree_head

__version__ = "0.1.0"

__all__ = [
    "AgentKey",
    "BLAKE3_BACKEND",
    "BadResponseError",
    "Client",
    "InvalidInputError",
    "KeyFileError",
    "NetworkError",
    "ProblemError",
    "StemeError",
    "VerificationError",
    "assertion_id",
    "blake3",
    "canonical_bytes",
    "is_weak_public_key",
    "verify_assertion",
    "verify_assertion_view",
    "verify_consistency",
    "verify_inclusion",
    "verify_tree_head",
]
