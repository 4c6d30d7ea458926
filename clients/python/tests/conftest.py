"""Shared fixtures: the repo's paths, the compiled server binary started per
module (port 0, temp data dir, killed at the end), and the TypeScript oracle —
one `bun` process per test session fed values on stdin (see ts_oracle.ts).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

PACKAGE = Path(__file__).resolve().parents[1]
REPO = PACKAGE.parents[1]
VECTORS = REPO / "tests" / "vectors" / "assertions.json"
ADMIN_TOKEN = "python-client-admin-token-0123456789"


def load_vectors() -> Dict[str, Any]:
    return json.loads(VECTORS.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def binary() -> Path:
    """$STEMEDB_BINARY (the TypeScript suite builds a fresh one), else dist/stemedb, built with
    `npm run build` when it is missing."""
    if os.environ.get("STEMEDB_BINARY"):
        return Path(os.environ["STEMEDB_BINARY"])
    path = REPO / "dist" / "stemedb"
    if not path.exists():
        subprocess.run(["npm", "run", "build"], cwd=REPO, check=True, capture_output=True)
    return path


class Server:
    def __init__(self, binary: Path) -> None:
        self.dir = tempfile.mkdtemp(prefix="stemedb-py-")
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/tmp"),
            "STEMEDB_ADMIN_TOKEN": ADMIN_TOKEN,
        }
        self.proc = subprocess.Popen(
            [str(binary), "serve", "--data-dir", self.dir, "--port", "0", "--host", "127.0.0.1"],
            cwd=self.dir, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True,
        )
        self.output: List[str] = []
        assert self.proc.stdout is not None
        for line in self.proc.stdout:  # until it says where it listens (or exits)
            self.output.append(line)
            m = re.search(r"listening on (http://\S+)", line)
            if m:
                self.url = m.group(1)
                break
        else:
            raise RuntimeError("stemedb serve exited before listening:\n" + "".join(self.output))
        # Keep draining its output so the pipe never fills.
        threading.Thread(target=lambda: self.output.extend(self.proc.stdout or []), daemon=True).start()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def server(binary: Path) -> Iterator[Server]:
    s = Server(binary)
    try:
        yield s
    finally:
        s.stop()


class TsOracle:
    """The TypeScript implementation (src/protocol) as a co-process: one JSON line in, one out."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            ["npx", "bun", str(PACKAGE / "tests" / "ts_oracle.ts")],
            cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8",
        )

    def ask(self, requests: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        """Answers for many requests in one round trip ({"canonical": v} or {"number": x})."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        stdin = self.proc.stdin

        def write() -> None:  # in a thread: the answers may fill the pipe before the questions end
            stdin.write("".join(json.dumps(r) + "\n" for r in requests))
            stdin.flush()

        writer = threading.Thread(target=write)
        writer.start()
        answers = [json.loads(self.proc.stdout.readline()) for _ in requests]
        writer.join()
        return answers

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=20)


@pytest.fixture(scope="session")
def ts_oracle() -> Iterator[TsOracle]:
    if shutil.which("npx") is None:
        pytest.skip("npx is not on PATH: the TypeScript side cannot run")
    oracle = TsOracle()
    try:
        yield oracle
    finally:
        oracle.close()
