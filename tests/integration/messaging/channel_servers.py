"""Real loopback servers for the channel tests: SMTP (aiosmtpd) with scripted replies and an
HTTP server with scripted statuses and headers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.conftest import free_port


@dataclass
class Mailbox:
    """Raw messages received; ``rcpt_reply`` / ``data_reply`` script the server's answers."""

    received: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    rcpt_reply: str | None = None
    data_reply: str = "250 2.0.0 OK queued"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_reply.startswith("250"):
            self.received.append((envelope.mail_from, list(envelope.rcpt_tos),
                                  bytes(envelope.original_content)))
        return self.data_reply


@contextmanager
def smtp_server(login: tuple[str, str] | None = None) -> Iterator[tuple[int, Mailbox]]:
    """A real SMTP server; with ``login``, AUTH PLAIN is required for that user."""
    box = Mailbox()
    port = free_port()
    extra: dict[str, Any] = {}
    if login is not None:
        def authenticate(server: Any, session: Any, envelope: Any, mechanism: str,
                         auth_data: Any) -> AuthResult:
            ok = isinstance(auth_data, LoginPassword) and (
                auth_data.login.decode(), auth_data.password.decode()) == login
            return AuthResult(success=ok, handled=False)

        extra = {"authenticator": authenticate, "auth_required": True,
                 "auth_exclude_mechanism": ["LOGIN"],
                 "auth_require_tls": False}
    controller = Controller(box, hostname="127.0.0.1", port=port, **extra)
    controller.start()
    try:
        yield port, box
    finally:
        controller.stop()


@dataclass
class Endpoint:
    """Requests received, and (status, headers) to answer with (the last one repeats)."""

    answers: list[tuple[int, dict[str, str]]]
    requests: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    port: int = 0


@contextmanager
def http_server(*answers: tuple[int, dict[str, str]]) -> Iterator[Endpoint]:
    endpoint = Endpoint(answers=list(answers) or [(200, {})])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            endpoint.requests.append(
                (self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            queue = endpoint.answers
            status, headers = queue.pop(0) if len(queue) > 1 else queue[0]
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    endpoint.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield endpoint
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
