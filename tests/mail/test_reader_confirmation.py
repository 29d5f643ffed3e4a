"""Double opt-in: a reader confirms their address before any outcome email reaches it."""
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeSerializer

from corrections.extensions import db
from corrections.mail import delivery
from corrections.models import CorrectionRequest, PublicationType, utcnow
from corrections.notifications import readers
from corrections.notifications.models import MailUnsubscribe, ReaderAddress
from corrections.notifications.readers import UNSUBSCRIBE_SALT
from corrections.workflow import transitions
from tests.helpers import ORIGIN, confirm_addresses, csrf_token_in, suggestion_body
from tests.mail.conftest import outbox, part

READER = "reader@example.net"
CONFIRM_SUBJECT = "The Example News: confirm your email address to hear the outcome"


def kinds(app, recipient=READER) -> list[str]:
    return [row.kind for row in outbox(app) if row.recipient == recipient]


def decide(app, *actions, newest=True):
    with app.app_context():
        request = db.session.scalars(sa.select(CorrectionRequest).order_by(
            CorrectionRequest.id.desc() if newest else CorrectionRequest.id)).first()
        for action in actions:
            transitions.transition(request, action, editor=None, version=request.version,
                             details=transitions.Details(note="Checked.", public_note="Fixed.",
                                                   publication_type=PublicationType.CORRECTION))


PUBLISH = (transitions.Action.ACCEPT, transitions.Action.PUBLISH)


def confirmation_path(app, recipient=READER) -> str:
    [row] = [row for row in outbox(app) if row.kind == "reader_confirm" and row.recipient == recipient]
    return re.search(r"http://corrections\.test(/mail/confirm/\S+)", row.body_text).group(1)


def test_asking_for_the_outcome_sends_one_confirmation_with_no_reader_text(app, site, suggest,
                                                                          smtp_server):
    suggest(notify=True, name="Mallory <b>", comment="Visit casino.example now",
            title="Buy cheap pills")
    with app.app_context():
        delivery.send_due()
    [email] = [m.email for m in smtp_server.received if m.recipients == (READER,)]
    assert email["Subject"] == CONFIRM_SUBJECT
    text, html = part(email, "plain"), part(email, "html")
    for body in (text, html):
        assert "The Example News" in body and "/mail/confirm/" in body
        for typed in ("Mallory", "casino", "pills", "city-library", "more then"):
            assert typed not in body
    with app.app_context():
        reference = db.session.scalar(sa.text("SELECT reference FROM submission"))
    assert reference in text and "7 days" in text


def test_opening_the_link_only_asks_and_the_button_confirms(app, site, client, suggest):
    suggest(notify=True)
    path = confirmation_path(app)
    page = client.get(path)
    assert page.status_code == 200 and "Confirm your email address?" in page.text
    assert READER not in page.text  # the page needs no address: the link's token is enough
    with app.app_context():
        assert db.session.scalars(sa.select(ReaderAddress.confirmed_at)).one() is None
    done = client.post(path, data={"csrf_token": csrf_token_in(page.text)})
    assert done.status_code == 200 and "Your address is confirmed" in done.text
    with app.app_context():
        assert db.session.scalars(sa.select(ReaderAddress.confirmed_at)).one() is not None


def test_only_a_confirmed_address_hears_the_outcome(app, site, suggest):
    suggest(notify=True)
    suggest(notify=True, email="other@example.net")
    confirm_addresses(app)  # both confirm…
    with app.app_context():  # …but one of them never did
        db.session.execute(sa.update(ReaderAddress).where(ReaderAddress.email == "other@example.net")
                           .values(confirmed_at=None))
        db.session.commit()
    decide(app, *PUBLISH)
    assert kinds(app) == ["reader_confirm", "reader_published"]
    assert kinds(app, "other@example.net") == ["reader_confirm"]


def test_a_confirmed_address_stays_confirmed(app, site, suggest):
    suggest(notify=True)
    confirm_addresses(app)
    suggest(notify=True, quote={"exact": "another passage", "prefix": "", "suffix": ""},
            position=None)
    decide(app, *PUBLISH)
    assert kinds(app) == ["reader_confirm", "reader_published"]


def test_a_confirmation_is_for_one_site(app, make_site, suggest, client):
    make_site()
    make_site(key="other", name="The Other Paper", origins=("https://other.example.org",))
    suggest(notify=True)
    confirm_addresses(app)
    response = client.post("/api/v1/suggestions", headers={"Origin": "https://other.example.org"},
                           json=suggestion_body(site="other", notify=True,
                                                url="https://other.example.org/a"))
    assert response.status_code == 201
    assert kinds(app) == ["reader_confirm", "reader_confirm"]
    decide(app, *PUBLISH)
    assert kinds(app) == ["reader_confirm", "reader_confirm"]  # not confirmed for the other site


def test_confirming_after_the_decision_brings_the_outcome_then(app, site, suggest):
    suggest(notify=True)
    decide(app, transitions.Action.REJECT)
    assert kinds(app) == ["reader_confirm"]
    confirm_addresses(app)
    assert kinds(app) == ["reader_confirm", "reader_rejected"]
    confirm_addresses(app)  # the link again: nothing more
    assert kinds(app) == ["reader_confirm", "reader_rejected"]


def test_readers_who_did_not_ask_get_no_confirmation(app, site, suggest):
    suggest(notify=False)
    assert kinds(app) == []


def test_an_expired_confirmation_link_says_so(app_factory, smtp_server, make_site):
    from tests.mail.conftest import MAIL_CONFIG
    app = app_factory(MAIL_PORT=smtp_server.port, READER_CONFIRM_MAX_AGE=-1, **MAIL_CONFIG)
    make_site()
    client = app.test_client()
    client.post("/api/v1/suggestions", json=suggestion_body(), headers={"Origin": ORIGIN})
    response = client.get(confirmation_path(app))
    assert response.status_code == 410 and "expired" in response.text


def test_a_tampered_confirmation_link_is_refused(app, site, client, suggest):
    suggest(notify=True)
    path = confirmation_path(app)
    response = client.get(path[:-4] + "abcd")
    assert response.status_code == 400 and "not valid" in response.text
    with app.app_context():
        assert db.session.scalars(sa.select(ReaderAddress.confirmed_at)).one() is None


def test_several_suggestions_in_an_hour_bring_one_confirmation(app, site, suggest):
    suggest(notify=True)
    suggest(notify=True, quote={"exact": "second", "prefix": "", "suffix": ""}, position=None)
    assert kinds(app) == ["reader_confirm"]
    with app.app_context():
        db.session.execute(sa.update(ReaderAddress).values(
            confirmation_sent_at=utcnow() - timedelta(minutes=61)))
        db.session.commit()
    suggest(notify=True, quote={"exact": "third", "prefix": "", "suffix": ""}, position=None)
    assert kinds(app) == ["reader_confirm", "reader_confirm"]


def test_confirmations_are_limited_per_address(app_factory, smtp_server, make_site, monkeypatch):
    from tests.mail.conftest import MAIL_CONFIG
    monkeypatch.setattr(readers, "RESEND_AFTER", timedelta(0))  # the limit, not the hour, here
    app = app_factory(MAIL_PORT=smtp_server.port, CONFIRM_EMAIL_RATE_LIMIT="2 per day",
                      **MAIL_CONFIG)
    make_site()
    for n in range(4):
        response = app.test_client().post(
            "/api/v1/suggestions", headers={"Origin": ORIGIN},
            environ_base={"REMOTE_ADDR": f"198.51.100.{n + 1}"},
            json=suggestion_body(quote={"exact": f"passage {n}", "prefix": "", "suffix": ""},
                                 position=None))
        assert response.status_code == 201  # the suggestion is kept all the same
    assert kinds(app) == ["reader_confirm", "reader_confirm"]


def test_confirmations_are_limited_per_client(app_factory, smtp_server, make_site):
    from tests.mail.conftest import MAIL_CONFIG
    app = app_factory(MAIL_PORT=smtp_server.port, CONFIRM_EMAIL_CLIENT_RATE_LIMIT="2 per day",
                      **MAIL_CONFIG)
    make_site()

    def ask(address, ip):
        return app.test_client().post("/api/v1/suggestions", headers={"Origin": ORIGIN},
                                      environ_base={"REMOTE_ADDR": ip},
                                      json=suggestion_body(email=address))
    for n in range(3):  # one IPv6 /64, three addresses
        assert ask(f"victim{n}@example.net", f"2001:db8:5:6::{n + 1}").status_code == 201
    assert ask("victim3@example.net", "2001:db8:5:7::1").status_code == 201  # another network
    sent = [row.recipient for row in outbox(app) if row.kind == "reader_confirm"]
    assert sent == ["victim0@example.net", "victim1@example.net", "victim3@example.net"]


def test_the_form_thanks_the_reader_and_says_to_check_the_inbox(app, client, site):
    page = client.get("/suggest")
    response = client.post("/suggest", data={
        "csrf_token": csrf_token_in(page.text), "site": "news", "url": f"{ORIGIN}/a",
        "quote": "teh", "kind": "typo", "email": READER, "notify": "y",
        "started": re.search(r'name="started" type="hidden" value="([^"]*)"', page.text).group(1)})
    thanks = client.get(response.headers["Location"])
    assert "Check your inbox" in thanks.text and "confirm" in thanks.text


def test_an_address_with_an_international_domain_is_delivered_in_ascii(app, site, suggest, smtp_server):
    suggest(notify=True, email="Reader@Bücher.example")
    with app.app_context():
        delivery.send_due()
    [message] = [m for m in smtp_server.received if "reader-confirm" in m.message_id]
    assert message.recipients == ("reader@xn--bcher-kva.example",)


def test_an_address_with_an_international_local_part_is_refused_at_once(app, client, site):
    response = client.post("/api/v1/suggestions", headers={"Origin": ORIGIN},
                           json=suggestion_body(email="читач@example.net"))
    assert response.status_code == 422
    assert "Latin letters" in response.json["error"]["fields"]["email"]
    assert outbox(app) == []


def unsubscribe_header(app) -> str:
    [row] = [row for row in outbox(app) if row.kind in ("reader_published", "reader_rejected")]
    return row.headers["List-Unsubscribe"]


def test_unsubscribe_links_carry_an_opaque_token(app, site, suggest):
    suggest(notify=True)
    confirm_addresses(app)
    decide(app, transitions.Action.REJECT)
    token = re.search(r"/mail/unsubscribe/([^/>]+)/one-click", unsubscribe_header(app)).group(1)
    with app.app_context():
        assert db.session.scalars(sa.select(ReaderAddress.token)).one() == token
    assert "." not in token  # not a signed payload: nothing in it to read


@pytest.mark.parametrize("path", ["{}", "{}/one-click"])
def test_unsubscribe_links_sent_before_opaque_tokens_still_work(app, site, client, suggest, path):
    suggest(notify=True)
    with app.app_context():
        site_id = db.session.scalar(sa.text("SELECT id FROM site"))
        old = URLSafeSerializer(app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT).dumps(
            {"s": site_id, "e": READER})
    url = "/mail/unsubscribe/" + path.format(old)
    if path == "{}":
        page = client.get(url)
        assert READER in page.text
        response = client.post(url, data={"csrf_token": csrf_token_in(page.text)})
    else:
        response = client.post(url)
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalars(sa.select(MailUnsubscribe.email)).all() == [READER]


def test_the_confirmation_speaks_the_sites_language(app, make_site, suggest, client):
    make_site(language="uk")
    suggest(notify=True)
    [row] = [row for row in outbox(app) if row.kind == "reader_confirm"]
    assert row.subject == "«The Example News»: підтвердьте адресу, щоб дізнатися результат"
    page = client.get(confirmation_path(app))
    assert '<html lang="uk" dir="ltr">' in page.text and "Підтвердити адресу" in page.text
