"""A man in the middle for the verifier tests: an HTTP proxy in front of the
real server that passes every request through and lets a test rewrite the
JSON answers (a root, an audit path, a stored value) before the client sees
them."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, Optional

Rewrite = Callable[[str, str, Dict[str, Any]], Optional[Dict[str, Any]]]


class LyingProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.rewrite: Optional[Rewrite] = None  # (method, path, answer) → answer to send instead
        self.rewrite_errors = False  # also offer problem answers (4xx) to rewrite; a rewritten one is sent as 200
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "accept", "authorization")}
                req = urllib.request.Request(proxy.upstream + self.path, data=body, headers=headers, method=self.command)
                try:
                    with urllib.request.urlopen(req, timeout=30) as res:
                        status, res_headers, data = res.status, res.headers, res.read()
                except urllib.error.HTTPError as e:
                    status, res_headers, data = e.code, e.headers, e.read()
                if proxy.rewrite is not None and (200 <= status < 300 or proxy.rewrite_errors):
                    changed = proxy.rewrite(self.command, self.path, json.loads(data))
                    if changed is not None:
                        status, data = 200, json.dumps(changed).encode()
                self.send_response(status)
                self.send_header("content-type", res_headers.get("content-type", "application/json"))
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = _forward

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=lambda: self.httpd.serve_forever(poll_interval=0.05), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
