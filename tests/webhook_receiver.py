"""A real HTTP receiver for webhook tests: http.server on a loopback port, in a thread.

It records every request (path, headers, body) and answers each with the next status of its
script (then 200), so a test can make it fail, redirect, go down and come back on the same port.
"""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook


class Receiver:
    """A webhook endpoint at ``url``; ``requests`` lists what it got, oldest first."""

    def __init__(self, port: int = 0):
        self.requests: list[dict] = []
        self.script: list[int] = []
        self._lock = threading.Lock()
        self._server = None
        self.port = port
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/parley"

    def start(self) -> None:
        """Listen (again) on the receiver's port."""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802  (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = receiver._record(self.path, dict(self.headers), body)
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_port
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Stop listening: deliveries meet a refused connection until ``start()``."""
        self._server.shutdown()
        self._server.server_close()

    def _record(self, path, headers, body) -> int:
        with self._lock:
            self.requests.append({"path": path, "headers": {k.lower(): v for k, v in headers.items()},
                                  "body": body.decode()})
            return self.script.pop(0) if self.script else 200

    def events(self, event_type: str | None = None) -> list[dict]:
        """Return the bodies received (parsed), of ``event_type`` only if given."""
        bodies = [json.loads(r["body"]) for r in list(self.requests)]
        return [b for b in bodies if event_type is None or b["type"] == event_type]

    def wait_for(self, count: int, timeout: float = 30) -> list[dict]:
        """Wait until ``count`` requests came in; return them."""
        deadline = time.monotonic() + timeout
        while len(self.requests) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.requests) >= count, f"{len(self.requests)} of {count} deliveries after {timeout} s"
        return list(self.requests)


def verify(secret: str, request: dict) -> dict:
    """Verify a received request with the standardwebhooks package and return its payload."""
    return Webhook(secret).verify(request["body"], request["headers"])
