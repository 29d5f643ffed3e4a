"""Spam guards: timing, the honeypot, links in comments, the block list; refusals are counted."""
import re
import time

import pytest
import sqlalchemy as sa

from corrections.extensions import db
from corrections.intake import suggestions
from corrections.models import BlockEntry, RefusalCount, Submission
from tests.helpers import (
    NOTHING,
    ORIGIN,
    act,
    csrf_token,
    csrf_token_in,
    passage,
    row_counts,
    suggestion_body,
)


def refusals(app) -> dict[str, int]:
    with app.app_context():
        return dict(db.session.execute(sa.select(RefusalCount.reason, RefusalCount.refusals)).all())


def hits(app) -> dict[str, int]:
    with app.app_context():
        return dict(db.session.execute(sa.select(BlockEntry.value, BlockEntry.hits)).all())


# --- timing ---------------------------------------------------------------------------------------

@pytest.fixture
def timed_app(app_factory, make_site):
    app = app_factory(FORM_MIN_SECONDS=3, API_MIN_ELAPSED_MS=1500)
    make_site()
    return app


def form_post(client, *, seconds_later: float, monkeypatch, **changes):
    page = client.get("/suggest").get_data(as_text=True)
    started = re.search(r'name="started" type="hidden" value="([^"]*)"', page).group(1)
    now = time.time()
    monkeypatch.setattr(suggestions.time, "time", lambda: now + seconds_later)
    data = {"csrf_token": csrf_token_in(page), "site": "news", "url": f"{ORIGIN}/a",
            "quote": "teh", "kind": "typo", "started": started} | changes
    return client.post("/suggest", data=data)


def test_a_form_sent_too_fast_is_thanked_but_not_stored(timed_app, monkeypatch):
    client = timed_app.test_client()
    response = form_post(client, seconds_later=1, monkeypatch=monkeypatch)
    assert response.status_code == 303
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you" in thanks and re.search(r'class="reference">\w{4}-\w{4}<', thanks)
    assert row_counts(timed_app) == NOTHING
    assert refusals(timed_app) == {"too_fast": 1}


def test_a_form_sent_after_the_minimum_is_stored(timed_app, monkeypatch):
    client = timed_app.test_client()
    assert form_post(client, seconds_later=4, monkeypatch=monkeypatch).status_code == 303
    assert row_counts(timed_app)["submission"] == 1 and refusals(timed_app) == {}


@pytest.mark.parametrize("started", ["", "forged", "MTIz.abc"])
def test_a_form_without_its_signed_time_counts_as_too_fast(timed_app, monkeypatch, started):
    client = timed_app.test_client()
    response = form_post(client, seconds_later=60, monkeypatch=monkeypatch, started=started)
    assert response.status_code == 303
    assert row_counts(timed_app) == NOTHING and refusals(timed_app) == {"too_fast": 1}


def api_post(app, ip="198.51.100.9", **changes):
    return app.test_client().post("/api/v1/suggestions", json=suggestion_body(**changes),
                                  headers={"Origin": ORIGIN}, environ_base={"REMOTE_ADDR": ip})


def test_the_widget_sent_too_fast_gets_a_plausible_201_and_nothing_is_stored(timed_app):
    stored = api_post(timed_app, elapsed_ms=5000)
    assert stored.status_code == 201
    decoy = api_post(timed_app, elapsed_ms=300, **passage(2))
    assert decoy.status_code == 201 and set(decoy.json) == set(stored.json)
    assert decoy.json["id"] == stored.json["id"] + 1
    assert re.fullmatch(r"[2-9A-Z]{4}-[2-9A-Z]{4}", decoy.json["reference"])
    assert row_counts(timed_app)["submission"] == 1
    assert refusals(timed_app) == {"too_fast": 1}


def test_clients_that_do_not_send_elapsed_ms_are_accepted(timed_app):
    assert api_post(timed_app).status_code == 201
    assert row_counts(timed_app)["submission"] == 1


def test_the_honeypot_is_counted(app, post_suggestion):
    post_suggestion(website="http://spam.example")
    post_suggestion(website="x")
    assert refusals(app) == {"honeypot": 2}


# --- links in comments ----------------------------------------------------------------------------

def test_three_links_are_fine_and_a_fourth_is_refused(app, post_suggestion):
    three = "Sources: https://a.example/1 http://b.example/2 www.c.example"
    assert post_suggestion(comment=three).status_code == 201
    response = post_suggestion(comment=three + " https://d.example", **passage(2))
    assert response.status_code == 422
    assert response.json["error"]["fields"]["comment"].startswith("A comment may contain at most 3")


def test_the_link_cap_is_a_setting(app_factory, make_site):
    app = app_factory(COMMENT_MAX_LINKS=0)
    make_site()
    response = api_post(app, comment="see https://a.example")
    assert response.status_code == 422
    assert "may not contain links" in response.json["error"]["fields"]["comment"]


# --- the block list -------------------------------------------------------------------------------

def add_block(client, kind, value, note=""):
    return client.post("/dashboard/spam/entries", data={
        "csrf_token": csrf_token(client, "/dashboard/spam"), "kind": kind, "value": value,
        "note": note})


@pytest.mark.parametrize("kind, value, changes, ip", [
    ("client", "198.51.100.66", {}, "198.51.100.66"),
    ("client", "2001:db8:9:9::1", {}, "2001:db8:9:9:abcd::42"),
    ("email", "Spammer@Example.NET", {"email": "spammer@example.net"}, None),
    ("domain", "spam.example", {"email": "x@mail.spam.example"}, None),
    ("phrase", "Cheap Watches", {"comment": "Buy CHEAP  watches today"}, None),
    ("phrase", "casino", {"name": "Casino King"}, None),
])
def test_a_block_list_entry_refuses_silently_and_counts(app, site, admin_client, kind, value,
                                                        changes, ip):
    assert add_block(admin_client, kind, value).status_code == 303
    response = api_post(app, ip=ip or "192.0.2.200", **changes)
    assert response.status_code == 201 and set(response.json) == {"id", "reference", "status"}
    assert row_counts(app) == NOTHING
    assert list(hits(app).values()) == [1] and refusals(app) == {"blocked": 1}


def test_a_phrase_blocks_words_not_parts_of_words(app, site, admin_client):
    add_block(admin_client, "phrase", "casino")
    assert api_post(app, comment="The casinos were open").status_code == 201
    assert row_counts(app)["submission"] == 1 and hits(app) == {"casino": 0}


def test_a_domain_blocks_its_subdomains_not_its_neighbours(app, site, admin_client):
    add_block(admin_client, "domain", "spam.example")
    api_post(app, email="a@notspam.example")
    assert row_counts(app)["submission"] == 1


def test_admins_see_the_list_with_hits_and_the_refusals(app, site, admin_client, post_suggestion):
    add_block(admin_client, "email", "spammer@example.net", note="Sent 40 in an hour")
    api_post(app, email="spammer@example.net")
    post_suggestion(website="filled")
    page = admin_client.get("/dashboard/spam").get_data(as_text=True)
    assert "spammer@example.net" in page and "Sent 40 in an hour" in page
    assert re.search(r'class="hits">1<', page)
    assert "On the block list" in page and "Honeypot field filled in" in page


def test_editors_cannot_see_or_change_the_block_list(editor_client):
    assert editor_client.get("/dashboard/spam").status_code == 403


def test_an_entry_can_be_removed(app, site, admin_client):
    add_block(admin_client, "phrase", "casino")
    with app.app_context():
        entry_id = db.session.scalar(sa.select(BlockEntry.id))
    response = admin_client.post(f"/dashboard/spam/entries/{entry_id}/delete",
                                 data={"csrf_token": csrf_token(admin_client, "/dashboard/spam")})
    assert response.status_code == 303 and hits(app) == {}
    assert api_post(app, comment="casino").status_code == 201
    assert row_counts(app)["submission"] == 1


def test_the_same_entry_twice_is_refused(app, site, admin_client):
    add_block(admin_client, "email", "a@example.net")
    response = add_block(admin_client, "email", "A@EXAMPLE.NET")
    assert response.status_code == 422 and "already" in response.get_data(as_text=True)


def test_marking_spam_can_block_the_senders_address(app, editor_client, report):
    number = report(email="pest@example.net")
    assert act(editor_client, number, "spam", block_email="y").status_code == 303
    assert api_post(app, ip="203.0.113.200", email="pest@example.net", **passage(5)).status_code == 201
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Submission)) == 1
    assert hits(app) == {"pest@example.net": 1}


def test_marking_spam_without_blocking_blocks_nothing(app, editor_client, report):
    number = report(ip="203.0.113.77")
    assert act(editor_client, number, "spam").status_code == 303
    assert hits(app) == {}
    assert api_post(app, ip="203.0.113.77", **passage(6)).status_code == 201
    assert row_counts(app)["submission"] == 2


def test_a_refused_spam_action_blocks_nobody(app, editor_client, report):
    number = report(ip="203.0.113.78")
    response = act(editor_client, number, "spam", version=99, block_client="y", block_email="y")
    assert response.status_code == 409
    assert hits(app) == {}


def test_the_spam_form_offers_to_block_the_sender(editor_client, report):
    number = report()
    page = editor_client.get(f"/dashboard/requests/{number}").get_data(as_text=True)
    assert "Block the sender’s network" in page
    assert "Block the sender’s email address (reader@example.net)" in page
