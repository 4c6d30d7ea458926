"""stemedb.aio.AsyncClient (httpx) against the compiled binary: the same
protocol code as Client, so the same checks; here the asyncio plumbing —
a write, a query through a lens, history, proofs, a problem, no server."""

import asyncio
import socket

import pytest

from stemedb import AgentKey, NetworkError, ProblemError, VerificationError

httpx = pytest.importorskip("httpx", reason="httpx is not installed: stemedb.aio needs it")
from stemedb.aio import AsyncClient  # noqa: E402


def test_async_client_end_to_end(server):
    key = AgentKey.generate()

    async def run():
        async with AsyncClient(server.url) as c:
            r1 = await c.post(key.sign({"concept": "async/svc", "predicate": "status", "value": "up"}))
            r2 = await c.post_batch([key.sign({"concept": "async/svc", "predicate": "owner", "value": "team-a"})])
            answer = await c.query("async", match="prefix", lens="consensus")
            history = await c.history("async/svc", "status")
            proof = await c.inclusion_proof(r1["id"], tree_size=r1["tree_size"])
            head = await c.tree_head()
            consistency = await c.consistency_proof(r1["tree_size"], head["tree_size"])
            retraction = await c.retract(key, r1["id"])
            with pytest.raises(ProblemError) as e:
                await c.query()
            return r1, r2, answer, history, proof, consistency, retraction, e.value

    r1, r2, answer, history, proof, consistency, retraction, problem = asyncio.run(run())
    assert r1["status"] == "accepted" and r2["accepted"] == 1
    assert sorted(r["predicate"] for r in answer["results"]) == ["owner", "status"]
    assert [i["id"] for i in history["items"]] == [r1["id"]]
    assert proof["root"] == r1["sth"]["root"]
    assert consistency["to"] >= consistency["from"] == r1["tree_size"]
    assert retraction["status"] == "accepted"
    assert problem.code == "missing_filter" and problem.status == 422


def test_async_client_pins_the_server_key(server):
    async def run():
        async with AsyncClient(server.url, server_key="ab" * 32) as c:
            await c.tree_head()

    with pytest.raises(VerificationError) as e:
        asyncio.run(run())
    assert e.value.code == "bad_tree_head"


def test_async_client_unreachable():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    async def run():
        async with AsyncClient(f"http://127.0.0.1:{port}", timeout=5) as c:
            await c.tree_head()

    with pytest.raises(NetworkError):
        asyncio.run(run())
