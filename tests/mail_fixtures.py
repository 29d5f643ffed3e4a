"""A real SMTP server for tests (aiosmtpd on 127.0.0.1) that the test controls.

It can be down (stopped: connections are refused) and up again on the same port, answer
the next messages or every message with a 4xx or 5xx, pause in the middle of a message until
the test lets it go, and hold messages until several connections are sending at once.
Every wait is bounded, so a broken test fails instead of hanging.

Use the `smtp_server` fixture (tests/mail/conftest.py), or the class directly.
"""
from __future__ import annotations

import asyncio
import logging
import os
import selectors
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

ROOT = Path(__file__).resolve().parents[1]
#: A self-signed certificate for 127.0.0.1 (tests/tls/README.md), and what the server accepts.
TLS_CERTIFICATE, TLS_KEY = ROOT / "tests/tls/localhost.crt", ROOT / "tests/tls/localhost.key"
USERNAME, PASSWORD = "corrections", "smtp-password"
#: Upper bound for every wait in these helpers, in seconds.
PATIENCE = 30


def finish(process, timeout=PATIENCE) -> str:
    """Wait for a process we started, and return what it printed."""
    try:
        output, _ = process.communicate(timeout=timeout)
    except BaseException:
        process.kill()
        process.communicate()
        raise
    return output


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Received:
    """One message the server accepted: the parsed email, its envelope, its connection."""
    email: EmailMessage
    recipients: tuple[str, ...]
    connection: int
    raw: bytes = b""
    mail_options: tuple[str, ...] = ()

    @property
    def message_id(self) -> str:
        return str(self.email["Message-ID"]).strip()  # long ids arrive folded onto a new line


def tls_server_context() -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(TLS_CERTIFICATE, TLS_KEY)
    return context


# aiosmtpd logs a warning about its own use of a deprecated attribute on every AUTH.
logging.getLogger("mail.log").setLevel(logging.ERROR)


def check_password(server, session, envelope, mechanism, auth_data) -> AuthResult:
    good = isinstance(auth_data, LoginPassword) and (
        auth_data.login, auth_data.password) == (USERNAME.encode(), PASSWORD.encode())
    return AuthResult(success=good, handled=False)  # not handled: aiosmtpd answers 535 itself


def advertise_pipelining(responses: list[str]) -> list[str]:
    """EHLO answer lines with PIPELINING added before the last one."""
    return [*responses[:-1], "250-PIPELINING", responses[-1]]


class SMTPServer:
    def __init__(self, port: int | None = None, *, tls: bool = False, pipelining: bool = False,
                 eight_bit: bool = True):
        """With `tls`, the server is like a submission server: STARTTLS, then a password.
        With `pipelining`, it advertises PIPELINING (RFC 2920), as Postfix and Exim do.
        Without `eight_bit`, it does not offer 8BITMIME (RFC 6152), as some old relays."""
        self.port = port or free_port()
        self.eight_bit = eight_bit
        self.tls = tls
        self.pipelining = pipelining
        self.refused_recipients: set[str] = set()
        #: Recipients at whose RCPT TO the server hangs up without an answer.
        self.hang_up_at_recipients: set[str] = set()
        self.received: list[Received] = []
        #: The name each client gave in EHLO, in order.
        self.ehlo_names: list[str] = []
        self.refused = 0
        self._lock = threading.Lock()
        self._answers: deque[str] = deque()
        self._always: str | None = None
        self._pause_at: int | None = None
        self._drop_at: int | None = None
        self._data_count = 0
        self._connections_at_once = 1
        self._sending_connections: set[int] = set()
        self.paused = threading.Event()
        self._resume = threading.Event()
        self._controller: Controller | None = None

    # --- up and down -----------------------------------------------------------------
    def start(self) -> SMTPServer:
        secure = ({"tls_context": tls_server_context(), "require_starttls": True,
                   "authenticator": check_password, "auth_required": True} if self.tls else {})
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port,
                                      loop=asyncio.new_event_loop(), ready_timeout=PATIENCE,
                                      **secure)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._resume.set()  # never leave a paused handler behind
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    # --- scripted answers ------------------------------------------------------------
    def answer_next(self, count: int, reply: str) -> None:
        """Answer the next `count` messages with `reply`, e.g. "451 4.3.0 Try again later"."""
        with self._lock:
            self._answers.extend([reply] * count)

    def answer_always(self, reply: str | None) -> None:
        """Answer every message with `reply` (None: accept again)."""
        with self._lock:
            self._always = reply

    def pause_at(self, number: int) -> None:
        """Keep the `number`-th message (counting from 1) waiting, already received, until resume()."""
        with self._lock:
            self._pause_at = number
            self.paused.clear()
            self._resume.clear()

    def drop_connection_at(self, number: int) -> None:
        """Hang up, without an answer, on the end of the `number`-th message's data."""
        with self._lock:
            self._drop_at = number

    def resume(self) -> None:
        self._resume.set()

    def wait_until_paused(self) -> None:
        assert self.paused.wait(PATIENCE), "the SMTP server never reached the paused message"

    def hold_until_connections(self, count: int) -> None:
        """Hold every message until `count` different connections have each started one."""
        self._connections_at_once = count

    # --- what arrived ------------------------------------------------------------------
    @property
    def message_ids(self) -> list[str]:
        with self._lock:
            return [message.message_id for message in self.received]

    @property
    def connections(self) -> set[int]:
        with self._lock:
            return {message.connection for message in self.received}

    def wait_for(self, count: int) -> None:
        deadline = time.monotonic() + PATIENCE
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(self.received) >= count, f"only {len(self.received)} of {count} messages arrived"

    # --- aiosmtpd handler --------------------------------------------------------------
    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        self.ehlo_names.append(hostname)
        # aiosmtpd reads commands one after another from its stream, so pipelined ones work.
        if not self.eight_bit:
            responses = [line for line in responses if "8BITMIME" not in line]
        return advertise_pipelining(responses) if self.pipelining else responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.hang_up_at_recipients:
            server.transport.close()
            return "421 4.3.2 Hanging up"  # never arrives: the connection is closed
        if address in self.refused_recipients:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        connection = id(session)
        with self._lock:
            self._data_count += 1
            number = self._data_count
            self._sending_connections.add(connection)
            reply = self._answers.popleft() if self._answers else self._always
        await self._wait(lambda: len(self._sending_connections) >= self._connections_at_once)
        if number == self._drop_at:
            server.transport.close()
            return "421 4.3.2 Hanging up"  # never arrives: the connection is closed
        if reply is not None:
            with self._lock:
                self.refused += 1
            return reply
        parsed = message_from_bytes(envelope.original_content or envelope.content,
                                    policy=policy.default)
        with self._lock:
            self.received.append(Received(parsed, tuple(envelope.rcpt_tos), connection,
                                          envelope.original_content or b"",
                                          tuple(envelope.mail_options)))
        if number == self._pause_at:
            self.paused.set()
            await self._wait(self._resume.is_set)
        return "250 Message accepted for delivery"

    @staticmethod
    async def _wait(condition) -> None:
        deadline = time.monotonic() + PATIENCE
        while not condition() and time.monotonic() < deadline:
            await asyncio.sleep(0.01)


class TurnCounter:
    """A TCP relay in front of an SMTP server that counts the client's turns: the times it
    writes after reading an answer. A turn is a round trip. It relays one connection."""

    def __init__(self, server_port: int):
        self.server_port = server_port
        self.turns = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._relay, daemon=True)
        self._thread.start()

    def join(self) -> None:
        self._thread.join(PATIENCE)
        assert not self._thread.is_alive(), "the relayed connection never closed"

    def _relay(self) -> None:
        self._listener.settimeout(PATIENCE)
        with self._listener, self._listener.accept()[0] as client, \
                socket.create_connection(("127.0.0.1", self.server_port)) as server, \
                selectors.DefaultSelector() as selector:
            for end in (client, server):  # relay each write at once, as it was written
                end.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            selector.register(client, selectors.EVENT_READ, server)
            selector.register(server, selectors.EVENT_READ, client)
            answered = False
            while events := selector.select(PATIENCE):
                for key, _ in events:
                    data = key.fileobj.recv(65536)
                    if not data:
                        return
                    if key.fileobj is client:
                        self.turns += answered
                        answered = False
                    else:
                        answered = True
                    key.data.sendall(data)


class SilentServer:
    """Accepts TCP connections and never says a word: an SMTP server that hangs."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)  # the kernel completes the handshake; nobody ever answers
        self.port = self.socket.getsockname()[1]

    def close(self) -> None:
        self.socket.close()


def flask_command(*args: str, env: dict[str, str]) -> subprocess.Popen:
    """Start `flask --app corrections <args>` as a separate process with `env` added."""
    environment = {name: value for name, value in os.environ.items()
                   if not name.startswith("CORRECTIONS_") or name.startswith("CORRECTIONS_TEST_")}
    environment.update(env)
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "corrections", *args],
                            cwd=ROOT, env=environment, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
