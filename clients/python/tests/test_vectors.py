"""The protocol test vectors (tests/vectors/assertions.json, SPEC §2.2): C, id,
message and sig of every valid vector reproduced by this package (Ed25519
signatures are deterministic, so signing the vector's body with its seed must
give its sig), and every signature-breaking invalid vector refused locally."""

import json

import pytest
from conftest import load_vectors

from stemedb import AgentKey, assertion_id, canonical_bytes, verify_assertion
from stemedb.signed_bytes import assertion_message

VECTORS = load_vectors()
VALID = VECTORS["valid"]
BAD_SIGNATURE = [v for v in VECTORS["invalid"] if v["expected_code"] == "bad_signature"]


def parsed(vector):
    """The vector's assertion; from input_text where given (spellings JSON cannot reproduce)."""
    return json.loads(vector["input_text"]) if "input_text" in vector else vector["assertion"]


@pytest.mark.parametrize("vector", VALID, ids=lambda v: v["name"])
def test_canonical_bytes_id_and_message(vector):
    assertion = parsed(vector)
    unsigned = {k: v for k, v in assertion.items() if k != "sig"}
    assert canonical_bytes(unsigned) == vector["canonical"].encode("utf-8")
    assert assertion_id(assertion) == vector["id"]
    assert assertion_message(bytes.fromhex(vector["id"])).hex() == vector["message"]


@pytest.mark.parametrize("vector", VALID, ids=lambda v: v["name"])
def test_signing_reproduces_the_signature(vector):
    key = AgentKey.from_hex(vector["secret_key"])
    assert key.public_hex == vector["public_key"]
    assertion = parsed(vector)
    signed = key.sign({k: v for k, v in assertion.items() if k != "sig"})
    assert signed["sig"] == vector["sig"]
    assert verify_assertion(assertion)


@pytest.mark.parametrize("vector", BAD_SIGNATURE, ids=lambda v: v["name"])
def test_bad_signatures_are_refused_locally(vector):
    assert not verify_assertion(vector["assertion"])


def test_the_vectors_cover_both_kinds():
    assert len(VALID) >= 16 and len(BAD_SIGNATURE) >= 9
