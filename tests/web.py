"""A small HTTP(S) client for tests that talk to real servers (gunicorn, nginx): one keep-alive
connection, cookies, no redirects followed, an optional source address (127.0.0.x stands for
different readers), and every wait bounded."""
from __future__ import annotations

import http.client
import json as jsonlib
import re
import ssl
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from tests.helpers import csrf_token_in

ROOT = Path(__file__).resolve().parents[1]
TLS_CERTIFICATE = ROOT / "tests/tls/localhost.crt"
_LINK = re.compile(r'href="(/[^"#]*)"')


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self):
        return jsonlib.loads(self.body)

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def csrf_token(self) -> str:
        return csrf_token_in(self.text)

    def links(self) -> list[str]:
        return [link.replace("&amp;", "&") for link in _LINK.findall(self.text)]


class WebClient:
    def __init__(self, base_url: str, *, source: str | None = None, timeout: float = 30):
        parts = urlsplit(base_url)
        self.https = parts.scheme == "https"
        self.host, self.port = parts.hostname, parts.port or (443 if self.https else 80)
        self.base_url = base_url.rstrip("/")
        self.source, self.timeout = source, timeout
        self.cookies: dict[str, str] = {}
        self.set_cookie_headers: list[str] = []
        self._connection: http.client.HTTPConnection | None = None

    def _connect(self) -> http.client.HTTPConnection:
        source = (self.source, 0) if self.source else None
        if self.https:
            context = ssl.create_default_context(cafile=str(TLS_CERTIFICATE))
            return http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout,
                                               source_address=source, context=context)
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout,
                                          source_address=source)

    def request(self, method: str, path: str, *, data: dict | None = None, json=None,
                headers: dict[str, str] | None = None) -> Reply:
        headers = dict(headers or {})
        body = None
        if json is not None:
            body = jsonlib.dumps(json).encode()
            headers.setdefault("Content-Type", "application/json")
        elif data is not None:
            body = urlencode(data).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in range(2):  # a kept-alive connection the server closed: open a new one
            if self._connection is None:
                self._connection = self._connect()
            try:
                self._connection.request(method, path, body=body, headers=headers)
                response = self._connection.getresponse()
                reply = Reply(response.status, response.headers, response.read())
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt:
                    raise
        if reply.headers.get("Connection", "").lower() == "close":
            self.close()
        for value in reply.headers.get_all("Set-Cookie") or []:
            self.set_cookie_headers.append(value)
            for name, morsel in SimpleCookie(value).items():
                self.cookies[name] = morsel.value
        return reply

    def get(self, path: str, **kwargs) -> Reply:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> Reply:
        return self.request("POST", path, **kwargs)

    def sign_in(self, email: str, password: str) -> Reply:
        token = self.get("/login").csrf_token()
        # Over HTTPS, Flask-WTF wants the Referer a browser sends: this site's own page.
        return self.post("/login", data={"csrf_token": token, "email": email, "password": password},
                         headers={"Referer": f"{self.base_url}/login"})

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def wait_until_serving(url: str, process=None, patience: float = 60) -> None:
    """Wait for a server to answer /healthz (any status); fail early if its process died."""
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the server exited with {process.returncode}")
        try:
            client = WebClient(url, timeout=2)
            client.get("/healthz")
            client.close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within {patience}s")
