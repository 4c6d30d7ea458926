"""BLAKE3: the pure-Python implementation (always) and the backend in use,
against outputs for the official test-vector inputs (data/blake3-vectors.json
says where its expected values come from)."""

import json
from pathlib import Path

import pytest

from stemedb import BLAKE3_BACKEND, blake3
from stemedb.blake3_pure import blake3_pure

DATA = json.loads((Path(__file__).parent / "data" / "blake3-vectors.json").read_text())


def official_input(n: int) -> bytes:
    return bytes(i % 251 for i in range(n))


@pytest.mark.parametrize("case", DATA["cases"], ids=lambda c: f"len{c['input_len']}")
def test_pure_python_matches_the_vector_including_extended_output(case):
    data = official_input(case["input_len"])
    assert blake3_pure(data, DATA["output_len"]).hex() == case["hash"]
    assert blake3_pure(data).hex() == case["hash"][:64]


@pytest.mark.parametrize("case", DATA["cases"][:8], ids=lambda c: f"len{c['input_len']}")
def test_the_backend_in_use_matches(case):
    assert blake3(official_input(case["input_len"])).hex() == case["hash"][:64]


def test_known_short_hashes():
    # The BLAKE3 paper's and reference README's examples.
    assert blake3_pure(b"").hex() == "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
    assert blake3_pure(b"abc").hex() == "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85"
    assert BLAKE3_BACKEND in ("blake3", "pure-python")


def test_negative_length_is_refused():
    with pytest.raises(ValueError):
        blake3_pure(b"x", -1)
