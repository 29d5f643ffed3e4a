"""A request's page and its actions: every transition, every refusal, bulk actions, escaping."""
import re

import pytest
import sqlalchemy as sa

from corrections.extensions import db
from corrections.models import CorrectionRequest, Editor, Event, OutboxMessage
from corrections.workflow import transitions
from corrections.workflow.transitions import Action, Details
from tests.helpers import (
    act,
    confirm_addresses,
    csrf_token,
    events_of,
    get_request,
    passage,
)


def apply(app, request_id: int, action: Action, editor_id: int | None = None, **details):
    with app.app_context():
        item = db.session.get(CorrectionRequest, request_id)
        who = db.session.get(Editor, editor_id) if editor_id else None
        transitions.transition(item, action, editor=who, version=item.version, details=Details(**details))


def snapshot(app, request_id: int) -> tuple:
    """Everything an action could change, to show that a refused one changed nothing."""
    with app.app_context():
        item = db.session.get(CorrectionRequest, request_id)
        events = db.session.scalar(sa.select(sa.func.count()).select_from(Event))
        mail = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
        return (item.state, item.version, item.assignee_id, item.duplicate_of_id,
                item.publication_type, item.public_note, events, mail)


@pytest.fixture
def item(report):
    return report()


# --- the page ----------------------------------------------------------------------------------

def test_page_links_the_article_with_a_text_fragment_at_the_passage(editor_client, item):
    page = editor_client.get(f"/dashboard/requests/{item}").get_data(as_text=True)
    link = re.search(r'class="article-link" href="([^"]+)"', page).group(1)
    assert link == ("https://news.example.org/2026/11/city-library-reopens"
                    "#:~:text=Monday%20morning%2C%20and-,more%20then%20two%20hundred,"
                    "-readers%20were%20waiting")


def test_page_shows_the_passage_in_context_and_a_word_diff(editor_client, item):
    page = editor_client.get(f"/dashboard/requests/{item}").get_data(as_text=True)
    assert "…Monday morning, and <mark>more then two hundred</mark> readers were waiting…" in page
    assert ('<p class="diff">more <del><span class="vh">removed: </span>then</del>'
            '<ins><span class="vh">added: </span>than</ins> two hundred</p>') in page


def test_page_lists_every_report_with_name_and_email_only_when_given(editor_client, report):
    number = report()
    report(ip="192.0.2.77", name="", email="", notify=False, comment="Second reader here.")
    page = editor_client.get(f"/dashboard/requests/{number}").get_data(as_text=True)
    reports = re.findall(r"<li>\s*(.*?)</li>", page.split('class="submissions"')[1].split("</ol>")[0], re.S)
    assert len(reports) == 2
    assert "A. Reader" in reports[0] and "reader@example.net" in reports[0]
    assert "Second reader here." in reports[1] and "@" not in reports[1]


def test_page_shows_the_audit_trail(app, editor_client, item, editor):
    apply(app, item, Action.CLAIM, editor)
    page = editor_client.get(f"/dashboard/requests/{item}").get_data(as_text=True)
    trail = page.split('class="trail"')[1].split("</ol>")[0]
    assert "Reported" in trail and "editor@news.example.org" in trail and "New → In review" in trail


def test_unknown_request_is_404(editor_client):
    assert editor_client.get("/dashboard/requests/999999").status_code == 404


# --- every transition --------------------------------------------------------------------------

def test_claim_assigns_me_and_starts_the_review(app, editor_client, item, editor):
    response = act(editor_client, item, "claim")
    assert response.status_code == 303
    saved = get_request(app, item)
    assert (saved.state.value, saved.assignee_id, saved.version) == ("in_review", editor, 2)
    assert events_of(app, item)[-1] == ("claim", "new", "in_review")


def test_assign_to_a_colleague_and_back_to_nobody(app, editor_client, item, make_editor):
    colleague = make_editor(email="colleague@news.example.org")
    act(editor_client, item, "assign", assignee=str(colleague))
    assert get_request(app, item).assignee_id == colleague
    act(editor_client, item, "assign", assignee="")
    assert get_request(app, item).assignee_id is None
    assert [e[0] for e in events_of(app, item)[-2:]] == ["assign", "assign"]


def test_assign_to_an_unknown_editor_is_refused(app, editor_client, item):
    before = snapshot(app, item)
    response = act(editor_client, item, "assign", assignee="424242")
    assert response.status_code == 422 and "active editor" in response.get_data(as_text=True)
    assert snapshot(app, item) == before


def test_accept(app, editor_client, item):
    assert act(editor_client, item, "accept").status_code == 303
    assert get_request(app, item).state.value == "accepted"
    assert events_of(app, item)[-1] == ("accept", "new", "accepted")


def test_reject_with_a_reason_tells_the_reader(app, editor_client, item):
    assert confirm_addresses(app) == ["reader@example.net"]
    assert act(editor_client, item, "reject", note="It says “than” already.").status_code == 303
    assert get_request(app, item).state.value == "rejected"
    with app.app_context():
        event = db.session.scalars(sa.select(Event).order_by(Event.id.desc())).first()
        assert event.note == "It says “than” already."
        assert db.session.scalar(sa.select(OutboxMessage.kind).where(
            OutboxMessage.kind == "reader_rejected")) == "reader_rejected"


def test_reject_without_a_reason_is_refused(app, editor_client, item):
    before = snapshot(app, item)
    response = act(editor_client, item, "reject", note="   ")
    assert response.status_code == 422
    assert "Give a reason for rejecting." in response.get_data(as_text=True)
    assert snapshot(app, item) == before


def test_mark_spam(app, editor_client, item):
    assert act(editor_client, item, "spam").status_code == 303
    assert get_request(app, item).state.value == "spam"


def test_mark_spam_also_for_everything_open_from_the_same_sender(app, editor_client, report):
    first = report(**passage(1), ip="203.0.113.5")
    second = report(**passage(2), ip="203.0.113.5")
    closed = report(**passage(3), ip="203.0.113.5")
    apply(app, closed, Action.REJECT, note="Old.")
    innocent = report(**passage(4), ip="198.51.100.20")
    page = editor_client.get(f"/dashboard/requests/{first}").get_data(as_text=True)
    assert "Also mark the 1 other open request from the same sender as spam" in page
    response = act(editor_client, first, "spam", same_client="y")
    assert response.status_code == 303
    states = {n: get_request(app, n).state.value for n in (first, second, closed, innocent)}
    assert states == {first: "spam", second: "spam", closed: "rejected", innocent: "new"}
    assert events_of(app, second)[-1] == ("spam", "new", "spam")


def test_duplicate_of_another_request(app, editor_client, report):
    original, copy = report(**passage(1)), report(**passage(2))
    assert act(editor_client, copy, "duplicate", duplicate_of=f"#{original}").status_code == 303
    saved = get_request(app, copy)
    assert (saved.state.value, saved.duplicate_of_id) == ("duplicate", original)


@pytest.mark.parametrize("target,message", [
    ("self", "cannot be a duplicate of itself"),
    ("999999", "There is no request #999999"),
    ("abc", "Give the number of the request"),
    ("", "Give the number of the request"),
])
def test_duplicate_of_itself_or_an_unknown_request_is_refused(app, editor_client, item, target,
                                                              message):
    before = snapshot(app, item)
    response = act(editor_client, item, "duplicate",
                   duplicate_of=str(item) if target == "self" else target)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert snapshot(app, item) == before


def test_publish_with_type_and_public_note(app, editor_client, item):
    act(editor_client, item, "accept")
    response = act(editor_client, item, "publish", publication_type="clarification",
                   public_note="An earlier version said “then”.")
    assert response.status_code == 303
    saved = get_request(app, item)
    assert (saved.state.value, saved.publication_type.value, saved.public_note) == (
        "published", "clarification", "An earlier version said “then”.")
    assert saved.published_at is not None


@pytest.mark.parametrize("fields", [{"publication_type": "correction", "public_note": ""},
                                    {"publication_type": "", "public_note": "A note."},
                                    {"publication_type": "rumour", "public_note": "A note."}])
def test_publish_without_type_or_note_is_refused(app, editor_client, item, fields):
    act(editor_client, item, "accept")
    before = snapshot(app, item)
    response = act(editor_client, item, "publish", **fields)
    assert response.status_code == 422
    assert snapshot(app, item) == before


def test_refused_publish_keeps_what_the_editor_typed(app, editor_client, item):
    act(editor_client, item, "accept")
    response = act(editor_client, item, "publish", publication_type="", public_note="Keep me.")
    assert "Keep me.</textarea>" in response.get_data(as_text=True)


def test_reopen_a_published_request(app, editor_client, item, editor):
    apply(app, item, Action.ACCEPT, editor)
    apply(app, item, Action.PUBLISH, editor, publication_type="correction", public_note="Fixed.")
    assert act(editor_client, item, "reopen", note="The fix was wrong.").status_code == 303
    assert get_request(app, item).state.value == "in_review"
    assert events_of(app, item)[-1] == ("reopen", "published", "in_review")


# --- refusals ----------------------------------------------------------------------------------

@pytest.mark.parametrize("setup,action", [
    ([], "publish"), ([], "reopen"),
    ([Action.SPAM], "accept"), ([Action.ACCEPT], "accept"),
])
def test_action_the_state_does_not_allow_is_refused(app, editor_client, item, setup, action):
    for step in setup:
        apply(app, item, step)
    before = snapshot(app, item)
    version = get_request(app, item).version
    response = act(editor_client, item, action, version=version, public_note="x",
                   publication_type="correction")
    assert response.status_code == 409
    assert "cannot be given the action" in response.get_data(as_text=True)
    assert snapshot(app, item) == before


def test_stale_version_is_refused_and_shows_what_changed(app, editor_client, item, make_editor):
    page = editor_client.get(f"/dashboard/requests/{item}").get_data(as_text=True)
    seen = re.search(r'name="reject-seen" type="hidden" value="(\d+)"', page).group(1)
    colleague = make_editor(email="colleague@news.example.org")
    apply(app, item, Action.ACCEPT, colleague)  # a colleague acts first
    before = snapshot(app, item)
    token = csrf_token(editor_client, f"/dashboard/requests/{item}")
    response = editor_client.post(f"/dashboard/requests/{item}/reject", data={
        "reject-csrf_token": token, "reject-version": "1", "reject-seen": seen,
        "reject-note": "Not an error."})
    text = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else changed this request" in text
    assert "What changed since you opened this page" in text
    assert "colleague@news.example.org: accept" in text
    assert snapshot(app, item) == before


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_action_without_a_valid_csrf_token_is_refused(app, editor_client, item, token):
    before = snapshot(app, item)
    data = {"accept-version": "1"} | ({"accept-csrf_token": token} if token else {})
    response = editor_client.post(f"/dashboard/requests/{item}/accept", data=data)
    assert response.status_code == 400
    assert snapshot(app, item) == before


def test_action_without_a_version_is_refused(app, editor_client, item):
    before = snapshot(app, item)
    token = csrf_token(editor_client, f"/dashboard/requests/{item}")
    response = editor_client.post(f"/dashboard/requests/{item}/accept",
                                  data={"accept-csrf_token": token})
    assert response.status_code == 400
    assert snapshot(app, item) == before


def test_unknown_action_is_404(editor_client, item):
    token = csrf_token(editor_client, f"/dashboard/requests/{item}")
    response = editor_client.post(f"/dashboard/requests/{item}/delete",
                                  data={"delete-csrf_token": token, "delete-version": "1"})
    assert response.status_code == 404


def test_actions_need_a_session(app, client, item):
    response = client.post(f"/dashboard/requests/{item}/accept", data={"accept-version": "1"})
    assert response.status_code in (302, 400)
    assert get_request(app, item).state.value == "new"


# --- bulk --------------------------------------------------------------------------------------

def bulk(client, action: str, selection: list[tuple[int, int]], note: str = "", query: str = ""):
    token = csrf_token(client, "/dashboard/")
    return client.post(f"/dashboard/bulk{query}", data={
        "csrf_token": token, "action": action, "note": note,
        "select": [f"{n}:{v}" for n, v in selection]})


def test_bulk_action_applies_to_every_selected_request(app, editor_client, report):
    numbers = [report(**passage(n)) for n in range(3)]
    response = bulk(editor_client, "accept", [(n, 1) for n in numbers[:2]], query="?kind=typo")
    assert response.status_code == 303 and response.location == "/dashboard/?kind=typo"
    assert [get_request(app, n).state.value for n in numbers] == ["accepted", "accepted", "new"]


def test_bulk_action_refused_for_one_changes_none(app, editor_client, report):
    numbers = [report(**passage(n)) for n in range(3)]
    apply(app, numbers[1], Action.SPAM)
    before = [snapshot(app, n) for n in numbers]
    response = bulk(editor_client, "accept", [(numbers[0], 1), (numbers[1], 2), (numbers[2], 1)])
    assert response.status_code == 409
    assert f"#{numbers[1]} is spam" in response.get_data(as_text=True)
    assert [snapshot(app, n) for n in numbers] == before


def test_bulk_action_with_a_stale_row_changes_none(app, editor_client, report):
    numbers = [report(**passage(n)) for n in range(2)]
    apply(app, numbers[1], Action.CLAIM)  # now at version 2; the editor saw 1
    before = [snapshot(app, n) for n in numbers]
    response = bulk(editor_client, "spam", [(numbers[0], 1), (numbers[1], 1)])
    assert response.status_code == 409
    assert "Someone else changed this request" in response.get_data(as_text=True)
    assert [snapshot(app, n) for n in numbers] == before


def test_bulk_reject_needs_a_reason(app, editor_client, report):
    number = report()
    response = bulk(editor_client, "reject", [(number, 1)])
    assert response.status_code == 422
    assert get_request(app, number).state.value == "new"
    assert bulk(editor_client, "reject", [(number, 1)], note="Not errors.").status_code == 303
    assert get_request(app, number).state.value == "rejected"


@pytest.mark.parametrize("action,selection", [("", ["1:1"]), ("publish", ["1:1"]),
                                              ("accept", []), ("accept", ["x:1"])])
def test_bulk_action_needs_an_allowed_action_and_a_selection(app, editor_client, item, action,
                                                             selection):
    token = csrf_token(editor_client, "/dashboard/")
    response = editor_client.post("/dashboard/bulk", data={
        "csrf_token": token, "action": action, "select": selection})
    assert response.status_code == 422
    assert get_request(app, item).state.value == "new"


# --- reader text is data -----------------------------------------------------------------------

HOSTILE = {
    "title": '<script>alert("title")</script>',
    "quote": {"exact": '<script>alert(1)</script> "onmouseover="alert(2)', "prefix": "", "suffix": ""},
    "suggestion": '<img src=x onerror=alert(3)> javascript:alert(4)',
    "comment": '<a href="javascript:alert(5)">click</a> "onmouseover=alert(6)',
    "name": "<b>bold</b>",
}


@pytest.mark.parametrize("path", ["/dashboard/", "/dashboard/?state=all&q=script",
                                  "/dashboard/requests/{id}"])
def test_reader_text_is_inert_text_on_every_page(editor_client, report, path):
    number = report(**HOSTILE)
    page = editor_client.get(path.format(id=number)).get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page and "<b>bold" not in page
    assert 'href="javascript:' not in page and '"onmouseover="alert' not in page
    assert "&lt;script&gt;" in page and "&#34;onmouseover=" in page
