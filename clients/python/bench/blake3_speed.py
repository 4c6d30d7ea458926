"""Speed of the pure-Python BLAKE3 (and of the id path it serves): MB/s over
1 MiB, and µs per assertion id of a typical ~300-byte assertion (canonical
encoding + hash). Best of 5 runs, so other load on the machine counts least.

    PYTHONPATH=clients/python/src python3 clients/python/bench/blake3_speed.py
"""

import platform
import time

from stemedb import AgentKey, assertion_id
from stemedb.blake3_pure import blake3_pure
from stemedb.canonical import canonical_bytes


def best(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    data = bytes(i % 251 for i in range(1 << 20))
    mb_s = len(data) / best(lambda: blake3_pure(data)) / 1e6
    assertion = AgentKey.generate().sign({
        "concept": "acme/payments/checkout", "predicate": "status",
        "value": {"state": "degraded", "p99_ms": 812, "regions": ["eu-west-1", "us-east-1"]},
        "confidence": 0.9, "evidence": ["https://status.example.com/incidents/4711"],
    })
    c = canonical_bytes({k: v for k, v in assertion.items() if k != "sig"})
    n = 2000
    hash_us = best(lambda: [blake3_pure(c) for _ in range(n)]) / n * 1e6
    id_us = best(lambda: [assertion_id(assertion) for _ in range(n)]) / n * 1e6
    print(f"python {platform.python_version()} ({platform.machine()})")
    print(f"pure-Python BLAKE3: {mb_s:.2f} MB/s over 1 MiB")
    print(f"BLAKE3 of a {len(c)}-byte C: {hash_us:.0f} us; assertion_id (RFC 8785 + BLAKE3): {id_us:.0f} us")


if __name__ == "__main__":
    main()
