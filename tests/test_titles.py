"""The article's title belongs to the newsroom: set once from a reader, cleaned, changed by editors."""
import re
import xml.etree.ElementTree as ET

import pytest
import sqlalchemy as sa

from corrections.extensions import db
from corrections.models import Article, Event, OutboxMessage, Submission
from corrections.text import clean_title
from tests.helpers import csrf_token, passage, publish, request_ids

ATOM = "{http://www.w3.org/2005/Atom}"
SITE = "The Example News"


@pytest.mark.parametrize("typed, kept", [
    ("City library reopens · The Example News", "City library reopens"),
    ("City library reopens | The Example News", "City library reopens"),
    ("City library reopens – THE EXAMPLE  NEWS", "City library reopens"),
    ("City library reopens — Example News", "City library reopens"),
    ("City library reopens - the example news", "City library reopens"),
    ("The Example News | City library reopens", "City library reopens"),
    ("Brexit - the aftermath", "Brexit - the aftermath"),
    ("Mayor resigns - Example News Weekly", "Mayor resigns - Example News Weekly"),
    ("Inflation – a year on – The Example News", "Inflation – a year on"),
    ("The Example News", "The Example News"),
    ("  Spaces \n and\tlines  ", "Spaces and lines"),
    ("Forbidden\ufffe\uffff characters\x0b", "Forbidden characters"),
])
def test_the_first_title_loses_the_site_name_and_nothing_else(typed, kept):
    assert clean_title(typed, SITE) == kept


def title(app) -> str:
    with app.app_context():
        return db.session.scalars(sa.select(Article.title)).one()


def test_the_title_of_a_new_article_is_stored_cleaned(app, post_suggestion):
    post_suggestion(title="City library reopens · The Example News")
    assert title(app) == "City library reopens"


def test_a_later_reader_cannot_change_the_title(app, post_suggestion):
    post_suggestion(title="City library reopens")
    post_suggestion(title="Something else entirely", **passage(2))
    post_suggestion(title="", **passage(3))
    assert title(app) == "City library reopens"


def test_a_title_can_come_later_if_the_first_reader_gave_none(app, post_suggestion):
    post_suggestion(title="")
    post_suggestion(title="City library reopens", **passage(2))
    assert title(app) == ""  # editors give it one on the request page


def test_characters_xml_forbids_are_dropped_from_every_reader_field(app, post_suggestion):
    post_suggestion(comment="fine\ufffe text\uffff", name="Ana\ufffe", suggestion="more\uffff than")
    with app.app_context():
        submission = db.session.scalars(sa.select(Submission)).one()
        assert (submission.comment, submission.name) == ("fine text", "Ana")
        assert submission.request.proposed == "more than"


def retitle(client, request_id, new, shown=None):
    page = client.get(f"/dashboard/requests/{request_id}").get_data(as_text=True)
    if shown is None:
        shown = re.search(r'name="shown" type="hidden" value="([^"]*)"', page).group(1)
    return client.post(f"/dashboard/requests/{request_id}/title",
                       data={"csrf_token": csrf_token(client, "/dashboard/"), "title": new,
                             "shown": shown})


def test_an_editor_renames_the_article_and_the_trail_says_so(app, editor_client, report):
    number = report(title="Library reopns")
    response = retitle(editor_client, number, "City library reopens after two years")
    assert response.status_code == 303
    assert title(app) == "City library reopens after two years"
    with app.app_context():
        event = db.session.scalars(sa.select(Event).where(Event.action == "retitle")).one()
        assert event.request_id == number and event.editor_id is not None
        assert event.note == "Title changed from “Library reopns” to “City library reopens after two years”."
    page = editor_client.get(f"/dashboard/requests/{number}").get_data(as_text=True)
    assert "Changed the title" in page


def test_the_public_log_feed_and_later_emails_show_the_editors_title(app, client, editor_client,
                                                                     report):
    number = report(title="Library reopns")
    retitle(editor_client, number, "City library reopens")
    publish(app, number, "Corrected.")
    assert "City library reopens" in client.get("/corrections/news").get_data(as_text=True)
    feed = ET.fromstring(client.get("/corrections/news/feed.atom").data)
    assert feed.find(f"{ATOM}entry/{ATOM}title").text == "Correction: City library reopens"
    report(**passage(2))
    with app.app_context():
        second = db.session.scalars(sa.select(OutboxMessage).where(
            OutboxMessage.kind == "editor_new_request",
            OutboxMessage.request_id == request_ids(app)[-1])).one()
        assert "City library reopens" in second.body_text and "reopns" not in second.body_text


def test_a_title_changed_meanwhile_is_not_overwritten(app, editor_client, report):
    number = report(title="Original")
    assert retitle(editor_client, number, "First editor's").status_code == 303
    response = retitle(editor_client, number, "Second editor's", shown="Original")
    assert response.status_code == 409
    assert "Someone else changed this title" in response.get_data(as_text=True)
    assert title(app) == "First editor's"


def test_saving_the_same_title_writes_no_event(app, editor_client, report):
    number = report(title="Same")
    assert retitle(editor_client, number, " Same ").status_code == 303
    with app.app_context():
        assert db.session.scalars(sa.select(Event.action)).all() == ["created"]


def test_stored_characters_xml_forbids_never_reach_a_page_or_the_feed(app, client, post_suggestion):
    post_suggestion()
    publish(app, request_ids(app)[0], "Fixed.")
    with app.app_context():  # as an older version, or a direct database edit, could have left it
        db.session.execute(sa.update(Article).values(title="Bad\uffff\x01 title"))
        db.session.commit()
    feed = ET.fromstring(client.get("/corrections/news/feed.atom").data)
    assert feed.find(f"{ATOM}entry/{ATOM}title").text == "Correction: Bad title"
    page = client.get("/corrections/news").get_data(as_text=True)
    assert "Bad title" in page and "\uffff" not in page
