"""Assertion ids and signatures (SPEC §2.2): ``C`` = RFC 8785 of the assertion
without ``sig``, ``id`` = BLAKE3-256(C) as 64 lowercase hex, ``sig`` = Ed25519
over "stemedb:assertion:v1:" ‖ id. Optional fields are hashed as given: a
member that is absent stays absent (never ``null``).
"""

from __future__ import annotations

import re
from typing import Any, Mapping, Optional

from .canonical import canonical_bytes
from .ed25519 import verify_signature
from .errors import InvalidInputError
from .hashing import blake3
from .signed_bytes import assertion_message

__all__ = ["assertion_id", "assertion_problem", "verify_assertion"]

_HEX32 = re.compile(r"[0-9a-f]{64}\Z")
_HEX64 = re.compile(r"[0-9a-f]{128}\Z")


def _id_bytes(assertion: Mapping[str, Any]) -> bytes:
    if not isinstance(assertion, Mapping):
        raise InvalidInputError("invalid_field", "an assertion must be a JSON object (a dict)")
    unsigned = {k: v for k, v in assertion.items() if k != "sig"}
    return blake3(canonical_bytes(unsigned))


def assertion_id(assertion: Mapping[str, Any]) -> str:
    """The id of ``assertion``: BLAKE3-256 of the canonical bytes of every member but ``sig``."""
    return _id_bytes(assertion).hex()


def assertion_problem(assertion: Mapping[str, Any]) -> Optional[str]:
    """Why ``assertion``'s ``sig`` does not verify under its ``agent`` key, or None when it does."""
    agent = assertion.get("agent") if isinstance(assertion, Mapping) else None
    sig = assertion.get("sig") if isinstance(assertion, Mapping) else None
    if not isinstance(agent, str) or not _HEX32.match(agent):
        return "agent is not 64 lowercase hex chars"
    if not isinstance(sig, str) or not _HEX64.match(sig):
        return "sig is not 128 lowercase hex chars"
    try:
        message = assertion_message(_id_bytes(assertion))
    except InvalidInputError as e:
        return e.detail
    if not verify_signature(bytes.fromhex(agent), bytes.fromhex(sig), message):
        return "sig does not verify under agent (or agent is a weak key)"
    return None


def verify_assertion(assertion: Mapping[str, Any]) -> bool:
    """True when ``sig`` is the agent's Ed25519 signature over the assertion's id (SPEC §2.2)."""
    return assertion_problem(assertion) is None
