"""RFC 8785 canonicalization: the RFC's own examples, the cases json.dumps gets
wrong, and the refusals (lone surrogates, NaN, non-JSON types)."""

import json
import math

import pytest

from stemedb import InvalidInputError, canonical_bytes
from stemedb.canonical import canonical_string, number_to_string


@pytest.mark.parametrize(
    "x, expected",
    [
        # RFC 8785 Appendix B (IEEE-754 bit patterns → ECMAScript strings).
        (0.0, "0"), (-0.0, "0"), (5e-324, "5e-324"), (-5e-324, "-5e-324"),
        (1.7976931348623157e308, "1.7976931348623157e+308"), (9007199254740992.0, "9007199254740992"),
        (295147905179352830000.0, "295147905179352830000"), (1e21, "1e+21"), (1e20, "100000000000000000000"),
        (9.999999999999997e22, "9.999999999999997e+22"), (1e23, "1e+23"), (1e-6, "0.000001"),
        (1e-7, "1e-7"), (0.000001234, "0.000001234"), (4.35, "4.35"), (0.1 + 0.2, "0.30000000000000004"),
        (333333333.33333329, "333333333.3333333"), (-1.5, "-1.5"), (1.0, "1"), (100.0, "100"),
    ],
)
def test_numbers_as_ecmascript(x, expected):
    assert number_to_string(x) == expected


def test_rfc8785_section_3_2_3_sorting_example():
    # Keys sort by UTF-16 code units: "\r" < "1" < "\u0080" < "ö" < "€" < "😀" < "דּ".
    obj = {"\u20ac": "Euro Sign", "\r": "Carriage Return", "\ufb33": "Hebrew Letter Dalet With Dagesh",
           "1": "One", "\U0001f600": "Emoji: Grinning Face", "\u0080": "Control", "\u00f6": "Latin Small Letter O With Diaeresis"}
    assert list(json.loads(canonical_string(obj))) == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]


def test_rfc8785_section_3_2_2_example():
    obj = {"numbers": [333333333.33333329, 1e30, 4.50, 2e-3, 0.000000000000000000000000001],
           "string": "\u20ac$\u000f\u000aA'\u0042\u0022\u005c\\\"\u002f", "literals": [None, True, False]}
    assert canonical_string(obj) == (
        '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    )


def test_where_json_dumps_differs():
    value = {"\U0001f600": 1, "\ufb33": 2, "n": [1e-7, 1e16]}
    naive = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    ours = canonical_string(value)
    assert ours == '{"n":[1e-7,10000000000000000],"\U0001f600":1,"\ufb33":2}'
    assert naive != ours


def test_escapes_only_what_rfc8785_escapes():
    s = "".join(chr(c) for c in range(0x20)) + "\u2028\u007f\"\\/é"
    out = canonical_string(s)
    assert out.startswith('"\\u0000\\u0001')
    assert "\\b\\t\\n\\u000b\\f\\r" in out
    assert out.endswith('\u2028\u007f\\"\\\\/é"')
    assert json.loads(out) == s


@pytest.mark.parametrize("bad", ["\ud800", "a\udc00b", {"\udfff": 1}, ["\ud83d"]])
def test_lone_surrogates_are_refused(bad):
    with pytest.raises(InvalidInputError) as e:
        canonical_bytes(bad)
    assert e.value.code == "bad_unicode"


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, {1: "x"}, {"a": object()}, b"bytes", 10**400])
def test_non_json_is_refused(bad):
    with pytest.raises(InvalidInputError) as e:
        canonical_bytes(bad)
    assert e.value.code == "invalid_field"


def test_integers_are_the_doubles_json_means():
    assert canonical_string([9007199254740993, 123456789012345678901, True, 0]) == (
        "[9007199254740992,123456789012345680000,true,0]"
    )
