"""RFC 8785 JSON Canonicalization Scheme (JCS): the bytes every StemeDB id and
signature is computed over (SPEC §2.2). Its own encoder, because
``json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)``
differs from RFC 8785 on numbers (``1e-07`` for ``1e-7``, ``1e+16`` for
``10000000000000000``) and on key order (code points, not UTF-16 code units).

- Numbers (§3.2.2.3) are IEEE-754 doubles written as ECMAScript's
  ``Number.prototype.toString``: shortest round-trip digits, plain notation for
  exponents in [-7, 21), ``-0`` as ``0``. An ``int`` is the nearest double, as
  JSON parsers read it (``9007199254740993`` → ``9007199254740992``); NaN and
  infinities are refused.
- Strings (§3.2.2.2) escape only ``"``, ``\\`` and U+0000–U+001F (``\\b \\t \\n \\f
  \\r`` short, the rest ``\\u00xx``); everything else stays literal, UTF-8.
  A string with a surrogate code point (a lone surrogate) is refused
  (``bad_unicode``, RFC 7493 §2.1), as the server refuses it.
- Object members (§3.2.3) sort by their names' UTF-16 code units.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any, List

from .errors import InvalidInputError

__all__ = ["canonical_bytes", "canonical_string", "number_to_string"]

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
for _c in range(0x20):
    _ESCAPES.setdefault(chr(_c), f"\\u{_c:04x}")
_NEEDS_ESCAPE = frozenset(_ESCAPES)


def number_to_string(x: float) -> str:
    """ECMAScript Number::toString(x) (ECMA-262 §6.1.6.1.20) for a finite double."""
    if x != x or x in (math.inf, -math.inf):
        raise InvalidInputError("invalid_field", f"{x!r} is not a JSON number (RFC 8785 §3.2.2.3)")
    if x == 0:
        return "0"  # -0 as well
    if x < 0:
        return "-" + number_to_string(-x)
    # repr() is the shortest string that round-trips, the closest such when
    # several are as short: the digits s and exponent n of the ECMAScript steps.
    sign, digit_tuple, exponent = Decimal(repr(x)).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0")
    assert isinstance(exponent, int)
    exponent += len(digit_tuple) - len(digits)
    k = len(digits)
    n = exponent + k
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + digits
    e = n - 1
    mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"


def _string(s: str, out: List[str], where: str) -> None:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInputError(
            "bad_unicode", f"{where} holds a lone surrogate (RFC 7493 §2.1)", field=where
        ) from None
    out.append('"')
    if _NEEDS_ESCAPE.isdisjoint(s):
        out.append(s)
    else:
        out.append("".join(_ESCAPES.get(c, c) for c in s))
    out.append('"')


def _utf16_key(name: str) -> bytes:
    return name.encode("utf-16-be")


def _encode(value: Any, out: List[str], where: str) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        _string(value, out, where)
    elif isinstance(value, int):
        try:
            as_double = float(value)  # the double JSON means, as the server parses it (SPEC §2.2)
        except OverflowError:
            raise InvalidInputError(
                "invalid_field", f"{where}: integer {value} is beyond any IEEE-754 double", field=where
            ) from None
        out.append(number_to_string(as_double))
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidInputError(
                "invalid_field", f"{where}: {value!r} is not a JSON number", field=where
            )
        out.append(number_to_string(value))
    elif isinstance(value, dict):
        for name in value:
            if not isinstance(name, str):
                raise InvalidInputError(
                    "invalid_field", f"{where}: member name {name!r} is not a string", field=where
                )
            _string(name, [], f"{where}[{name!r}]")  # refuse lone surrogates before sorting
        out.append("{")
        for i, name in enumerate(sorted(value, key=_utf16_key)):
            if i:
                out.append(",")
            _string(name, out, where)
            out.append(":")
            _encode(value[name], out, f"{where}[{name!r}]")
        out.append("}")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _encode(item, out, f"{where}[{i}]")
        out.append("]")
    else:
        raise InvalidInputError(
            "invalid_field", f"{where}: {type(value).__name__} is not JSON data", field=where
        )


def canonical_string(value: Any) -> str:
    """The RFC 8785 canonical form of a JSON value (dict, list, str, int, float, bool, None)."""
    out: List[str] = []
    _encode(value, out, "value")
    return "".join(out)


def canonical_bytes(value: Any) -> bytes:
    """The RFC 8785 canonical form as UTF-8 bytes (§3.2.4): what ids are hashed from."""
    return canonical_string(value).encode("utf-8")
