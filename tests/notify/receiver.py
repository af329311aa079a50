"""A real HTTP server on 127.0.0.1 that answers like the chat robots and records every request.

Routes by the first path segment: /wecom, /dingtalk, /feishu/hook/<token>, /webhook. Each route answers
with its queued replies in order, then with its default (the platform's success answer).
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

SUCCESS: dict[str, dict[str, Any]] = {
    "wecom": {"errcode": 0, "errmsg": "ok"},
    "dingtalk": {"errcode": 0, "errmsg": "ok"},
    "feishu": {"StatusCode": 0, "StatusMessage": "success", "code": 0, "data": {}, "msg": "success"},
    "webhook": {"ok": True},
}


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: Any = None  # a dict is sent as JSON; None = the route's success answer
    delay: float = 0.0  # seconds before answering (beyond a client timeout = a timeout)
    headers: dict[str, str] = field(default_factory=dict)
    echo_request: bool = False  # put the request path and query into the body's errmsg (leak test)


@dataclass
class Recorded:
    route: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


class Receiver:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._queues: dict[str, deque[Reply]] = defaultdict(deque)
        self._defaults: dict[str, Reply] = {}
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                parts = urlsplit(self.path)
                route = parts.path.strip("/").split("/")[0]
                rec = Recorded(
                    route=route,
                    path=parts.path,
                    query=parse_qs(parts.query, keep_blank_values=True),
                    headers={k: v for k, v in self.headers.items()},
                    body=body,
                )
                reply = receiver._next(route, rec)
                if reply.delay:
                    time.sleep(reply.delay)
                payload = reply.body if reply.body is not None else SUCCESS.get(route, {"ok": True})
                if reply.echo_request:
                    payload = {**payload, "errmsg": f"invalid request {self.path} from http://x{self.path}"}
                raw = json.dumps(payload).encode("utf-8")
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(raw)))
                    for k, v in reply.headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(raw)
                except OSError:  # the client gave up (timeout test)
                    pass

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            block_on_close = False

            def handle_error(self, request: Any, client_address: Any) -> None:  # quiet on broken pipes
                return

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def _next(self, route: str, rec: Recorded) -> Reply:
        with self._lock:
            self.requests.append(rec)
            queue = self._queues[route]
            if queue:
                return queue.popleft()
            return self._defaults.get(route, Reply())

    def queue(self, route: str, *replies: Reply) -> None:
        with self._lock:
            self._queues[route].extend(replies)

    def default(self, route: str, reply: Reply | None) -> None:
        with self._lock:
            if reply is None:
                self._defaults.pop(route, None)
            else:
                self._defaults[route] = reply

    def on(self, route: str) -> list[Recorded]:
        return [r for r in self.requests if r.route == route]

    def start(self) -> Receiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
