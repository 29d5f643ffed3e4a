"""Rate limits: per client (an IPv4 address or an IPv6 /64), per site, shared through Redis."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from corrections.clients import client_key
from tests.helpers import ORIGIN, suggestion_body


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


# --- who a client is, and limits beyond the client ---------------------------------------

@pytest.mark.parametrize("address, key", [
    ("203.0.113.9", "203.0.113.9"),
    ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
    ("2001:db8:1:2::", "2001:db8:1:2::/64"),
    ("::ffff:203.0.113.9", "203.0.113.9"),
    ("", "unknown"),
])
def test_a_client_is_an_ipv4_address_or_an_ipv6_64(address, key):
    assert client_key(address) == key


def test_two_networks_have_two_limits(app_factory, make_site):
    app = app_factory(INTAKE_RATE_LIMIT="1 per minute")
    make_site()
    client = app.test_client()
    assert send(client, ip="2001:db8:1:2::1").status_code == 201
    assert send(client, ip="2001:db8:1:3::1").status_code == 201


def test_a_site_has_a_limit_of_its_own_across_clients(app_factory, make_site):
    app = app_factory(INTAKE_SITE_RATE_LIMIT="2 per minute")
    make_site()
    make_site(key="other", origins=("https://other.example.org",))
    client = app.test_client()
    assert [send(client, ip=f"198.51.100.{n}").status_code for n in (1, 2)] == [201, 201]
    response = send(client, ip="198.51.100.3")
    assert response.status_code == 429
    assert response.json["error"]["message"].startswith("This site is receiving too many")
    assert int(response.headers["Retry-After"]) > 0
    other = client.post("/api/v1/suggestions", headers={"Origin": "https://other.example.org"},
                        json=suggestion_body(site="other", url="https://other.example.org/a"))
    assert other.status_code == 201


def test_the_site_limit_is_kept_in_redis(app_factory, make_site, redis_url):
    import redis
    app = app_factory(INTAKE_SITE_RATE_LIMIT="1 per minute", RATELIMIT_STORAGE_URI=redis_url)
    make_site()
    assert send(app.test_client(), ip="198.51.100.1").status_code == 201
    keys = redis.Redis.from_url(redis_url).keys("*intake-site*news*")
    assert len(keys) == 1  # where every process of the app counts
    assert send(app.test_client(), ip="198.51.100.2").status_code == 429


def test_the_form_says_when_the_site_limit_is_reached(app_factory, make_site):
    from tests.helpers import csrf_token_in
    app = app_factory(INTAKE_SITE_RATE_LIMIT="1 per minute")
    make_site()
    assert send(app.test_client()).status_code == 201
    client = app.test_client()
    page = client.get("/suggest").get_data(as_text=True)
    response = client.post("/suggest", data={
        "csrf_token": csrf_token_in(page), "site": "news", "url": f"{ORIGIN}/b", "quote": "teh",
        "kind": "typo",
        "started": re.search(r'name="started" type="hidden" value="([^"]*)"', page).group(1)})
    assert response.status_code == 429
    assert "too many suggestions" in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0


def test_sign_in_attempts_from_one_ipv6_network_share_a_limit(app_factory, make_editor):
    from tests.helpers import sign_in
    app = app_factory(LOGIN_RATE_LIMIT_CLIENT="2 per 15 minutes")
    make_editor()
    for n in range(2):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"2001:db8:7:7::{n + 1}"
        sign_in(client, f"guess{n}@news.example.org", "wrong password entirely")
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "2001:db8:7:7::99"
    assert sign_in(client).status_code == 429
