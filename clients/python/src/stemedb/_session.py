"""What a StemeDB client does, independent of how bytes move (see ``_wire.py``):
the HTTP API of SPEC §3–§4 and the local checks of every answer.

Trust is kept here: the pinned server key (given, or the first one seen) and
the last trusted signed tree head (STH). Every STH that arrives — in a write
receipt or from ``/v1/merkle/root`` — must be signed by the pinned key and be
consistent with the trusted one (RFC 9162 §2.1.4 consistency proof, fetched
as needed); the larger of the two becomes the trusted head. Receipts must
name the id computed locally and, for single writes, carry an audit path to
the STH's root. Query answers name an unsigned (tree_size, root): that root is
proven against the trusted STH by a consistency proof. Stored assertions must
hash to their id and carry a valid agent signature; a redacted one (SPEC §12,
no body) is returned as sent, and ``verify_assertion`` holds it to the
verifier rule (its redaction, later in the tree, by a pinned or reported
operator key). Roots proven so far are remembered by tree size (the last 1024).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Union

from .agent_key import AgentKey
from .assertion import assertion_id, assertion_problem
from .canonical import canonical_string
from .errors import BadResponseError, InvalidInputError, ProblemError, VerificationError
from .merkle import EMPTY_ROOT, leaf_hash, verify_consistency, verify_inclusion
from .redaction import trusted_operator_set, verify_assertion_view
from .tree_head import is_hex, tree_head_problem
from ._wire import Op, Request, decode

__all__ = ["Session", "LENSES", "MATCH_KINDS"]

LENSES = ("latest", "consensus", "trust", "all")
MATCH_KINDS = ("exact", "prefix", "tail")
_KNOWN_ROOTS = 1024
_RECORDED = ("accepted", "quarantined", "duplicate")

JsonObject = Dict[str, Any]


def _check_id(value: object, name: str = "id") -> str:
    if not is_hex(value, 32):
        raise InvalidInputError("invalid_field", f"{name} must be 64 lowercase hex chars, got {value!r}", field=name)
    return value  # type: ignore[return-value]


def _hashes(value: object, what: str) -> List[bytes]:
    if not isinstance(value, list) or not all(is_hex(h, 32) for h in value):
        raise VerificationError("bad_proof", f"{what} is not a list of 64-hex-char hashes")
    return [bytes.fromhex(h) for h in value]


def _int(doc: Mapping[str, Any], name: str) -> int:
    v = doc.get(name)
    if not isinstance(v, int) or isinstance(v, bool) or v < 0:
        raise BadResponseError(f"answer's {name} is not a non-negative integer: {v!r}")
    return v


class Session:
    """Protocol state and operations; driven by ``Client`` (sync) or ``AsyncClient``."""

    def __init__(
        self,
        url: str,
        *,
        server_key: Optional[str] = None,
        admin_token: Optional[str] = None,
        trusted_tree_head: Optional[Mapping[str, Any]] = None,
        trusted_operators: Optional[Iterable[str]] = None,
    ) -> None:
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise InvalidInputError("invalid_field", f"url must be http(s)://host:port, got {url!r}", field="url")
        if server_key is not None:
            _check_id(server_key, "server_key")
        self.url = url.rstrip("/")
        self.server_key: Optional[str] = server_key
        self.admin_token = admin_token
        self.trusted_operators = trusted_operator_set(trusted_operators)
        self.trusted_tree_head: Optional[JsonObject] = None
        self._roots: "OrderedDict[int, str]" = OrderedDict()
        if trusted_tree_head is not None:
            problem = tree_head_problem(trusted_tree_head, server_key)
            if problem is not None:
                raise InvalidInputError("invalid_field", f"trusted_tree_head: {problem}", field="trusted_tree_head")
            self.server_key = trusted_tree_head["server_key"]
            self._set_trusted(dict(trusted_tree_head))

    # ---- trust ------------------------------------------------------------

    def _remember(self, size: int, root: str) -> None:
        self._roots[size] = root
        self._roots.move_to_end(size)
        while len(self._roots) > _KNOWN_ROOTS:
            self._roots.popitem(last=False)

    def _set_trusted(self, sth: JsonObject) -> None:
        self.trusted_tree_head = sth
        self._remember(sth["tree_size"], sth["root"])

    def _get(self, path: str, query: Optional[Mapping[str, Any]] = None) -> "Op[JsonObject]":
        req = Request("GET", path, query or {})
        res = yield req
        return decode(req, res)

    def _prove_prefix(self, size1: int, root1: str, size2: int, root2: str) -> "Op[None]":
        """Fetches and checks the consistency proof that tree (size1, root1) is a prefix of (size2, root2)."""
        proof: List[bytes] = []
        if 0 < size1 < size2:
            doc = yield from self._get("/v1/proof/consistency", {"from": size1, "to": size2})
            if doc.get("from") != size1 or doc.get("to") != size2:
                raise VerificationError("bad_proof", f"consistency proof spans {doc.get('from')}→{doc.get('to')}, asked {size1}→{size2}")
            proof = _hashes(doc.get("proof"), "consistency proof")
        if not verify_consistency(size1, size2, bytes.fromhex(root1), bytes.fromhex(root2), proof):
            raise VerificationError(
                "inconsistent_tree",
                f"the tree of size {size1} (root {root1}) is not a prefix of the tree of size "
                f"{size2} (root {root2}): the log was rewritten, or an answer is forged",
            )

    def trust(self, sth: object) -> "Op[JsonObject]":
        """Checks an STH (signature under the pinned key, consistency with the trusted head) and keeps the newer."""
        problem = tree_head_problem(sth, self.server_key)
        if problem is not None:
            raise VerificationError("bad_tree_head", problem)
        assert isinstance(sth, dict)
        if self.server_key is None:
            self.server_key = sth["server_key"]  # trust on first use
        trusted = self.trusted_tree_head
        if trusted is None:
            self._set_trusted(sth)
            return sth
        if sth["tree_size"] >= trusted["tree_size"]:
            yield from self._prove_prefix(trusted["tree_size"], trusted["root"], sth["tree_size"], sth["root"])
            self._set_trusted(sth)
        else:
            yield from self._prove_prefix(sth["tree_size"], sth["root"], trusted["tree_size"], trusted["root"])
            self._remember(sth["tree_size"], sth["root"])
        return sth

    def prove_root(self, size: int, root: object) -> "Op[None]":
        """Proves an unsigned (size, root) — a query's, a proof's — against the trusted STH."""
        if not is_hex(root, 32):
            raise VerificationError("bad_root", f"root is not 64 lowercase hex chars: {root!r}")
        assert isinstance(root, str)
        if self._roots.get(size) == root:
            return
        if size == 0:
            if root != EMPTY_ROOT.hex():
                raise VerificationError("bad_root", "an empty tree's root must be BLAKE3 of nothing")
            return
        if self.trusted_tree_head is None or self.trusted_tree_head["tree_size"] < size:
            yield from self.tree_head()
        trusted = self.trusted_tree_head
        assert trusted is not None
        if trusted["tree_size"] < size:
            raise VerificationError(
                "bad_root", f"answer is for tree size {size}, past the server's signed size {trusted['tree_size']}"
            )
        yield from self._prove_prefix(size, root, trusted["tree_size"], trusted["root"])
        self._remember(size, root)

    # ---- reads ------------------------------------------------------------

    def tree_head(self) -> "Op[JsonObject]":
        """``GET /v1/merkle/root``: the current STH, verified and trusted."""
        sth = yield from self._get("/v1/merkle/root")
        return (yield from self.trust(sth))

    def get(self, id: str) -> "Op[JsonObject]":
        """``GET /v1/assertions/:id``, its body checked against the id and the agent's signature."""
        view = yield from self._get(f"/v1/assertions/{_check_id(id)}")
        if view.get("id") != id:
            raise VerificationError("id_mismatch", f"asked for {id}, the answer is {view.get('id')!r}")
        self._check_stored(view)
        return view

    def verify_assertion(self, id: str, *, trusted_operators: Optional[Iterable[str]] = None) -> "Op[JsonObject]":
        """The verifier rule (SPEC §12) on ``id``, as the TypeScript SDK's ``verifyAssertion``:
        a present body must hash to ``id`` and carry its agent's signature; an absent one needs
        its redaction (fetched here): a valid signed redaction of ``id``, later in the tree, by
        a key of ``trusted_operators`` (this call's, else the client's; none pinned: accepted
        and reported with ``trusted: False``). Both seqs are then made the tree's: the inclusion
        proof of ``id`` (and of the redaction, in the same tree) must put each at leaf seq − 1
        of a root proven against the trusted head. Returns the verdict (``redaction.py``);
        tampering is ``{"ok": False, "problem"}``, not an exception."""
        pinned = self.trusted_operators if trusted_operators is None else trusted_operator_set(trusted_operators)
        view = yield from self._get(f"/v1/assertions/{_check_id(id)}")
        shown = view.get("redaction") if view.get("status") == "redacted" else None
        redaction: Optional[JsonObject] = None
        if isinstance(shown, dict) and is_hex(shown.get("id"), 32):
            try:
                redaction = yield from self._get(f"/v1/assertions/{shown['id']}")
            except ProblemError as e:
                if e.status != 404:
                    raise  # a server that cannot answer now: not a verdict
                # the server names a redaction it does not have: no redaction is shown
        verdict = verify_assertion_view(id, view, redaction, pinned)
        if not verdict["ok"]:
            return verdict
        seq = view.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
            return {"ok": False, "problem": f"the answer names no seq for {id}"}
        try:
            proof = yield from self._leaf_at(id, seq, None)
            if redaction is not None:  # its seq was checked by the rule (greater than the target's)
                yield from self._leaf_at(shown["id"], redaction["seq"], proof["tree_size"])  # type: ignore[index]
        except VerificationError as e:
            return {"ok": False, "problem": e.detail}
        except ProblemError as e:
            if e.status != 404:
                raise
            return {"ok": False, "problem": f"no inclusion proof: {e.detail}"}
        return verdict

    def _leaf_at(self, id: str, seq: int, tree_size: Optional[int]) -> "Op[JsonObject]":
        """The verified inclusion proof of ``id``, which must put it at leaf ``seq − 1``."""
        proof = yield from self.inclusion_proof(id, tree_size)
        if proof["leaf_index"] != seq - 1:
            raise VerificationError(
                "bad_proof", f"the server says {id} is seq {seq}, its inclusion proof puts it at seq {proof['leaf_index'] + 1}"
            )
        return proof

    @staticmethod
    def _check_stored(view: Mapping[str, Any]) -> None:
        body = view.get("assertion")
        if body is None and view.get("status") == "redacted":
            return  # SPEC §12: content removed; the id (its leaf) stays provable
        if not isinstance(body, dict):
            raise BadResponseError(f"assertion {view.get('id')} has no body")
        try:
            computed = assertion_id(body)
        except InvalidInputError as e:
            raise VerificationError("bad_assertion", f"stored assertion {view.get('id')}: {e.detail}") from None
        if computed != view.get("id"):
            raise VerificationError("id_mismatch", f"stored assertion hashes to {computed}, not its id {view.get('id')}")
        problem = assertion_problem(body)
        if problem is not None:
            raise VerificationError("bad_signature", f"stored assertion {computed}: {problem}")

    def history(self, concept: str, predicate: str, *, limit: Optional[int] = None, cursor: Optional[str] = None) -> "Op[JsonObject]":
        """``GET /v1/history``: every assertion of one key in seq order, each checked like ``get``."""
        doc = yield from self._get(
            "/v1/history", {"concept": concept, "predicate": predicate, "limit": limit, "cursor": cursor}
        )
        items = doc.get("items")
        if not isinstance(items, list):
            raise BadResponseError("history answer has no items list")
        for item in items:
            self._check_stored(item)
        return doc

    def query(
        self,
        concept: Optional[str] = None,
        *,
        match: Optional[str] = None,
        predicate: Optional[str] = None,
        agent: Optional[str] = None,
        lens: Optional[str] = None,
        as_of: Optional[int] = None,
        min_confidence: Optional[float] = None,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
    ) -> "Op[JsonObject]":
        """``POST /v1/query`` (SPEC §4); the answer's root is proven against the trusted STH."""
        if lens is not None and lens not in LENSES:
            raise InvalidInputError("invalid_field", f"lens must be one of {', '.join(LENSES)}, got {lens!r}", field="lens")
        if match is not None and match not in MATCH_KINDS:
            raise InvalidInputError("invalid_field", f"match must be one of {', '.join(MATCH_KINDS)}, got {match!r}", field="match")
        params = {
            "concept": concept, "match": match, "predicate": predicate, "agent": agent, "lens": lens,
            "as_of": as_of, "min_confidence": min_confidence, "limit": limit, "cursor": cursor,
        }
        body = canonical_string({k: v for k, v in params.items() if v is not None}).encode()
        req = Request("POST", "/v1/query", body=body, content_type="application/json")
        res = yield req
        doc = decode(req, res)
        size = _int(doc, "tree_size")
        if as_of is not None and size != as_of:
            raise VerificationError("bad_root", f"asked as_of {as_of}, the answer is for tree size {size}")
        yield from self.prove_root(size, doc.get("root"))
        return doc

    def inclusion_proof(self, id: str, tree_size: Optional[int] = None) -> "Op[JsonObject]":
        """``GET /v1/proof/inclusion/:id``: the audit path, checked to lead to a proven root."""
        doc = yield from self._get(f"/v1/proof/inclusion/{_check_id(id)}", {"tree_size": tree_size})
        index, size = _int(doc, "leaf_index"), _int(doc, "tree_size")
        if tree_size is not None and size != tree_size:
            raise VerificationError("bad_proof", f"asked for tree size {tree_size}, the proof is for {size}")
        path = _hashes(doc.get("audit_path"), "audit_path")
        root = doc.get("root")
        if not is_hex(root, 32) or not verify_inclusion(leaf_hash(bytes.fromhex(id)), index, size, path, bytes.fromhex(root)):  # type: ignore[arg-type]
            raise VerificationError("bad_proof", f"audit path does not lead from leaf {index} of {id} to the root")
        yield from self.prove_root(size, root)
        return doc

    def consistency_proof(self, first: int, second: int) -> "Op[JsonObject]":
        """``GET /v1/proof/consistency``; checked when the roots of both sizes are known to this client."""
        doc = yield from self._get("/v1/proof/consistency", {"from": first, "to": second})
        if doc.get("from") != first or doc.get("to") != second:
            raise VerificationError("bad_proof", f"consistency proof spans {doc.get('from')}→{doc.get('to')}, asked {first}→{second}")
        proof = _hashes(doc.get("proof"), "consistency proof")
        root1, root2 = self.known_root(first), self.known_root(second)
        if root1 is not None and root2 is not None:
            if not verify_consistency(first, second, bytes.fromhex(root1), bytes.fromhex(root2), proof):
                raise VerificationError("inconsistent_tree", f"the consistency proof {first}→{second} does not join the known roots")
        return doc

    def known_root(self, size: int) -> Optional[str]:
        """The root of tree size ``size`` when this client has proven it (else None)."""
        if size == 0:
            return EMPTY_ROOT.hex()
        return self._roots.get(size)

    # ---- writes -----------------------------------------------------------

    def post(self, assertion: Mapping[str, Any]) -> "Op[JsonObject]":
        """``POST /v1/assert?proof=1`` with one signed assertion; the receipt is verified whole."""
        local_id = assertion_id(assertion)
        req = Request("POST", "/v1/assert", {"proof": 1}, canonical_string(dict(assertion)).encode(), "application/json")
        res = yield req
        receipt = decode(req, res)
        if receipt.get("id") != local_id:
            raise VerificationError("id_mismatch", f"receipt names id {receipt.get('id')!r}, the assertion's id is {local_id}")
        sth = yield from self.trust(receipt.get("sth"))
        seq = _int(receipt, "seq")
        if receipt.get("tree_size") != sth["tree_size"] or not 1 <= seq <= sth["tree_size"]:
            raise VerificationError("bad_receipt", f"receipt seq {seq} / tree_size {receipt.get('tree_size')} do not fit its STH")
        path = _hashes(receipt.get("audit_path"), "receipt audit_path")
        if not verify_inclusion(leaf_hash(bytes.fromhex(local_id)), seq - 1, sth["tree_size"], path, bytes.fromhex(sth["root"])):
            raise VerificationError("bad_proof", f"receipt's audit path does not lead from leaf {seq - 1} to its STH's root")
        return receipt

    def _batch(self, body: bytes, content_type: str, ids: Sequence[Optional[str]], prove: bool) -> "Op[JsonObject]":
        req = Request("POST", "/v1/assert", body=body, content_type=content_type)
        res = yield req
        receipt = decode(req, res)
        results = receipt.get("results")
        if not isinstance(results, list) or len(results) != len(ids):
            raise BadResponseError(f"batch receipt has {len(results) if isinstance(results, list) else 'no'} results for {len(ids)} items")
        sth = yield from self.trust(receipt.get("sth"))
        for item, local_id in zip(results, ids):
            if not isinstance(item, dict) or item.get("status") not in _RECORDED:
                continue
            if local_id is not None and item.get("id") != local_id:
                raise VerificationError("id_mismatch", f"batch item {item.get('index')} names id {item.get('id')!r}, computed {local_id}")
            if prove:
                yield from self.inclusion_proof(_check_id(item.get("id")), sth["tree_size"])
        return receipt

    def post_batch(self, assertions: Sequence[Mapping[str, Any]], *, prove: bool = False) -> "Op[JsonObject]":
        """``POST /v1/assert`` with an array; bad items come back rejected one by one."""
        if isinstance(assertions, (str, bytes, Mapping)) or not isinstance(assertions, Sequence):
            raise InvalidInputError("invalid_field", "post_batch takes a list of signed assertions")
        ids = [assertion_id(a) for a in assertions]
        body = ("[" + ",".join(canonical_string(dict(a)) for a in assertions) + "]").encode()
        return (yield from self._batch(body, "application/json", ids, prove))

    def post_ndjson(self, lines: Iterable[Union[Mapping[str, Any], str]], *, prove: bool = False) -> "Op[JsonObject]":
        """Bulk ingest as ``application/x-ndjson``: dicts are encoded, strings sent as given."""
        texts: List[str] = []
        ids: List[Optional[str]] = []
        for line in lines:
            if isinstance(line, str):
                texts.append(line)
                ids.append(None)
            else:
                texts.append(canonical_string(dict(line)))
                ids.append(assertion_id(line))
        body = ("\n".join(texts) + "\n").encode("utf-8", "surrogatepass")
        return (yield from self._batch(body, "application/x-ndjson", ids, prove))

    def retract(self, key: AgentKey, id: str, *, ts: Optional[int] = None) -> "Op[JsonObject]":
        """Withdraws ``id`` (SPEC §2.1 ``retracts``): signs a retraction for its key with ``key`` and posts it."""
        view = yield from self.get(id)
        body = view.get("assertion") or {}
        claim: JsonObject = {"concept": body.get("concept"), "predicate": body.get("predicate"), "value": None, "retracts": id}
        if ts is not None:
            claim["ts"] = ts
        return (yield from self.post(key.sign(claim)))

    def dumps_trusted(self) -> str:
        """The trusted STH as JSON, to persist and pass back as ``trusted_tree_head``."""
        return json.dumps(self.trusted_tree_head)
