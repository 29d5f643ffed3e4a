"""The production topology on this machine, from the files in deploy/: Debian's nginx with the
shipped site file (ports, certificate and cache paths changed; TLS with tests/tls), gunicorn
with the shipped configuration and two workers, and the mail worker as its systemd unit starts
it, on a PostgreSQL database and Redis. Used by the topology test and the load benchmark.
Everything runs on 127.0.0.1, in the caller's scratch folder, and is stopped by `stop()`.
"""
from __future__ import annotations

import os
import secrets
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

from tests.mail_fixtures import PATIENCE, free_port
from tests.web import WebClient, wait_until_serving

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
VENV_BIN = Path(sys.executable).parent
SECRET = secrets.token_hex(32)  # a key that is published nowhere
ORIGIN = "https://news.example.org"
ADMIN, ADMIN_PASSWORD = "admin@news.example.org", "a long topology password"


def exec_start(unit: str) -> list[str]:
    """The command a shipped systemd unit runs, with this checkout's virtualenv and config."""
    text = (DEPLOY / unit).read_text()
    [line] = [line for line in text.splitlines() if line.startswith("ExecStart=")]
    command = shlex.split(line.removeprefix("ExecStart="))
    return [part.replace("/srv/corrections/venv/bin", str(VENV_BIN))
                .replace("/etc/corrections/gunicorn.conf.py", str(DEPLOY / "gunicorn.conf.py"))
            for part in command]


def nginx_site(prefix: Path, *, http_port: int, https_port: int, app_port: int) -> str:
    """The shipped site file with this machine's ports and paths; each change must apply once."""
    site = (DEPLOY / "nginx-corrections.conf").read_text()
    changes = [
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen [::]:80;", ""),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        ("listen [::]:443 ssl http2;", ""),
        ("server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};"),
        ("/etc/letsencrypt/live/corrections.example.org/fullchain.pem", str(ROOT / "tests/tls/localhost.crt")),
        ("/etc/letsencrypt/live/corrections.example.org/privkey.pem", str(ROOT / "tests/tls/localhost.key")),
        ("/var/cache/nginx/corrections", str(prefix / "cache")),
        ("/var/www/letsencrypt", str(prefix / "acme")),
    ]
    for old, new in changes:
        assert site.count(old) == 1, f"deploy/nginx-corrections.conf changed: {old!r} not found once"
        site = site.replace(old, new)
    return site


def nginx_main(prefix: Path) -> str:
    temp = prefix / "tmp"
    user = "user root root;\n" if os.geteuid() == 0 else ""
    paths = "\n".join(f"    {kind}_temp_path {temp / kind};"
                      for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""{user}worker_processes 2;
pid {prefix / 'nginx.pid'};
error_log {prefix / 'error.log'} warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {prefix / 'access.log'};
{paths}
    include {prefix / 'site.conf'};
}}
"""


class Topology:
    def __init__(self, folder: Path, *, database_url: str, redis_url: str, smtp_port: int,
                 workers: int = 2, **settings):
        self.folder = folder
        self.workers = workers
        self.http_port, self.https_port, self.app_port = free_port(), free_port(), free_port()
        self.settings = {
            "SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": database_url,
            "INSTANCE_PATH": folder / "instance", "PROXY_FIX_X_FOR": 1,
            "RATELIMIT_STORAGE_URI": redis_url, "PUBLIC_URL": self.url, "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": smtp_port, "MAIL_POLL_SECONDS": 0.2, "LOG_FORMAT": "json", **settings}
        self.processes: list[subprocess.Popen] = []
        self.logs: dict[str, Path] = {}

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CORRECTIONS_")}
        env.update({f"CORRECTIONS_{k}": str(v) for k, v in self.settings.items()})
        env.update({"GUNICORN_BIND": f"127.0.0.1:{self.app_port}", "WEB_CONCURRENCY": str(self.workers)})
        return env

    def flask(self, *args: str, input: str | None = None) -> str:
        done = subprocess.run([str(VENV_BIN / "flask"), "--app", "corrections", *args], cwd=ROOT,
                              env=self.environment(), input=input, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, f"flask {' '.join(args)}: {done.stdout}{done.stderr}"
        return done.stdout

    def _start(self, name: str, command: list[str]) -> subprocess.Popen:
        log = self.logs[name] = self.folder / f"{name}.log"
        with log.open("w") as out:
            process = subprocess.Popen(command, cwd=self.folder, env=self.environment(),
                                       stdout=out, stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def start(self) -> Topology:
        """Migrate, add a site and an admin as docs/deploy.md does, then start everything."""
        (self.folder / "instance").mkdir(exist_ok=True)
        self.flask("db", "upgrade")
        self.flask("site", "add", "news", "--name", "The Example News", "--origin", ORIGIN,
                   "--notify", "desk@news.example.org")
        self.flask("editor", "add", ADMIN, "--role", "admin", "--password-stdin",
                   input=ADMIN_PASSWORD + "\n")
        try:
            web = self._start("gunicorn", exec_start("corrections-web.service"))
            self._start("mail-worker", exec_start("corrections-mail.service"))
            prefix = self.folder / "nginx"
            for sub in ("tmp", "cache", "acme"):
                (prefix / sub).mkdir(parents=True, exist_ok=True)
            (prefix / "site.conf").write_text(nginx_site(
                prefix, http_port=self.http_port, https_port=self.https_port, app_port=self.app_port))
            (prefix / "nginx.conf").write_text(nginx_main(prefix))
            nginx = self._start("nginx", [NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf"),
                                          "-g", "daemon off;"])
            wait_until_serving(f"http://127.0.0.1:{self.app_port}", web)
            self._wait_for_nginx(nginx)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_for_nginx(self, process) -> None:
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(f"nginx exited: {self.logs['nginx'].read_text()}"
                                     f"{(self.folder / 'nginx/error.log').read_text()}")
            try:
                client = WebClient(self.url, timeout=2)
                if client.get("/healthz").status == 200:
                    client.close()
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError("nginx did not serve the app in time")

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(PATIENCE)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(PATIENCE)
        self.processes.clear()

    def log_lines(self, name: str) -> list[str]:
        return self.logs[name].read_text(errors="replace").splitlines()
