"""Text search in the queue: indexed (trigram) lookups kept in step with every write."""
import pytest
import sqlalchemy as sa

from corrections.dashboard import queries
from corrections.extensions import db
from corrections.models import Submission
from tests.helpers import passage
from tests.test_dashboard_queue import listed, tab_count


def search(client, term: str) -> list[int]:
    return listed(client.get("/dashboard/", query_string={"q": term, "state": "all"}))


def test_search_finds_a_comment_from_a_later_report_on_the_same_request(editor_client, report):
    first = report(**passage(1), comment="first reader")
    assert report(**passage(1), ip="192.0.2.7", comment="the lighthouse keeper said so") == first
    report(**passage(2), comment="someone else")
    assert search(editor_client, "lighthouse keeper") == [first]


def test_search_follows_a_comment_that_was_changed(app, editor_client, report):
    number = report(**passage(1), comment="an old remark")
    with app.app_context():
        db.session.execute(sa.update(Submission).values(comment="a fresh remark"))
        db.session.commit()
    assert search(editor_client, "old remark") == []
    assert search(editor_client, "fresh remark") == [number]


def test_search_forgets_a_deleted_report(app, editor_client, report):
    report(**passage(1), comment="soon to be gone")
    kept = report(**passage(2), comment="soon to stay")
    with app.app_context():
        db.session.execute(sa.delete(Submission).where(Submission.comment == "soon to be gone"))
        db.session.commit()
    assert search(editor_client, "soon to") == [kept]


@pytest.mark.parametrize("term", ['"quoted"', 'quoted" OR "plain', "NEAR(quoted", "quo*"])
def test_search_syntax_in_the_term_is_text(editor_client, report, term):
    report(**passage(1, suggestion="plain quoted words"))
    special = report(**passage(2, suggestion=f'it says {term} here'))
    assert search(editor_client, term) == [special]


def test_search_treats_backslash_literally_in_longer_terms(editor_client, report):
    report(**passage(1, suggestion="C:new folder"))
    special = report(**passage(2, suggestion="C:\\new folder"))
    assert search(editor_client, "C:\\n") == [special]


def test_search_ignores_case_beyond_ascii(editor_client, report):
    report(**passage(1, suggestion="in Zurich"))
    found = report(**passage(2, suggestion="in Zürich"))
    assert search(editor_client, "ZÜRICH") == [found]


@pytest.mark.parametrize("term", ["ab", "c"])
def test_search_shorter_than_a_trigram_still_finds_by_scanning(editor_client, report, term):
    assert len(term) < queries.INDEXED_SEARCH_LENGTH
    report(**passage(1, suggestion="nothing here"))
    found = report(**passage(2, suggestion="the word cab"))
    assert search(editor_client, term) == [found]


def test_search_narrows_the_state_counts(editor_client, report):
    report(**passage(1))
    report(**passage(2, comment="the lighthouse keeper"))
    assert tab_count(editor_client.get("/dashboard/", query_string={"q": "lighthouse"}), "New") == "1"
