"""The verifier rule of SPEC §12 in the Python client, against the compiled
binary (conftest's `server`): a redaction made by a real operator verifies
(reported without a pin, trusted with one, refused under another pin), and a
lying proxy that shows a missing body any other way is caught — a body
removed without a redaction, a redaction by a key that is not an operator, a
redaction earlier than its target, a redaction of another id, and seqs that
the inclusion proofs contradict. The verdicts are the TypeScript SDK's."""

import asyncio
import json
import time
import urllib.request

import pytest
from conftest import ADMIN_TOKEN
from lying_proxy import LyingProxy

from stemedb import AgentKey, Client, InvalidInputError, ProblemError, assertion_id, verify_assertion_view

OPERATOR, WRITER, STRANGER = AgentKey.generate(), AgentKey.generate(), AgentKey.generate()
CONCEPT = "acme/people/contact"


def redaction(key: AgentKey, target: str, reason: str = "personal_data", **extra):
    return key.sign(
        {"concept": "_stemedb/redactions", "predicate": "redacts", "value": {"target": target, "reason": reason}, **extra}
    )


def make_operator(url: str, key: AgentKey) -> None:
    req = urllib.request.Request(
        f"{url}/v1/agents/{key.public_hex}", data=json.dumps({"role": "operator"}).encode(), method="PUT",
        headers={"content-type": "application/json", "authorization": f"Bearer {ADMIN_TOKEN}"},
    )
    urllib.request.urlopen(req, timeout=10).close()


@pytest.fixture(scope="module")
def setup(server):
    """Two redacted targets (each by its own redaction) and one plain assertion, all real."""
    client = Client(server.url)
    make_operator(server.url, OPERATOR)
    ts = int(time.time() * 1000)
    t1 = client.post(WRITER.sign({"concept": CONCEPT, "predicate": "email", "value": "a@example.com", "ts": ts}))
    t2 = client.post(WRITER.sign({"concept": CONCEPT, "predicate": "phone", "value": "+1 555 0100", "ts": ts}))
    plain = client.post(WRITER.sign({"concept": CONCEPT, "predicate": "team", "value": "blue", "ts": ts}))
    r1 = client.post(redaction(OPERATOR, t1["id"]))
    r2 = client.post(redaction(OPERATOR, t2["id"], "leaked_secret"))
    return client, {"t1": t1, "t2": t2, "plain": plain, "r1": r1, "r2": r2}


@pytest.fixture
def proxy(server):
    p = LyingProxy(server.url)
    yield p
    p.close()


@pytest.fixture
def liar(setup, proxy):
    """A client of the real server's data through the lying proxy, pinned to the real server key."""
    return Client(proxy.url, server_key=setup[0].server_key)


def answers(routes):
    """A proxy rewrite that replaces the answer of each GET path in ``routes`` (path → f(doc))."""

    def rewrite(method, path, doc):
        f = routes.get(path.split("?")[0]) if method == "GET" else None
        return None if f is None else f(doc)

    return rewrite


def view_path(id: str) -> str:
    return f"/v1/assertions/{id}"


# ---- honest server ------------------------------------------------------------------------------


def test_the_server_shows_a_redacted_assertion_without_its_body(setup):
    client, r = setup
    view = client.get(r["t1"]["id"])
    assert view == {
        "id": r["t1"]["id"], "seq": r["t1"]["seq"], "status": "redacted",
        "redaction": {"id": r["r1"]["id"], "seq": r["r1"]["seq"], "reason": "personal_data"},
    }


def test_a_present_body_verifies(setup):
    client, r = setup
    assert client.verify_assertion(r["plain"]["id"]) == {"ok": True}
    assert client.verify_assertion(r["r1"]["id"]) == {"ok": True}  # a redaction is an assertion


def test_a_redaction_by_an_unpinned_operator_is_reported(setup):
    client, r = setup
    assert client.verify_assertion(r["t1"]["id"]) == {
        "ok": True, "redacted": {"operator": OPERATOR.public_hex, "reason": "personal_data", "trusted": False},
    }


def test_a_pinned_operator_is_trusted_and_another_pin_refuses_it(setup, server):
    client, r = setup
    pinned = client.verify_assertion(r["t2"]["id"], trusted_operators=[OPERATOR.public_hex])
    assert pinned == {"ok": True, "redacted": {"operator": OPERATOR.public_hex, "reason": "leaked_secret", "trusted": True}}
    other = client.verify_assertion(r["t2"]["id"], trusted_operators={STRANGER.public_hex})
    assert other == {
        "ok": False,
        "problem": f"seq {r['t2']['seq']} was redacted by {OPERATOR.public_hex}, which is not a trusted operator key",
    }
    # Pinned on the client, like the server key; a call's own pin overrides it.
    pinning = Client(server.url, trusted_operators=[STRANGER.public_hex])
    assert pinning.trusted_operators == {STRANGER.public_hex}
    assert pinning.verify_assertion(r["t2"]["id"])["ok"] is False
    assert pinning.verify_assertion(r["t2"]["id"], trusted_operators=[OPERATOR.public_hex])["redacted"]["trusted"] is True
    with pytest.raises(InvalidInputError):
        Client(server.url, trusted_operators=OPERATOR.public_hex)  # one string, not a collection
    with pytest.raises(InvalidInputError):
        Client(server.url, trusted_operators=["not-a-key"])


def test_only_an_operator_key_can_redact(setup):
    client, r = setup
    with pytest.raises(ProblemError) as e:
        client.post(redaction(STRANGER, r["plain"]["id"]))
    assert (e.value.status, e.value.code) == (403, "operator_required")


def test_the_async_client_applies_the_same_rule(setup, server):
    pytest.importorskip("httpx", reason="httpx is not installed: stemedb.aio needs it")
    from stemedb.aio import AsyncClient

    _, r = setup

    async def run():
        async with AsyncClient(server.url, trusted_operators=[OPERATOR.public_hex]) as c:
            return await c.verify_assertion(r["t1"]["id"])

    assert asyncio.run(run())["redacted"]["trusted"] is True


# ---- a lying server: a missing body shown any other way is tampering ----------------------------


def test_a_body_removed_without_a_redaction(setup, proxy, liar):
    _, r = setup
    plain = r["plain"]
    gone = {"id": plain["id"], "seq": plain["seq"], "status": "redacted", "redaction": None}
    proxy.rewrite = answers({view_path(plain["id"]): lambda d: gone})
    assert liar.verify_assertion(plain["id"]) == {
        "ok": False, "problem": "the body is absent and no redaction of this id is shown",
    }
    # Naming a redaction the server does not have is no better.
    missing = "ab" * 32
    proxy.rewrite = answers({view_path(plain["id"]): lambda d: dict(gone, redaction={"id": missing, "seq": 99, "reason": "x"})})
    assert liar.verify_assertion(plain["id"])["ok"] is False


def test_a_redaction_of_another_id(setup, proxy, liar):
    _, r = setup
    t1, r2 = r["t1"], r["r2"]  # r2 redacts t2, not t1
    proxy.rewrite = answers(
        {view_path(t1["id"]): lambda d: dict(d, redaction={"id": r2["id"], "seq": r2["seq"], "reason": "leaked_secret"})}
    )
    assert liar.verify_assertion(t1["id"]) == {"ok": False, "problem": f"seq {r2['seq']} is not a redaction of {t1['id']}"}
    # A plain assertion's body removed and "explained" by a real redaction of something else.
    plain = r["plain"]
    proxy.rewrite = answers(
        {view_path(plain["id"]): lambda d: {"id": plain["id"], "seq": plain["seq"], "status": "redacted",
                                            "redaction": {"id": r2["id"], "seq": r2["seq"], "reason": "leaked_secret"}}}
    )
    assert liar.verify_assertion(plain["id"])["problem"] == f"seq {r2['seq']} is not a redaction of {plain['id']}"


def test_a_redaction_earlier_than_its_target(setup, proxy, liar):
    _, r = setup
    t1, r1 = r["t1"], r["r1"]
    # The target shown after its redaction.
    proxy.rewrite = answers({view_path(t1["id"]): lambda d: dict(d, seq=r1["seq"] + 1)})
    assert liar.verify_assertion(t1["id"]) == {
        "ok": False, "problem": f"the redaction (seq {r1['seq']}) is not later than its target (seq {r1['seq'] + 1})",
    }
    # The redaction shown before its target.
    proxy.rewrite = answers({view_path(r1["id"]): lambda d: dict(d, seq=t1["seq"])})
    assert liar.verify_assertion(t1["id"])["problem"] == (
        f"the redaction (seq {t1['seq']}) is not later than its target (seq {t1['seq']})"
    )


def test_seqs_the_inclusion_proofs_contradict(setup, proxy, liar):
    _, r = setup
    t1, r1 = r["t1"], r["r1"]
    # Order kept (target before redaction) but the redaction's seq made up: its leaf says otherwise.
    proxy.rewrite = answers({view_path(r1["id"]): lambda d: dict(d, seq=r1["seq"] + 5)})
    assert liar.verify_assertion(t1["id"]) == {
        "ok": False,
        "problem": f"the server says {r1['id']} is seq {r1['seq'] + 5}, its inclusion proof puts it at seq {r1['seq']}",
    }
    proxy.rewrite = answers({view_path(t1["id"]): lambda d: dict(d, seq=t1["seq"] + 1)})
    assert liar.verify_assertion(t1["id"])["problem"] == (
        f"the server says {t1['id']} is seq {t1['seq'] + 1}, its inclusion proof puts it at seq {t1['seq']}"
    )


def test_a_redaction_by_a_key_that_is_not_an_operator(setup, proxy, liar):
    """The server refuses such a redaction (403), so a liar must forge it: well formed, signed,
    later — but not by a pinned operator, and in no tree."""
    _, r = setup
    plain = r["plain"]
    forged = redaction(STRANGER, plain["id"])
    fid = assertion_id(forged)
    seq = r["r2"]["seq"] + 1
    proxy.rewrite_errors = True  # the server answers 404 for the forged redaction: replace it
    proxy.rewrite = answers({
        view_path(plain["id"]): lambda d: {"id": plain["id"], "seq": plain["seq"], "status": "redacted",
                                           "redaction": {"id": fid, "seq": seq, "reason": "personal_data"}},
        view_path(fid): lambda d: {"id": fid, "seq": seq, "status": "accepted", "assertion": forged},
    })
    assert liar.verify_assertion(plain["id"], trusted_operators=[OPERATOR.public_hex]) == {
        "ok": False,
        "problem": f"seq {plain['seq']} was redacted by {STRANGER.public_hex}, which is not a trusted operator key",
    }
    unpinned = liar.verify_assertion(plain["id"])  # the rule alone would report the key: the tree refutes it
    assert unpinned["ok"] is False and unpinned["problem"].startswith("no inclusion proof")


def test_an_altered_redaction(setup, proxy, liar):
    _, r = setup
    t1, r1 = r["t1"], r["r1"]
    proxy.rewrite = answers({view_path(r1["id"]): lambda d: dict(d, assertion=dict(d["assertion"], ts=d["assertion"]["ts"] + 1))})
    assert liar.verify_assertion(t1["id"]) == {
        "ok": False, "problem": "the redaction: the assertion's content does not hash to its id",
    }


# ---- the pure rule ------------------------------------------------------------------------------


def test_verify_assertion_view_is_pure_and_matches_the_sdk(setup):
    client, r = setup
    view = client.get(r["t1"]["id"])
    red = client.get(r["r1"]["id"])
    assert verify_assertion_view(r["t1"]["id"], view, red)["redacted"]["trusted"] is False
    assert verify_assertion_view(r["t1"]["id"], view, None)["ok"] is False
    assert verify_assertion_view(r["t1"]["id"], dict(view, redaction=None), red)["ok"] is False
    assert verify_assertion_view(r["t2"]["id"], view, red) == {"ok": False, "problem": f"the server answered for {r['t1']['id']}"}
    # A retraction-shaped or bad-reason "redaction" is no redaction.
    bad_reason = dict(red, assertion=dict(red["assertion"], value={"target": r["t1"]["id"], "reason": "Free text"}))
    assert verify_assertion_view(r["t1"]["id"], view, bad_reason)["ok"] is False

