"""The public corrections log and its Atom feed."""
import xml.etree.ElementTree as ET

from tests.helpers import ORIGIN, publish, request_ids

ATOM = "{http://www.w3.org/2005/Atom}"


def test_log_lists_published_corrections_only(app, client, post_suggestion):
    post_suggestion(url=f"{ORIGIN}/published", title="The published one")
    post_suggestion(url=f"{ORIGIN}/still-open", title="The open one")
    publish(app, request_ids(app)[0], "We misstated the number of readers.")
    page = client.get("/corrections/news").get_data(as_text=True)
    assert "The published one" in page and "We misstated the number of readers." in page
    assert "The open one" not in page
    assert "Correction" in page


def test_log_escapes_editor_and_reader_text(app, client, post_suggestion):
    post_suggestion(title='<script>alert("t")</script>')
    publish(app, request_ids(app)[0], '<img src=x onerror=alert(1)>', "clarification")
    page = client.get("/corrections/news").get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_log_of_unknown_site_is_404(client):
    assert client.get("/corrections/nope").status_code == 404


def test_log_with_a_nonsense_cursor_is_a_400_that_says_so(app, client, post_suggestion):
    post_suggestion()
    publish(app, request_ids(app)[0], "Fixed.")
    response = client.get("/corrections/news?before=yesterday,abc")
    assert response.status_code == 400
    assert "This page link is not valid" in response.get_data(as_text=True)


def test_feed_is_atom_with_one_entry_per_publication(app, client, post_suggestion):
    post_suggestion(title="Library story")
    publish(app, request_ids(app)[0], "An editor's note & more", "editors_note")
    response = client.get("/corrections/news/feed.atom")
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)
    assert feed.find(f"{ATOM}id").text == "http://corrections.test/corrections/news"
    [entry] = feed.findall(f"{ATOM}entry")
    assert entry.find(f"{ATOM}title").text == "Editor’s note: Library story"
    assert entry.find(f"{ATOM}content").text == "An editor's note & more"


def test_feed_stays_well_formed_with_markup_in_reader_text(app, client, post_suggestion):
    post_suggestion(title="</title><script>x</script>")
    publish(app, request_ids(app)[0], "]]></content><x>")
    feed = ET.fromstring(client.get("/corrections/news/feed.atom").data)
    [entry] = feed.findall(f"{ATOM}entry")
    assert entry.find(f"{ATOM}content").text == "]]></content><x>"
