"""The queue at /dashboard/: counts, filters, search, order, keyset pages, export."""
import csv
import io
import re

import pytest
import sqlalchemy as sa

from corrections.dashboard import export, queries
from corrections.extensions import db
from corrections.models import CorrectionRequest, Editor, QueueCount
from corrections.workflow import transitions
from corrections.workflow.transitions import Action, Details
from tests.helpers import passage


def listed(response) -> list[int]:
    """Request numbers in the queue page, in order."""
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    page = response.get_data(as_text=True)
    return [int(n) for n in re.findall(r'<tr class="queue-row" id="row-(\d+)"', page)]


def tab_count(response, label: str) -> str:
    page = response.get_data(as_text=True)
    return re.search(rf'>{label}\s*<span class="count">([^<]+)</span>', page).group(1)


def apply(app, request_id: int, action: Action, editor_id: int | None = None, **details):
    with app.app_context():
        item = db.session.get(CorrectionRequest, request_id)
        who = db.session.get(Editor, editor_id) if editor_id else None
        transitions.transition(item, action, editor=who, version=item.version, details=Details(**details))


def test_queue_shows_a_row_with_site_title_passage_change_kind_reports_and_assignee(
        editor_client, report):
    number = report(**passage(1, kind="factual"))
    report(**passage(1, kind="factual"), ip="192.0.2.9")  # grouped: a second report
    page = editor_client.get("/dashboard/").get_data(as_text=True)
    row = re.search(rf'<tr class="queue-row" id="row-{number}">(.*?)</tr>', page, re.S).group(1)
    assert "The Example News" in row and "City library reopens" in row
    assert re.search(r"<del><span class=\"vh\">removed: </span>[^<]*number[^<]*</del>", row)
    assert re.search(r"<ins><span class=\"vh\">added: </span>corrected[^<]*</ins>", row)
    assert "Factual error" in row
    assert '<td class="reports" data-label="Reports">2</td>' in row
    assert ('<td class="assignee" data-label="Assignee">'
            '<span class="nobody" title="Nobody">—</span></td>') in row


def test_default_view_is_open_requests_newest_first(app, editor_client, report):
    first, second, third = (report(**passage(n)) for n in range(3))
    apply(app, second, Action.SPAM)
    assert listed(editor_client.get("/dashboard/")) == [third, first]


def test_counts_per_state(app, editor_client, report, editor):
    numbers = [report(**passage(n)) for n in range(4)]
    apply(app, numbers[0], Action.CLAIM, editor)
    apply(app, numbers[1], Action.REJECT, editor, note="Not an error.")
    response = editor_client.get("/dashboard/")
    assert (tab_count(response, "New"), tab_count(response, "In review"),
            tab_count(response, "Rejected"), tab_count(response, "Open"),
            tab_count(response, "All")) == ("2", "1", "1", "3", "4")


def test_counts_follow_narrower_filters(app, editor_client, report):
    report(**passage(1, kind="typo"))
    report(**passage(2, kind="factual"))
    response = editor_client.get("/dashboard/?kind=factual")
    assert (tab_count(response, "New"), tab_count(response, "All")) == ("1", "1")


def test_counts_stop_at_the_cap_when_counting_by_scan(app, editor_client, report, monkeypatch):
    monkeypatch.setattr(queries, "COUNT_CAP", 2)
    for n in range(3):
        report(**passage(n))
    assert tab_count(editor_client.get("/dashboard/?kind=typo"), "New") == "2+"


def test_state_counts_stay_equal_to_a_recount(app, report, editor):
    """The trigger-kept counts agree with COUNT(*) after intake, transitions and grouping."""
    numbers = [report(**passage(n)) for n in range(5)]
    report(**passage(0), ip="192.0.2.50")  # grouped into the first
    apply(app, numbers[0], Action.CLAIM, editor)
    apply(app, numbers[1], Action.SPAM, editor)
    apply(app, numbers[1], Action.REOPEN, editor)
    apply(app, numbers[2], Action.ACCEPT, editor)
    apply(app, numbers[2], Action.PUBLISH, editor, publication_type="correction", public_note="Fixed.")
    apply(app, numbers[3], Action.DUPLICATE, editor, duplicate_of_id=numbers[4])
    with app.app_context():
        recount = dict(db.session.execute(
            sa.select(CorrectionRequest.state, sa.func.count()).group_by(CorrectionRequest.state)).all())
        kept = {row.state: row.request_count for row in db.session.scalars(sa.select(QueueCount))
                if row.request_count}
    assert kept == recount


@pytest.mark.parametrize("state", ["new", "in_review", "spam"])
def test_filter_by_state(app, editor_client, report, editor, state):
    numbers = {s: report(**passage(n)) for n, s in enumerate(["new", "in_review", "spam"])}
    apply(app, numbers["in_review"], Action.CLAIM, editor)
    apply(app, numbers["spam"], Action.SPAM, editor)
    assert listed(editor_client.get(f"/dashboard/?state={state}")) == [numbers[state]]


def test_filter_by_site(app, editor_client, report, make_site):
    other = make_site(key="other", name="Other Gazette", origins=("https://other.example",))
    mine = report(**passage(1))
    theirs = report(**passage(2, site="other", url="https://other.example/a"))
    assert listed(editor_client.get(f"/dashboard/?site={other.id}")) == [theirs]
    assert mine not in listed(editor_client.get(f"/dashboard/?site={other.id}&state=all"))


def test_filter_by_kind(editor_client, report):
    report(**passage(1, kind="typo"))
    link = report(**passage(2, kind="broken_link"))
    assert listed(editor_client.get("/dashboard/?kind=broken_link")) == [link]


def test_filter_by_article(editor_client, report):
    from tests.helpers import ORIGIN
    report(**passage(1))
    elsewhere = report(**passage(2, url=f"{ORIGIN}/another-story"))
    page = editor_client.get("/dashboard/").get_data(as_text=True)
    article = re.search(rf'id="row-{elsewhere}">.*?href="/dashboard/\?article=(\d+)"', page, re.S).group(1)
    assert listed(editor_client.get(f"/dashboard/?article={article}")) == [elsewhere]


def test_filter_by_assignee(app, editor_client, report, editor, make_editor):
    colleague = make_editor(email="colleague@news.example.org")
    mine, theirs, nobodys = (report(**passage(n)) for n in range(3))
    apply(app, mine, Action.CLAIM, editor)
    apply(app, theirs, Action.CLAIM, colleague)
    assert listed(editor_client.get("/dashboard/?assignee=me")) == [mine]
    assert listed(editor_client.get(f"/dashboard/?assignee={colleague}")) == [theirs]
    assert listed(editor_client.get("/dashboard/?assignee=none")) == [nobodys]


@pytest.mark.parametrize("term", ["library", "LIBRARY", "proposed words", "source is the mayor"])
def test_search_covers_passage_proposal_and_comment(editor_client, report, term):
    report(**passage(1))
    found = report(**passage(2, quote={"exact": "the library opened", "prefix": "", "suffix": ""},
                             suggestion="the proposed words", comment="My source is the mayor."))
    assert listed(editor_client.get("/dashboard/", query_string={"q": term})) == [found]


@pytest.mark.parametrize("term", ["%", "_", "50%", "a_b", "/"])
def test_search_treats_like_wildcards_literally(editor_client, report, term):
    report(**passage(1, suggestion="nothing special here"))
    special = report(**passage(2, suggestion="up 50% from a_b/c"))
    assert listed(editor_client.get("/dashboard/", query_string={"q": term})) == [special]


def test_most_reported_first(editor_client, report):
    once = report(**passage(1))
    thrice = report(**passage(2))
    for ip in ("192.0.2.2", "192.0.2.3"):
        report(**passage(2), ip=ip)
    twice = report(**passage(3))
    report(**passage(3), ip="192.0.2.4")
    assert listed(editor_client.get("/dashboard/?sort=reports")) == [thrice, twice, once]


def follow(client, page, rel: str):
    found = re.search(rf'rel="{rel}" href="([^"]+)"', page.get_data(as_text=True))
    return client.get(found.group(1).replace("&amp;", "&")) if found else None


@pytest.mark.parametrize("sort", ["newest", "reports"])
@pytest.mark.parametrize("state", ["new", "open"])
def test_keyset_pages_cover_the_queue_once_each_way(app, editor_client, report, editor,
                                                    monkeypatch, sort, state):
    monkeypatch.setattr(queries, "PAGE_SIZE", 3)
    numbers = [report(**passage(n)) for n in range(8)]
    for extra, n in enumerate((2, 3, 3, 5)):  # ties and differences in report counts
        report(**passage(n), ip=f"192.0.2.{100 + extra}")
    apply(app, numbers[1], Action.CLAIM, editor)
    apply(app, numbers[6], Action.CLAIM, editor)
    expected = [n for n in numbers if state == "open" or n not in (numbers[1], numbers[6])]
    pages, page = [], editor_client.get(f"/dashboard/?state={state}&sort={sort}")
    while page is not None:
        pages.append(listed(page))
        last, page = page, follow(editor_client, page, "next")
    walked = [n for p in pages for n in p]
    assert sorted(walked) == sorted(expected) and len(walked) == len(set(walked))
    full, rest = divmod(len(expected), 3)
    assert [len(p) for p in pages] == [3] * full + ([rest] if rest else [])
    back, page = [], follow(editor_client, last, "prev")
    while page is not None:
        back.append(listed(page))
        page = follow(editor_client, page, "prev")
    assert back == pages[-2::-1]


def test_previous_page_leads_back(app, editor_client, report, monkeypatch):
    monkeypatch.setattr(queries, "PAGE_SIZE", 2)
    numbers = [report(**passage(n)) for n in range(5)]
    first = editor_client.get("/dashboard/")
    second_url = re.search(r'rel="next" href="([^"]+)"', first.get_data(as_text=True)).group(1)
    second = editor_client.get(second_url.replace("&amp;", "&"))
    back_url = re.search(r'rel="prev" href="([^"]+)"', second.get_data(as_text=True)).group(1)
    back = editor_client.get(back_url.replace("&amp;", "&"))
    assert listed(back) == listed(first) == numbers[:-3:-1]
    assert listed(second) == [numbers[2], numbers[1]]


@pytest.mark.parametrize("query", ["state=bogus", "kind=rumour", "site=abc", "article=1x",
                                   "assignee=someone", "sort=random", "after=abc",
                                   "sort=reports&after=12", "before=1.2.3", "q=" + "x" * 201])
def test_unreadable_filters_get_a_400(editor_client, query):
    response = editor_client.get(f"/dashboard/?{query}")
    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True) or "at most" in response.get_data(as_text=True)


# --- export ------------------------------------------------------------------------------------

def export_rows(client, query="") -> list[dict]:
    response = client.get(f"/dashboard/export.csv{query}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_export_lists_the_filtered_queue(app, editor_client, report, make_site):
    report(**passage(1, kind="typo"))
    factual = report(**passage(2, kind="factual"))
    rows = export_rows(editor_client, "?kind=factual")
    assert [int(r["Request"]) for r in rows] == [factual]
    assert rows[0]["Passage"] == "passage number 2" and rows[0]["Reports"] == "1"


def test_export_runs_past_one_batch(app, editor_client, report, monkeypatch):
    monkeypatch.setattr(export, "EXPORT_BATCH", 2)
    numbers = [report(**passage(n)) for n in range(5)]
    assert [int(r["Request"]) for r in export_rows(editor_client)] == numbers[::-1]


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://evil.example\")", "+1+2", "-2+3", "@SUM(A1)",
                                  "  =1+1", "\t=1"])
def test_export_neutralises_spreadsheet_formulas(editor_client, report, text):
    report(**passage(1, suggestion=text))
    [row] = export_rows(editor_client)
    assert row["Proposed"] == "'" + text.strip()  # the intake trims; the export adds the quote


def test_csv_cell_leaves_ordinary_text_alone():
    assert export.csv_cell("more than two hundred") == "more than two hundred"
    assert export.csv_cell("=1") == "'=1"


def test_dashboard_pages_are_not_kept_in_caches(editor_client):
    assert editor_client.get("/dashboard/").headers["Cache-Control"] == "no-store"
