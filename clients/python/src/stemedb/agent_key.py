"""An agent's Ed25519 key (SPEC §2.2) and the key files ``stemedb keygen``
writes (``src/client/key-file.ts``): one JSON object ``{"secret_key": <64 hex>,
"public_key": <64 hex>}`` — the 32-byte RFC 8032 seed and its public key —
mode 0600. Like OpenSSH with private keys, a file that group or others can
access is refused: anyone who can read it can sign in this agent's name.
"""

from __future__ import annotations

import json
import os
import re
import stat
import time
from typing import Any, Dict, Mapping, Union

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from .assertion import assertion_id
from .errors import InvalidInputError, KeyFileError
from .signed_bytes import assertion_message

__all__ = ["AgentKey"]

_HEX32 = re.compile(r"[0-9a-f]{64}\Z")


class AgentKey:
    """An Ed25519 signing key: ``sign(body)`` turns an unsigned claim into a signed assertion."""

    __slots__ = ("_private", "_seed", "public_key")

    def __init__(self, seed: bytes) -> None:
        if not isinstance(seed, (bytes, bytearray)) or len(seed) != 32:
            raise InvalidInputError("invalid_field", "seed must be 32 bytes (an RFC 8032 seed)")
        self._seed = bytes(seed)
        self._private = Ed25519PrivateKey.from_private_bytes(self._seed)
        #: The 32-byte public key.
        self.public_key: bytes = self._private.public_key().public_bytes(
            Encoding.Raw, PublicFormat.Raw
        )

    @classmethod
    def generate(cls) -> "AgentKey":
        """A fresh key from the operating system's CSPRNG."""
        return cls(os.urandom(32))

    @classmethod
    def from_hex(cls, secret_key: str) -> "AgentKey":
        """From the 64-hex-char seed (a key file's ``secret_key``)."""
        if not isinstance(secret_key, str) or not _HEX32.match(secret_key):
            raise InvalidInputError(
                "invalid_field", "secret_key must be 64 lowercase hex chars (a 32-byte seed)"
            )
        return cls(bytes.fromhex(secret_key))

    @classmethod
    def from_file(cls, path: Union[str, "os.PathLike[str]"]) -> "AgentKey":
        """Reads a key file written by ``stemedb keygen --out``; refuses one group or others can access."""
        try:
            mode = os.stat(path).st_mode
        except OSError as e:
            raise KeyFileError(f"cannot read key file {path}: {e.strerror}") from None
        if mode & 0o077:
            raise KeyFileError(
                f"key file {path} is accessible by group or others (mode {stat.S_IMODE(mode):o}); "
                f"restrict it with `chmod 600 {path}`"
            )
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except OSError as e:
            raise KeyFileError(f"cannot read key file {path}: {e.strerror}") from None
        return cls.parse(text, f"key file {path}")

    @classmethod
    def parse(cls, text: str, where: str = "key file") -> "AgentKey":
        """Parses key file text, checking that ``public_key`` (when present) belongs to ``secret_key``."""
        try:
            doc = json.loads(text)
        except ValueError:
            raise KeyFileError(
                f'{where} is not JSON; expected {{"secret_key": "<64 hex>", "public_key": "<64 hex>"}}'
            ) from None
        secret = doc.get("secret_key") if isinstance(doc, dict) else None
        if not isinstance(secret, str) or not _HEX32.match(secret):
            raise KeyFileError(f"{where}: secret_key must be 64 lowercase hex chars (a 32-byte Ed25519 seed)")
        key = cls(bytes.fromhex(secret))
        public = doc.get("public_key")
        if public is not None and public != key.public_hex:
            raise KeyFileError(f"{where}: public_key does not belong to secret_key (the file is damaged)")
        return key

    def to_file_text(self) -> str:
        """The key file's text, as ``stemedb keygen`` writes it."""
        return json.dumps({"secret_key": self._seed.hex(), "public_key": self.public_hex}, indent=2) + "\n"

    @property
    def public_hex(self) -> str:
        """The public key as 64 lowercase hex chars: the agent's identity in every assertion."""
        return self.public_key.hex()

    def sign(self, body: Mapping[str, Any]) -> Dict[str, Any]:
        """A signed assertion from ``body`` (concept, predicate, value, and optionally ts,
        confidence, evidence, retracts): fills ``v`` = 1 and ``agent`` when absent, ``ts``
        (now, ms) when absent, and ``sig`` (SPEC §2.2). The body is not otherwise validated:
        the server does that."""
        if not isinstance(body, Mapping):
            raise InvalidInputError("invalid_field", "body must be a dict (the assertion's fields)")
        unsigned = {k: v for k, v in body.items() if k != "sig"}
        unsigned.setdefault("v", 1)
        unsigned.setdefault("ts", int(time.time() * 1000))
        agent = unsigned.setdefault("agent", self.public_hex)
        if agent != self.public_hex:
            raise InvalidInputError(
                "invalid_field",
                f"body's agent {agent!r} is not this key's public key {self.public_hex}",
                field="agent",
            )
        message = assertion_message(bytes.fromhex(assertion_id(unsigned)))
        unsigned["sig"] = self._private.sign(message).hex()
        return unsigned

    def __repr__(self) -> str:
        return f"AgentKey(public_hex={self.public_hex!r})"
