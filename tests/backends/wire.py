"""A real HTTP server on 127.0.0.1 that speaks a service's wire format, for backend tests.

Each test scripts the replies (status, JSON or raw body, headers, delay) per request path and
asserts the exact JSON the official client sent.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from helpers import free_port


@dataclass
class Reply:
    body: object = None  # dict/list -> JSON; str/bytes -> raw
    status: int = 200
    headers: dict = field(default_factory=dict)
    delay: float = 0.0


class WireServer:
    def __init__(self, default=None):
        self.requests: list[dict] = []
        self.scripts: dict[str, deque] = {}
        self.default = default  # callable(path, body) -> Reply
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _handle(self):
                n = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(n) if n else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                with server.lock:
                    server.requests.append(
                        {
                            "method": self.command,
                            "path": self.path,
                            "headers": {k.lower(): v for k, v in self.headers.items()},
                            "json": body,
                            "t": time.monotonic(),
                        }
                    )
                    queue = server.scripts.get(self.path.split("?")[0])
                    reply = queue.popleft() if queue else None
                if reply is None:
                    reply = server.default(self.path, body) if server.default else Reply({"error": "no script"}, 500)
                if callable(reply):
                    reply = reply(body)
                if reply.delay:
                    time.sleep(reply.delay)
                data = reply.body
                if isinstance(data, (dict, list)):
                    data = json.dumps(data).encode()
                elif isinstance(data, str):
                    data = data.encode()
                data = data or b""
                try:
                    self.send_response(reply.status)
                    self.send_header("content-type", reply.headers.pop("content-type", "application/json"))
                    for k, v in reply.headers.items():
                        self.send_header(k, v)
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            do_GET = do_POST = do_DELETE = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def script(self, path: str, *replies) -> None:
        with self.lock:
            self.scripts.setdefault(path, deque()).extend(replies)

    def bodies(self, path: str) -> list:
        return [r["json"] for r in self.requests if r["path"].split("?")[0] == path]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def dead_port() -> int:
    """A local port with nothing listening (connection refused)."""
    return free_port()
