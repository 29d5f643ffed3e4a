"""The public record: amend, withdraw and reopen never make a published correction vanish;
the log by article, a page per article, keyset pages, the Atom feed and schema.org markup."""
import re
from html import unescape

import feedparser
import pytest
import sqlalchemy as sa
from babel.dates import format_date
from pyld import jsonld

from corrections.extensions import db
from corrections.models import CorrectionRequest, Event, PublicCorrection, Site
from corrections.public import record
from tests.helpers import (
    ORIGIN,
    act,
    csrf_token_in,
    events_of,
    get_request,
    passage,
    publish,
)

ARTICLE = f"{ORIGIN}/2026/11/city-library-reopens"


def snapshot(app, request_id: int) -> tuple:
    """What an action could change, to show that a refused one changed nothing."""
    with app.app_context():
        item = db.session.get(CorrectionRequest, request_id)
        entry = db.session.get(PublicCorrection, request_id)
        events = db.session.scalar(sa.select(sa.func.count()).select_from(Event))
        version = db.session.scalar(sa.select(Site.public_version).where(Site.id == item.site_id))
        return (item.state, item.version, item.public_note, events, version,
                entry and (entry.status, entry.note, entry.updated_at, entry.withdrawn_at))


def entry_of(app, request_id: int) -> PublicCorrection:
    with app.app_context():
        entry = db.session.get(PublicCorrection, request_id)
        db.session.expunge(entry)
        return entry


@pytest.fixture
def published(app, report):
    request_id = report(title="City library reopens")
    publish(app, request_id, "We misstated the opening hours.")
    return request_id


def log_entry(client, request_id: int, path="/corrections/news") -> str:
    page = client.get(path).get_data(as_text=True)
    found = re.search(rf'<article class="log-entry[^"]*" id="correction-{request_id}">(.*?)</article>',
                      page, re.DOTALL)
    assert found, f"correction-{request_id} is not on {path}"
    return unescape(found.group(1))


# --- amend --------------------------------------------------------------------------------------

def test_amending_shows_the_new_note_with_first_publication_and_updated_dates(
        app, client, editor_client, published):
    first = entry_of(app, published).published_at
    response = act(editor_client, published, "amend", public_note="We misstated the hours: 9 to 5.",
                   publication_type="correction")
    assert response.status_code == 303, response.get_data(as_text=True)
    entry = entry_of(app, published)
    assert entry.published_at == first and entry.updated_at >= first
    shown = log_entry(client, published)
    assert "We misstated the hours: 9 to 5." in shown and "We misstated the opening hours." not in shown
    assert f'datetime="{first.isoformat()}Z"' in shown
    assert "updated" in shown and f'datetime="{entry.updated_at.isoformat()}Z"' in shown


def test_amending_keeps_the_earlier_wording_in_the_audit_trail(app, editor_client, published):
    act(editor_client, published, "amend", public_note="Second wording.",
        publication_type="clarification")
    with app.app_context():
        last = db.session.scalars(sa.select(Event).where(Event.request_id == published)
                                  .order_by(Event.id.desc())).first()
        assert last.action == "amend" and last.editor is not None
        assert "We misstated the opening hours." in last.note
    page = editor_client.get(f"/dashboard/requests/{published}").get_data(as_text=True)
    assert "We misstated the opening hours." in unescape(page)


def test_amending_from_a_stale_page_is_refused_and_changes_nothing(app, editor_client, published):
    stale = get_request(app, published).version
    act(editor_client, published, "amend", public_note="By someone else.")
    before = snapshot(app, published)
    response = act(editor_client, published, "amend", version=stale, public_note="Mine.")
    assert response.status_code == 409
    assert snapshot(app, published) == before


def test_amending_without_a_new_note_is_refused_and_changes_nothing(app, editor_client, published):
    before = snapshot(app, published)
    response = act(editor_client, published, "amend", public_note="  ")
    assert response.status_code == 422 and "new public note" in response.get_data(as_text=True)
    assert snapshot(app, published) == before


def test_amending_without_the_csrf_token_is_refused(app, editor_client, published):
    before = snapshot(app, published)
    version = get_request(app, published).version
    response = editor_client.post(f"/dashboard/requests/{published}/amend",
                                  data={"amend-version": str(version), "amend-public_note": "X"})
    assert response.status_code == 400
    assert snapshot(app, published) == before


# --- withdraw -----------------------------------------------------------------------------------

def test_a_withdrawn_correction_stays_on_the_log_with_when_and_why(app, client, editor_client,
                                                                    published):
    response = act(editor_client, published, "withdraw",
                   public_note="the hours we first gave were right")
    assert response.status_code == 303, response.get_data(as_text=True)
    entry = entry_of(app, published)
    shown = log_entry(client, published)
    assert "We misstated the opening hours." in shown
    when = format_date(entry.withdrawn_at, "long", locale="en")  # as Babel writes it for the page
    assert f"Withdrawn on {when} because: the hours we first gave were right" in shown
    assert events_of(app, published)[-1] == ("withdraw", "published", "published")


def test_withdrawing_needs_a_public_reason(app, editor_client, published):
    before = snapshot(app, published)
    response = act(editor_client, published, "withdraw", public_note="")
    assert response.status_code == 422
    assert snapshot(app, published) == before


def test_a_withdrawn_correction_cannot_be_amended(app, editor_client, published):
    act(editor_client, published, "withdraw", public_note="wrong")
    page = editor_client.get(f"/dashboard/requests/{published}").get_data(as_text=True)
    assert 'data-action="amend"' not in page and 'data-action="reopen"' in page
    before = snapshot(app, published)
    response = act(editor_client, published, "amend", version=get_request(app, published).version,
                   public_note="Sneaky.")
    assert response.status_code == 409
    assert snapshot(app, published) == before


# --- reopen -------------------------------------------------------------------------------------

def test_reopening_leaves_the_public_entry_as_it_was(app, client, editor_client, published):
    shown_before = log_entry(client, published)
    feed_before = feedparser.parse(client.get("/corrections/news/feed.atom").data).entries
    response = act(editor_client, published, "reopen", note="Check the hours again.")
    assert response.status_code == 303
    assert get_request(app, published).state.value == "in_review"
    assert log_entry(client, published) == shown_before
    feed_after = feedparser.parse(client.get("/corrections/news/feed.atom").data).entries
    assert [(e.id, e.updated, e.summary) for e in feed_after] == \
        [(e.id, e.updated, e.summary) for e in feed_before]


def test_publishing_again_after_reopening_shows_the_entry_as_updated(app, client, editor_client,
                                                                    published):
    first = entry_of(app, published).published_at
    act(editor_client, published, "reopen")
    act(editor_client, published, "accept")
    response = act(editor_client, published, "publish", publication_type="clarification",
                   public_note="The hours were 9 to 5.")
    assert response.status_code == 303
    entry = entry_of(app, published)
    assert entry.published_at == first and entry.updated_at is not None
    assert entry.publication_type.value == "clarification"
    assert "The hours were 9 to 5." in log_entry(client, published)


def test_publishing_a_withdrawn_correction_again_makes_it_current(app, client, editor_client,
                                                                 published):
    act(editor_client, published, "withdraw", public_note="wrong")
    act(editor_client, published, "reopen")
    act(editor_client, published, "accept")
    act(editor_client, published, "publish", publication_type="correction", public_note="Right now.")
    assert entry_of(app, published).status.value == "published"
    assert "Withdrawn on" not in log_entry(client, published)


# --- the log ------------------------------------------------------------------------------------

def test_the_log_groups_by_article_with_the_newest_activity_first(app, client, editor_client,
                                                                 report):
    older = report(url=f"{ORIGIN}/older", title="Older story")
    newer = report(url=f"{ORIGIN}/newer", title="Newer story")
    second_on_older = report(url=f"{ORIGIN}/older", title="Older story", **passage(2))
    publish(app, older, "First fix.")
    publish(app, newer, "Second fix.")
    page = client.get("/corrections/news").get_data(as_text=True)
    assert page.index(">Newer story<") < page.index(">Older story<")
    publish(app, second_on_older, "Third fix.")
    page = client.get("/corrections/news").get_data(as_text=True)
    assert page.index(">Older story<") < page.index(">Newer story<")
    assert page.count(">Older story<") == 1  # one heading, both of its entries under it
    section = page[page.index(">Older story<"):page.index(">Newer story<")]
    assert f'id="correction-{older}"' in section and f'id="correction-{second_on_older}"' in section


def test_an_entry_links_to_the_article_at_the_passage(app, client, report):
    request_id = report(quote={"exact": "cost €5, a bargain-ish & more", "prefix": "It ",
                               "suffix": " today"})
    publish(app, request_id, "Fixed.")
    link = re.search(r'class="log-passage" href="([^"]+)"',
                     client.get("/corrections/news").get_data(as_text=True)).group(1)
    assert unescape(link) == (f"{ARTICLE}#:~:text=It-,cost%20%E2%82%AC5%2C%20a%20bargain%2Dish"
                              "%20%26%20more,-today")


def test_each_article_has_its_own_page_with_its_entries(app, client, report):
    here = report(url=f"{ORIGIN}/here", title="Here")
    there = report(url=f"{ORIGIN}/there", title="There")
    publish(app, here, "Fixed here.")
    publish(app, there, "Fixed there.")
    article_id = get_request(app, here).article_id
    page = client.get(f"/corrections/news/articles/{article_id}").get_data(as_text=True)
    assert "Fixed here." in page and "Fixed there." not in page
    assert f'id="correction-{here}"' in page


def test_an_article_page_without_public_entries_is_404(app, client, report):
    article_id = get_request(app, report()).article_id  # reported, never published
    assert client.get(f"/corrections/news/articles/{article_id}").status_code == 404


def test_an_article_page_of_another_site_is_404(app, client, make_site, report):
    make_site(key="other", name="Other", origins=("https://other.example",))
    request_id = report()
    publish(app, request_id, "Fixed.")
    article_id = get_request(app, request_id).article_id
    assert client.get(f"/corrections/other/articles/{article_id}").status_code == 404


def test_the_log_pages_by_article_with_a_keyset_link(app, client, report, monkeypatch):
    monkeypatch.setattr(record, "ARTICLES_PER_PAGE", 2)
    ids = [report(url=f"{ORIGIN}/story-{n}", title=f"Story {n}") for n in range(3)]
    for request_id in ids:
        publish(app, request_id, "Fixed.")
    first = client.get("/corrections/news").get_data(as_text=True)
    assert "Story 2" in first and "Story 1" in first and "Story 0" not in first
    following = unescape(re.search(r'<a rel="next" href="([^"]+)"', first).group(1))
    second = client.get(following).get_data(as_text=True)
    assert "Story 0" in second and "Story 1" not in second and 'rel="next"' not in second


@pytest.mark.parametrize("cursor", ["yesterday,abc", "2026-11-30T10:00:00", "2026-11-30,1x",
                                    "2026-11-30T10:00:00,99999999999999999999999",
                                    ",", "2026-13-40T99:00:00,1"])
def test_a_bad_log_cursor_is_a_400_that_says_so(app, client, published, cursor):
    response = client.get("/corrections/news", query_string={"before": cursor})
    assert response.status_code == 400
    assert "This page link is not valid" in response.get_data(as_text=True)


# --- the feed -----------------------------------------------------------------------------------

def test_the_feed_is_valid_atom_with_published_and_updated_per_entry(app, client, editor_client,
                                                                    published):
    act(editor_client, published, "amend", public_note="Amended.")
    feed = feedparser.parse(client.get("/corrections/news/feed.atom").data)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    # RFC 4287 4.1.1: a feed has id, title and updated (and an author, here the feed's).
    assert feed.feed.id == "http://corrections.test/corrections/news"
    assert feed.feed.title and feed.feed.updated_parsed and feed.feed.author
    assert any(link.rel == "self" for link in feed.feed.links)
    [entry] = feed.entries
    # 4.1.2: an entry has id, title, updated; here published too, and a link to where it is shown.
    stored = entry_of(app, published)
    assert entry.id == f"http://corrections.test/corrections/news#correction-{published}"
    assert entry.title.startswith("Correction: ")
    assert entry.published == f"{stored.published_at:%Y-%m-%dT%H:%M:%SZ}"
    assert entry.updated == f"{stored.updated_at:%Y-%m-%dT%H:%M:%SZ}"
    assert entry.summary == "Amended."
    alternate = [link.href for link in entry.links if link.rel == "alternate"]
    assert alternate == [(f"http://corrections.test/corrections/news/articles/{stored.article_id}"
                         f"#correction-{published}")]


def test_the_feeds_entry_ids_have_anchors_on_the_log(app, client, published):
    feed = feedparser.parse(client.get("/corrections/news/feed.atom").data)
    page = client.get("/corrections/news").get_data(as_text=True)
    for entry in feed.entries:
        assert f'id="{entry.id.split("#")[1]}"' in page


def test_a_withdrawn_correction_stays_in_the_feed_marked_withdrawn(app, client, editor_client,
                                                                  published):
    act(editor_client, published, "withdraw", public_note="it was right")
    [entry] = feedparser.parse(client.get("/corrections/news/feed.atom").data).entries
    assert entry.title.startswith("Withdrawn: ")
    assert "because: it was right" in entry.summary


# --- schema.org -----------------------------------------------------------------------------------

SCHEMA = "http://schema.org/"


def offline_loader(url, options=None):
    """schema.org's context, offline: its vocabulary is what the expansion needs here."""
    assert url.rstrip("/") in ("https://schema.org", "http://schema.org"), url
    return {"contextUrl": None, "documentUrl": url,
            "document": {"@context": {"@vocab": SCHEMA}}}


def jsonld_blocks(html: str) -> list[dict]:
    import json
    return [json.loads(block) for block in
            re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL)]


def corrections_in(block: dict) -> list[dict]:
    expanded = jsonld.expand(block, {"documentLoader": offline_loader})
    found = []
    for node in expanded:
        if node.get("@graph"):
            expanded.extend(node["@graph"])
            continue
        if f"{SCHEMA}NewsArticle" in node.get("@type", []):
            found.extend(node[f"{SCHEMA}correction"])
    return found


def test_the_article_page_carries_a_news_article_with_its_corrections(app, client, published):
    article_id = get_request(app, published).article_id
    [block] = jsonld_blocks(client.get(f"/corrections/news/articles/{article_id}").get_data(as_text=True))
    [comment] = corrections_in(block)
    assert comment["@type"] == [f"{SCHEMA}CorrectionComment"]
    assert comment[f"{SCHEMA}text"] == [{"@value": "We misstated the opening hours."}]
    published_at = entry_of(app, published).published_at
    assert comment[f"{SCHEMA}datePublished"] == [{"@value": f"{published_at:%Y-%m-%dT%H:%M:%SZ}"}]
    assert block["url"] == ARTICLE


def test_the_log_carries_every_corrected_article(app, client, report):
    publish(app, report(url=f"{ORIGIN}/a"), "Fixed a.")
    publish(app, report(url=f"{ORIGIN}/b"), "Fixed b.")
    [block] = jsonld_blocks(client.get("/corrections/news").get_data(as_text=True))
    texts = sorted(c[f"{SCHEMA}text"][0]["@value"] for c in corrections_in(block))
    assert texts == ["Fixed a.", "Fixed b."]


def test_the_markup_escapes_what_would_end_the_script(app, client, report):
    publish(app, report(), "</script><script>alert(1)</script>")
    html = client.get("/corrections/news").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    [block] = jsonld_blocks(html)
    assert corrections_in(block)[0][f"{SCHEMA}text"][0]["@value"] == \
        "</script><script>alert(1)</script>"


def save_policy(app, admin_client, policy_url: str):
    """Post the site's settings form, unchanged but for its corrections policy URL."""
    with app.app_context():
        site_id = db.session.scalar(sa.select(Site.id))
    token = csrf_token_in(admin_client.get(f"/dashboard/sites/{site_id}").get_data(as_text=True))
    return admin_client.post(f"/dashboard/sites/{site_id}", data={
        "csrf_token": token, "key": "news", "name": "The Example News", "origins": ORIGIN,
        "notify_emails": "desk@news.example.org", "language": "en", "notify_mode": "immediate",
        "corrections_policy_url": policy_url})


def test_the_publisher_names_the_corrections_policy_the_admin_set(app, client, admin_client,
                                                                 published):
    response = save_policy(app, admin_client, "https://news.example.org/about/corrections#policy")
    assert response.status_code == 303, response.get_data(as_text=True)
    [block] = jsonld_blocks(client.get("/corrections/news").get_data(as_text=True))
    [node] = [n for n in jsonld.expand(block, {"documentLoader": offline_loader})
              if f"{SCHEMA}publisher" in n]
    [publisher] = node[f"{SCHEMA}publisher"]
    assert publisher[f"{SCHEMA}correctionsPolicy"] == \
        [{"@value": "https://news.example.org/about/corrections#policy"}]


def test_a_corrections_policy_that_is_not_a_web_address_is_refused(app, admin_client, site):
    response = save_policy(app, admin_client, "javascript:alert(1)")
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(sa.select(Site.corrections_policy_url)) == ""


def test_site_add_sets_the_corrections_policy(app, runner):
    result = runner.invoke(args=["site", "add", "paper", "--name", "Paper", "--origin",
                                 "https://paper.example", "--notify", "desk@paper.example",
                                 "--corrections-policy", "https://paper.example/corrections"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(sa.select(Site.corrections_policy_url)
                                 .where(Site.key == "paper")) == "https://paper.example/corrections"
