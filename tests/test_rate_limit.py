"""Rate limits on the intake: per client, shared between processes through Redis."""
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ORIGIN, suggestion_body


def send(client, ip="198.51.100.7", **changes):
    return client.post("/api/v1/suggestions", json=suggestion_body(**changes),
                       headers={"Origin": ORIGIN}, environ_base={"REMOTE_ADDR": ip})


def test_too_many_suggestions_get_429_with_retry_after(app_factory, make_site):
    app = app_factory(INTAKE_RATE_LIMIT="2 per minute")
    make_site()
    client = app.test_client()
    assert [send(client).status_code for _ in range(2)] == [201, 201]
    response = send(client)
    assert response.status_code == 429
    assert response.json["error"]["code"] == "rate_limited"
    assert int(response.headers["Retry-After"]) > 0


def test_limit_is_per_client(app_factory, make_site):
    app = app_factory(INTAKE_RATE_LIMIT="1 per minute")
    make_site()
    client = app.test_client()
    assert send(client, ip="198.51.100.1").status_code == 201
    assert send(client, ip="198.51.100.2").status_code == 201
    assert send(client, ip="198.51.100.1").status_code == 429


def test_form_and_api_share_one_limit(app_factory, make_site):
    app = app_factory(INTAKE_RATE_LIMIT="1 per minute", WTF_CSRF_ENABLED=False)
    make_site()
    client = app.test_client()
    assert send(client).status_code == 201
    response = client.post("/suggest", data={"site": "news"},
                           environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert response.status_code == 429
    assert b"Too many suggestions" in response.data


SEND_FROM_ANOTHER_PROCESS = """
import sys
from corrections import create_app
from tests.test_rate_limit import send
print(send(create_app().test_client(), ip=sys.argv[1]).status_code)
"""


def send_from_another_process(config: dict, ip: str, tmp_path) -> int:
    """A second application process, configured through CORRECTIONS_* variables."""
    env = {**os.environ, "CORRECTIONS_INSTANCE_PATH": str(tmp_path / "other-instance")}
    env.update({f"CORRECTIONS_{key}": str(value) for key, value in config.items()})
    result = subprocess.run([sys.executable, "-c", SEND_FROM_ANOTHER_PROCESS, ip], env=env,
                            capture_output=True, text=True, timeout=60, check=True,
                            cwd=Path(__file__).parents[1])
    return int(result.stdout.strip().splitlines()[-1])


def test_limit_is_shared_by_two_app_processes_through_redis(app_factory, make_site, redis_url,
                                                            tmp_path):
    config = {"INTAKE_RATE_LIMIT": "2 per minute", "RATELIMIT_STORAGE_URI": redis_url}
    app = app_factory(**config)
    make_site()
    ip = "2001:db8::7"
    assert send(app.test_client(), ip=ip).status_code == 201
    other = {**config, "SECRET_KEY": app.config["SECRET_KEY"], "TESTING": "true",
             "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]}
    assert send_from_another_process(other, ip, tmp_path) == 201
    assert send(app.test_client(), ip=ip).status_code == 429
    assert send_from_another_process(other, ip, tmp_path) == 429
