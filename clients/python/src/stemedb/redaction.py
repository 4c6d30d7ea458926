"""The verifier rule of SPEC §12 (redaction), the same as the TypeScript SDK's
``verifyAssertionView`` and ``checkBodylessLeaf``, with the same verdicts:

- a body that is present must hash to its id and carry a valid signature of
  its agent (SPEC §2.2);
- a body that is absent (``status: "redacted"``) is valid only with a
  redaction of that id: itself a present body that verifies, of
  ``_stemedb/redactions`` / ``redacts`` with ``value: {target, reason}``
  naming this id, LATER in the tree (greater seq), by an operator key — one of
  ``trusted_operators`` when given (pinned like the server key), else accepted
  and reported (``trusted: False``), so a report always says who removed what.

Anything else is tampering. A verdict is ``{"ok": True}``, ``{"ok": True,
"redacted": {"operator", "reason", "trusted"}}`` or ``{"ok": False,
"problem": "..."}``. Pure: no I/O (``Client.verify_assertion`` fetches what
it needs and adds the inclusion proofs that make the seqs the tree's).
"""

from __future__ import annotations

import re
from typing import AbstractSet, Any, Dict, Mapping, Optional, Tuple

from .assertion import assertion_id, assertion_problem
from .errors import InvalidInputError

__all__ = [
    "REDACTIONS_CONCEPT",
    "REDACTS_PREDICATE",
    "body_problem",
    "check_bodyless_leaf",
    "redaction_of",
    "trusted_operator_set",
    "verify_assertion_view",
]

REDACTIONS_CONCEPT = "_stemedb/redactions"
REDACTS_PREDICATE = "redacts"
_ID = re.compile(r"[0-9a-f]{64}\Z")
_REASON = re.compile(r"[a-z][a-z0-9_]{0,31}\Z")

Verdict = Dict[str, Any]


def redaction_of(assertion: Mapping[str, Any]) -> Optional[Tuple[str, str]]:
    """``(target, reason)`` when ``assertion`` is a well-formed redaction (SPEC §12), else None."""
    if assertion.get("concept") != REDACTIONS_CONCEPT or assertion.get("predicate") != REDACTS_PREDICATE:
        return None
    if "retracts" in assertion:
        return None
    value = assertion.get("value")
    if not isinstance(value, dict) or set(value) != {"target", "reason"}:
        return None
    target, reason = value["target"], value["reason"]
    if not isinstance(target, str) or not _ID.match(target):
        return None
    if not isinstance(reason, str) or not _REASON.match(reason):
        return None
    return target, reason


def trusted_operator_set(keys: Optional[Any], name: str = "trusted_operators") -> Optional[AbstractSet[str]]:
    """The pinned operator keys as a set (None or empty: none pinned); each must be 64 lowercase hex."""
    if keys is None:
        return None
    if isinstance(keys, str):
        raise InvalidInputError("invalid_field", f"{name} is a collection of keys, not one string", field=name)
    found = frozenset(keys)
    for k in found:
        if not isinstance(k, str) or not _ID.match(k):
            raise InvalidInputError("invalid_field", f"{name}: {k!r} is not 64 lowercase hex chars", field=name)
    return found


def body_problem(id: str, assertion: Any) -> Optional[str]:
    """Why a present body is not the assertion ``id``, or None when it is."""
    if not isinstance(assertion, dict):
        return "the assertion's body is not a JSON object"
    try:
        if assertion_id(assertion) != id:
            return "the assertion's content does not hash to its id"
    except InvalidInputError:
        return "the assertion's content does not hash to its id"
    if assertion_problem(assertion) is not None:
        return f"the signature does not verify under agent key {assertion.get('agent')}"
    return None


def check_bodyless_leaf(
    leaf_id: str,
    leaf_seq: int,
    redaction_seq: Optional[int],
    redaction: Optional[Mapping[str, Any]],
    trusted_operators: Optional[AbstractSet[str]] = None,
) -> Verdict:
    """The rule for a leaf without a body; ``redaction`` is the redaction as signed (its own
    id and signature checked by the caller), ``redaction_seq`` its seq."""
    if redaction is None or redaction_seq is None:
        return {"ok": False, "problem": f"seq {leaf_seq} has no body and no redaction names it"}
    made = redaction_of(redaction)
    if made is None or made[0] != leaf_id:
        return {"ok": False, "problem": f"seq {redaction_seq} is not a redaction of {leaf_id}"}
    if redaction_seq <= leaf_seq:
        return {
            "ok": False,
            "problem": f"the redaction (seq {redaction_seq}) is not later than its target (seq {leaf_seq})",
        }
    operator = redaction.get("agent")
    if trusted_operators:
        if operator not in trusted_operators:
            return {
                "ok": False,
                "problem": f"seq {leaf_seq} was redacted by {operator}, which is not a trusted operator key",
            }
        return {"ok": True, "operator": operator, "reason": made[1], "trusted": True}
    return {"ok": True, "operator": operator, "reason": made[1], "trusted": False}


def _seq(view: Mapping[str, Any]) -> Optional[int]:
    seq = view.get("seq")
    return seq if isinstance(seq, int) and not isinstance(seq, bool) and seq >= 1 else None


def verify_assertion_view(
    id: str,
    view: Mapping[str, Any],
    redaction: Optional[Mapping[str, Any]] = None,
    trusted_operators: Optional[AbstractSet[str]] = None,
) -> Verdict:
    """The verdict on ``GET /v1/assertions/:id``'s answer ``view``; for a redacted one,
    ``redaction`` is the answer for ``view["redaction"]["id"]`` (ignored otherwise)."""
    if view.get("status") != "redacted":
        problem = body_problem(id, view.get("assertion"))
        return {"ok": True} if problem is None else {"ok": False, "problem": problem}
    if view.get("id") != id:
        return {"ok": False, "problem": f"the server answered for {view.get('id')}"}
    shown = view.get("redaction")
    seq = _seq(view)
    if (
        not isinstance(shown, dict)
        or redaction is None
        or redaction.get("status") == "redacted"
        or seq is None
    ):
        return {"ok": False, "problem": "the body is absent and no redaction of this id is shown"}
    problem = body_problem(str(shown.get("id")), redaction.get("assertion"))
    if problem is not None:
        return {"ok": False, "problem": f"the redaction: {problem}"}
    verdict = check_bodyless_leaf(id, seq, _seq(redaction), redaction.get("assertion"), trusted_operators)
    if not verdict["ok"]:
        return verdict
    return {"ok": True, "redacted": {k: verdict[k] for k in ("operator", "reason", "trusted")}}
