"""The no-JavaScript form at /suggest."""
import sqlalchemy as sa

from corrections.extensions import db
from corrections.models import CorrectionRequest, Submission
from tests.helpers import NOTHING, ORIGIN, csrf_token_in, row_counts

ARTICLE = f"{ORIGIN}/2026/11/city-library-reopens"


def form_data(client, **changes):
    page = client.get("/suggest")
    data = {"csrf_token": csrf_token_in(page.data), "site": "news", "url": ARTICLE,
            "quote": "more then two hundred", "kind": "typo",
            "suggestion": "more than two hundred", "comment": "", "name": "", "email": "",
            "website": ""}
    data.update(changes)
    return data


def test_form_is_prefilled_from_the_query(client, site):
    page = client.get(f"/suggest?site=news&url={ARTICLE}&quote=teh+cat").get_data(as_text=True)
    assert f'value="{ARTICLE}"' in page
    assert "teh cat</textarea>" in page
    assert '<option selected value="news">' in page


def test_valid_form_stores_the_suggestion_and_thanks_with_the_reference(app, client, site):
    response = client.post("/suggest", data=form_data(client))
    assert response.status_code == 303
    thanks = client.get(response.headers["Location"])
    with app.app_context():
        submission = db.session.scalars(sa.select(Submission)).one()
        assert submission.request.quote_exact == "more then two hundred"
    assert submission.reference in thanks.get_data(as_text=True)


def test_form_and_api_reports_of_the_same_passage_are_grouped(app, client, site, post_suggestion):
    post_suggestion(position=None, quote={"exact": "more then two hundred"})
    client.post("/suggest", data=form_data(client))
    with app.app_context():
        [request] = db.session.scalars(sa.select(CorrectionRequest)).all()
        assert request.submission_count == 2


def test_invalid_form_shows_errors_next_to_fields_and_keeps_the_typing(app, client, site):
    response = client.post("/suggest", data=form_data(
        client, url="https://evil.example/a", comment="My careful comment", email="nope"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="url-error"' in page and "one of this site" in page
    assert 'id="email-error"' in page
    assert "My careful comment</textarea>" in page
    assert 'aria-invalid="true"' in page
    assert row_counts(app) == NOTHING


def test_empty_quote_is_refused_next_to_the_quote_field(app, client, site):
    response = client.post("/suggest", data=form_data(client, quote="\u200b "))
    assert response.status_code == 422
    assert 'id="quote-error"' in response.get_data(as_text=True)
    assert row_counts(app) == NOTHING


def test_honeypot_filled_is_thanked_as_usual_and_stores_nothing(app, client, site):
    response = client.post("/suggest", data=form_data(client, website="buy now"))
    assert response.status_code == 303
    assert "Thank you" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert row_counts(app) == NOTHING


def test_post_without_csrf_token_is_refused_and_keeps_the_typing(app, client, site):
    data = form_data(client, comment="Typed before the form expired")
    del data["csrf_token"]
    response = client.post("/suggest", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "expired" in page and "Typed before the form expired</textarea>" in page
    assert row_counts(app) == NOTHING


def test_post_with_wrong_csrf_token_is_refused(app, client, site):
    response = client.post("/suggest", data=form_data(client, csrf_token="forged"))
    assert response.status_code == 400
    assert row_counts(app) == NOTHING


def test_reader_text_is_escaped_when_the_form_is_shown_again(client, site):
    response = client.post("/suggest", data=form_data(
        client, email="nope", comment='<script>alert(1)</script>"onmouseover="x'))
    page = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_form_page_forbids_inline_scripts(client, site):
    policy = client.get("/suggest").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy


def test_thanks_page_for_unknown_reference_is_404(client):
    assert client.get("/suggest/thanks/NOPE-NOPE").status_code == 404
