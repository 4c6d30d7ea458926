"""End to end against the compiled binary (started by conftest's `server`
fixture: port 0, a temp data dir, SIGTERM at the end), driven only through
stemedb.Client: two agents disagree and every lens resolves them, as_of looks
at the past, a retraction withdraws a claim, a batch's bad item is rejected
alone, the protocol vectors are judged as the server judges them, a lying
proxy is caught by the verifier, an unreachable server is a NetworkError, and
a key file from `stemedb keygen` signs what the server accepts."""

import json
import os
import socket
import subprocess
import time
import urllib.request

import pytest
from conftest import ADMIN_TOKEN, load_vectors
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from lying_proxy import LyingProxy

from stemedb import (
    AgentKey,
    Client,
    InvalidInputError,
    KeyFileError,
    NetworkError,
    ProblemError,
    VerificationError,
    assertion_id,
)
from stemedb.signed_bytes import tree_head_message

A, B, C = AgentKey.generate(), AgentKey.generate(), AgentKey.generate()
CONCEPT = "acme/payments/checkout"


def now_ms() -> int:
    return int(time.time() * 1000)


def claim(key: AgentKey, value, *, concept=CONCEPT, predicate="status", ts=None, **extra):
    ts = now_ms() if ts is None else ts
    return key.sign({"concept": concept, "predicate": predicate, "value": value, "ts": ts, **extra})


def set_trust(url: str, key: AgentKey, trust: float) -> None:
    req = urllib.request.Request(
        f"{url}/v1/agents/{key.public_hex}", data=json.dumps({"trust": trust}).encode(), method="PUT",
        headers={"content-type": "application/json", "authorization": f"Bearer {ADMIN_TOKEN}"},
    )
    urllib.request.urlopen(req, timeout=10).close()


@pytest.fixture(scope="module")
def client(server):
    return Client(server.url)


@pytest.fixture(scope="module")
def disagreement(client, server):
    """A says degraded (0.9); B (newest) and C say ok (0.6, 0.5). Returns the receipts."""
    base = now_ms()  # one clock reading: the order of ts must not depend on how fast the posts go
    ra = client.post(claim(A, "degraded", confidence=0.9, ts=base - 3000))
    rb = client.post(claim(B, "ok", confidence=0.6, ts=base - 2000))
    rc = client.post(claim(C, "ok", confidence=0.5, ts=base - 4000))
    return ra, rb, rc


def only(answer):
    assert len(answer["results"]) == 1, answer
    return answer["results"][0]


def test_receipts_are_verified_and_trusted(client, disagreement):
    ra, rb, rc = disagreement
    assert [r["status"] for r in disagreement] == ["accepted"] * 3
    assert rc["seq"] == rb["seq"] + 1 == ra["seq"] + 2
    assert client.trusted_tree_head["tree_size"] >= rc["tree_size"]
    assert client.server_key == rc["sth"]["server_key"]  # pinned on first use
    assert client.known_root(ra["tree_size"]) == ra["sth"]["root"]


def test_every_lens(client, server, disagreement):
    ra, rb, rc = disagreement
    latest = only(client.query(CONCEPT, predicate="status", lens="latest"))
    assert latest["value"] == "ok" and latest["confidence"] == 0.6 and latest["conflict"] is True
    assert sorted(latest["support"]) == sorted([rb["id"], rc["id"]])  # the winning value's group
    consensus = only(client.query(CONCEPT, predicate="status", lens="consensus"))
    assert consensus["value"] == "ok" and sorted(consensus["support"]) == sorted([rb["id"], rc["id"]])
    assert consensus["agreement"] == pytest.approx(1.1 / 2.0)
    assert consensus["alternatives"][0]["value"] == "degraded"
    set_trust(server.url, A, 1.0)
    set_trust(server.url, B, 0.1)
    set_trust(server.url, C, 0.1)
    trust = only(client.query(CONCEPT, predicate="status", lens="trust"))
    assert trust["value"] == "degraded" and trust["agents"] == [A.public_hex]
    everything = client.query(CONCEPT, predicate="status", lens="all")
    assert [r["id"] for r in everything["results"]] == [rb["id"], ra["id"], rc["id"]]  # ts descending
    assert everything["lens"] == "all" and everything["as_of_scope"] == "assertions"
    assert only(client.query("acme/payments", match="prefix", predicate="status"))["value"] == "ok"
    assert only(client.query("checkout", match="tail", predicate="status"))["value"] == "ok"
    assert only(client.query(agent=A.public_hex, lens="latest"))["value"] == "degraded"
    dropped = only(client.query(CONCEPT, predicate="status", lens="consensus", min_confidence=0.55))
    assert dropped["value"] == "degraded"  # C (0.5) dropped: 0.9 against 0.6


def test_as_of_looks_at_the_past(client, disagreement):
    ra, _, _ = disagreement
    past = client.query(CONCEPT, predicate="status", lens="latest", as_of=ra["tree_size"])
    assert past["tree_size"] == ra["tree_size"] and past["root"] == ra["sth"]["root"]
    assert only(past)["value"] == "degraded" and only(past)["conflict"] is False
    before = client.query(CONCEPT, predicate="status", as_of=ra["seq"] - 1)
    assert before["results"] == []


def test_a_retraction_withdraws_the_claim(client, disagreement):
    ra, rb, rc = disagreement
    receipt = client.retract(A, ra["id"])
    assert receipt["status"] == "accepted"
    after = only(client.query(CONCEPT, predicate="status", lens="trust"))
    assert after["value"] == "ok" and after["conflict"] is False
    history = client.history(CONCEPT, "status")
    ids = [item["id"] for item in history["items"]]
    assert ids[:3] == [ra["id"], rb["id"], rc["id"]] and receipt["id"] in ids
    retraction = client.get(receipt["id"])["assertion"]
    assert retraction["retracts"] == ra["id"] and retraction["value"] is None
    # The past still sees A's claim: a retraction counts only from its own seq.
    assert only(client.query(CONCEPT, predicate="status", as_of=ra["tree_size"]))["value"] == "degraded"
    with pytest.raises(ProblemError) as e:
        client.retract(B, ra["id"])
    assert e.value.code == "not_owner" and e.value.status == 422


def test_get_checks_the_stored_assertion(client, disagreement):
    ra, _, _ = disagreement
    view = client.get(ra["id"])
    assert view["id"] == ra["id"] and view["assertion"]["agent"] == A.public_hex


def test_a_batch_with_a_bad_item(client):
    good1, good2 = claim(A, 1, predicate="batch.count"), claim(B, 2, predicate="batch.count")
    bad = claim(C, 3, predicate="batch.count")
    bad["sig"] = ("0" if bad["sig"][0] != "0" else "1") + bad["sig"][1:]
    receipt = client.post_batch([good1, bad, good2], prove=True)
    statuses = [r["status"] for r in receipt["results"]]
    assert statuses == ["accepted", "rejected", "accepted"]
    assert receipt["rejected"] == 1 and receipt["accepted"] == 2
    assert receipt["results"][1]["error"]["code"] == "bad_signature"
    assert receipt["results"][1]["error"]["field"] == "sig"
    again = client.post_batch([good1])
    assert again["results"][0]["status"] == "duplicate" and again["results"][0]["id"] == assertion_id(good1)


def test_ndjson_with_a_line_that_does_not_parse(client):
    receipt = client.post_ndjson([claim(A, "x", predicate="nd.line"), '{"v": 1, "concept"', claim(B, "y", predicate="nd.line")])
    assert [r["status"] for r in receipt["results"]] == ["accepted", "rejected", "accepted"]
    assert receipt["results"][1]["error"]["code"] == "bad_json"


def test_proofs(client, disagreement):
    ra, _, rc = disagreement
    now = client.tree_head()
    proof = client.inclusion_proof(ra["id"])
    assert proof["tree_size"] == now["tree_size"] and proof["leaf_index"] == ra["seq"] - 1
    old = client.inclusion_proof(rc["id"], tree_size=rc["tree_size"])
    assert old["root"] == rc["sth"]["root"]
    consistency = client.consistency_proof(ra["tree_size"], now["tree_size"])
    assert consistency["from"] == ra["tree_size"] and consistency["proof"]


def test_problems_carry_code_field_and_status(client):
    with pytest.raises(ProblemError) as e:
        client.query(lens="latest")
    assert (e.value.code, e.value.status) == ("missing_filter", 422)
    with pytest.raises(ProblemError) as e:
        client.post(A.sign({"concept": CONCEPT, "predicate": "status", "value": 1, "ts": 946684799999}))
    assert (e.value.code, e.value.field, e.value.status) == ("invalid_field", "ts", 422)
    assert e.value.request_id
    with pytest.raises(ProblemError) as e:
        client.get("0" * 64)
    assert e.value.status == 404
    with pytest.raises(InvalidInputError):
        client.query(CONCEPT, lens="majority")


VECTORS = load_vectors()


def test_the_protocol_vectors_are_judged_as_the_server_judges_them(client):
    for v in VECTORS["valid"]:
        assertion = json.loads(v["input_text"]) if "input_text" in v else v["assertion"]
        receipt = client.post(assertion)
        assert receipt["id"] == v["id"] and receipt["status"] in ("accepted", "duplicate"), v["name"]
    raw = []
    for v in VECTORS["invalid"]:
        if v["expected_code"] == "clock_skew":
            continue  # judged at the vectors' fixed now_ms; this server's clock is the real one
        if "input_text" in v or not isinstance(v["assertion"], dict):
            raw.append(v)
            continue
        with pytest.raises(ProblemError) as e:
            client.post(v["assertion"])
        assert (e.value.code, e.value.field) == (v["expected_code"], v["expected_field"]), v["name"]
    lines = [v.get("input_text") or json.dumps(v["assertion"]) for v in raw]
    receipt = client.post_ndjson(lines)
    for v, item in zip(raw, receipt["results"]):
        assert item["status"] == "rejected" and item["error"]["code"] == v["expected_code"], v["name"]


# ---- the verifier against a lying server --------------------------------------------------


@pytest.fixture
def proxy(server):
    p = LyingProxy(server.url)
    yield p
    p.close()


def flip_hex(h: str) -> str:
    return ("1" if h[0] == "0" else "0") + h[1:]


def test_a_forged_root_is_caught(client, proxy):
    liar = Client(proxy.url, server_key=client.server_key)
    liar.tree_head()  # honest so far

    def forge(method, path, doc):
        if path.startswith("/v1/merkle/root"):
            return dict(doc, root=flip_hex(doc["root"]))
        return None

    proxy.rewrite = forge
    with pytest.raises(VerificationError) as e:
        liar.tree_head()
    assert e.value.code == "bad_tree_head"


def test_a_forged_receipt_audit_path_is_caught(client, proxy):
    liar = Client(proxy.url, server_key=client.server_key)
    proxy.rewrite = lambda m, p, d: dict(d, audit_path=[flip_hex(d["audit_path"][0])] + d["audit_path"][1:]) if p.startswith("/v1/assert") else None
    with pytest.raises(VerificationError) as e:
        liar.post(claim(A, "forged", predicate="liar.receipt"))
    assert e.value.code == "bad_proof"


def test_a_forged_query_root_is_caught(client, proxy):
    liar = Client(proxy.url, server_key=client.server_key)
    size = client.tree_head()["tree_size"]
    proxy.rewrite = lambda m, p, d: dict(d, root=flip_hex(d["root"])) if p.startswith("/v1/query") else None
    with pytest.raises(VerificationError) as e:
        liar.query(CONCEPT, predicate="status", as_of=size - 1)
    assert e.value.code == "inconsistent_tree"


def test_a_rewritten_history_is_caught(client, proxy):
    liar = Client(proxy.url, server_key=client.server_key)
    liar.tree_head()
    client.post(claim(A, "grows", predicate="liar.grow"))  # the log grows past the liar's trusted head

    def fork(method, path, doc):
        if path.startswith("/v1/proof/consistency"):
            return dict(doc, proof=[flip_hex(doc["proof"][0])] + doc["proof"][1:])
        return None

    proxy.rewrite = fork
    with pytest.raises(VerificationError) as e:
        liar.tree_head()
    assert e.value.code == "inconsistent_tree"


def test_a_tampered_stored_assertion_is_caught(client, proxy, disagreement):
    ra, _, _ = disagreement
    liar = Client(proxy.url, server_key=client.server_key)
    proxy.rewrite = lambda m, p, d: dict(d, assertion=dict(d["assertion"], value="fine")) if p.startswith("/v1/assertions/") else None
    with pytest.raises(VerificationError) as e:
        liar.get(ra["id"])
    assert e.value.code == "id_mismatch"


def test_a_tree_head_signed_by_another_key_is_caught(client, proxy):
    impostor = Ed25519PrivateKey.generate()
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    impostor_hex = impostor.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()

    def resign(method, path, doc):
        if not path.startswith("/v1/merkle/root"):
            return None
        message = tree_head_message(doc["tree_size"], doc["timestamp"], bytes.fromhex(doc["root"]))
        return dict(doc, server_key=impostor_hex, signature=impostor.sign(message).hex())

    proxy.rewrite = resign
    with pytest.raises(VerificationError) as e:
        Client(proxy.url, server_key=client.server_key).tree_head()
    assert e.value.code == "bad_tree_head" and "pinned" in e.value.detail
    # A client that pins nothing trusts the first key it sees: the reason to pin one.
    assert Client(proxy.url).tree_head()["server_key"] == impostor_hex


def test_a_saved_trusted_head_carries_over(client, server):
    head = client.tree_head()
    resumed = Client(server.url, trusted_tree_head=head)
    assert resumed.server_key == head["server_key"]
    assert resumed.tree_head()["tree_size"] >= head["tree_size"]


# ---- no server, and keys from the CLI -------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_server_is_a_network_error():
    with pytest.raises(NetworkError) as e:
        Client(f"http://127.0.0.1:{free_port()}", timeout=5).tree_head()
    assert e.value.code == "network_error" and e.value.status == 0


def test_a_key_file_from_stemedb_keygen(binary, tmp_path, client):
    path = tmp_path / "agent.json"
    out = subprocess.run([str(binary), "keygen", "--out", str(path)], capture_output=True, text=True, check=True)
    key = AgentKey.from_file(path)
    assert key.public_hex == out.stdout.strip()
    assert client.post(claim(key, "from a key file", predicate="keygen.check"))["status"] == "accepted"
    os.chmod(path, 0o640)
    with pytest.raises(KeyFileError) as e:
        AgentKey.from_file(path)
    assert e.value.code == "bad_key_file" and "chmod 600" in e.value.detail
