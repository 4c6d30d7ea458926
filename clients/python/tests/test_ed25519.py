"""Weak Ed25519 public keys (SPEC §2.2): every encoding of every small-order
point, and y ≥ p, refused before any verify — `cryptography` accepts a forgery
under the identity key, so the refusal must come first."""

import itertools

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from stemedb import AgentKey, is_weak_public_key
from stemedb.ed25519 import verify_signature

P = 2**255 - 19
# y of the points of order 1, 2, 4 and 8 (RFC 8032 curve, computed independently: the
# order-8 points' y satisfy y^2 = (1 ± sqrt(1+d)) / ... — here taken as the integers
# behind the little-endian encodings libsodium blacklists).
SMALL_ORDER_Y = [
    0,
    1,
    P - 1,
    int.from_bytes(bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"), "little"),
    int.from_bytes(bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"), "little"),
]
D = (-121665 * pow(121666, P - 2, P)) % P


def on_curve_y(y: int) -> bool:
    """Whether some x satisfies -x^2 + y^2 = 1 + d x^2 y^2 (mod p): x^2 = (y^2 - 1)/(d y^2 + 1)."""
    u, v = (y * y - 1) % P, (D * y * y + 1) % P
    x2 = u * pow(v, P - 2, P) % P
    return x2 == 0 or pow(x2, (P - 1) // 2, P) == 1


def encodings(y: int):
    for yy, sign in itertools.product((y, y + P), (0, 1)):
        if yy < 2**255:
            yield (yy | (sign << 255)).to_bytes(32, "little")


def test_small_order_ys_are_curve_points():
    assert all(on_curve_y(y) for y in SMALL_ORDER_Y)


@pytest.mark.parametrize("y", SMALL_ORDER_Y)
def test_every_encoding_of_a_small_order_point_is_weak(y):
    for enc in encodings(y):
        assert is_weak_public_key(enc), enc.hex()


def test_non_canonical_y_is_weak_and_real_keys_are_not():
    for y in (P, P + 1, P + 18, 2**255 - 1):
        assert is_weak_public_key(y.to_bytes(32, "little"))
    for _ in range(50):
        assert not is_weak_public_key(AgentKey.generate().public_key)
    assert is_weak_public_key(b"\x01" * 31)


def test_identity_key_forgery_is_refused_before_cryptography_sees_it():
    identity = (1).to_bytes(32, "little")
    forged = identity + bytes(32)  # R = identity, S = 0: [S]B = R + [k]A for every message
    message = b"stemedb:assertion:v1:" + bytes(32)
    try:
        Ed25519PublicKey.from_public_bytes(identity).verify(forged, message)
        accepted_by_cryptography = True
    except (InvalidSignature, ValueError):
        accepted_by_cryptography = False
    print(f"cryptography accepts the identity-key forgery: {accepted_by_cryptography}")
    assert not verify_signature(identity, forged, message)


def test_a_real_signature_verifies_and_a_flipped_one_does_not():
    key = AgentKey.generate()
    signed = key.sign({"concept": "a", "predicate": "p", "value": 1, "ts": 946684800000})
    from stemedb import verify_assertion

    assert verify_assertion(signed)
    flipped = dict(signed, sig=("0" if signed["sig"][0] != "0" else "1") + signed["sig"][1:])
    assert not verify_assertion(flipped)
