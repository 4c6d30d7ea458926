"""Ed25519 verification (RFC 8032, pure Ed25519) through ``cryptography``,
with the weak public keys refused first (SPEC §2.2): a key of small order (one
of the 8 torsion points) verifies forged signatures without any secret —
``cryptography`` (OpenSSL) accepts identity ‖ 0 under the identity key for any
message — and a non-canonical encoding (y ≥ p, RFC 8032 §5.1.3 step 1) aliases
another key. The Python twin of ``src/protocol/weak-public-key.ts``.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

__all__ = ["is_weak_public_key", "verify_signature"]

# The y coordinates (little-endian, sign bit of x cleared) of the points of order 1, 2, 4 and 8.
_SMALL_ORDER_Y = tuple(
    bytes.fromhex(h)
    for h in (
        "0000000000000000000000000000000000000000000000000000000000000000",  # y = 0: order 4
        "0100000000000000000000000000000000000000000000000000000000000000",  # y = 1: identity
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # y = p − 1: order 2
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",  # order 8
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",  # order 8
    )
)
_P = 2**255 - 19


def is_weak_public_key(key: bytes) -> bool:
    """True for a 32-byte Ed25519 public key of small order or with y ≥ p (and any other length)."""
    if len(key) != 32:
        return True
    y_bytes = key[:31] + bytes([key[31] & 0x7F])
    if int.from_bytes(y_bytes, "little") >= _P:
        return True
    return y_bytes in _SMALL_ORDER_Y


def verify_signature(public_key: bytes, signature: bytes, message: bytes) -> bool:
    """RFC 8032 §5.1.7 verify, False for a weak key, a malformed key or signature, or a forgery."""
    if is_weak_public_key(public_key) or len(signature) != 64:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True
