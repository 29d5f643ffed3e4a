"""Signed webhooks (docs/webhooks.md): a real HTTP receiver on 127.0.0.1 gets each event, checks
its signature with the documented recipe, and sees retries, redirects and refusals as described."""
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlalchemy as sa

from corrections.extensions import db
from corrections.models import PublicationType, Role
from corrections.sites import service as sites
from corrections.webhooks import delivery, service, signing
from corrections.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from corrections.workflow.transitions import Action, Details, transition
from tests.helpers import csrf_token, publish, sign_in

DOCS = Path(__file__).resolve().parents[1] / "docs" / "webhooks.md"
READER = ("A. Reader", "reader@example.net", "should be")  # name, email, part of the comment


@pytest.fixture
def app(app_factory):
    # Tests' receivers are on 127.0.0.1; retries are due at once unless a test says otherwise.
    return app_factory(WEBHOOK_ALLOW_PRIVATE=True, WEBHOOK_RETRY_BASE_SECONDS=0,
                       WEBHOOK_TIMEOUT=2)


@pytest.fixture
def strict_app(app_factory, app):
    """The same database with the default rule: private addresses refused."""
    return app_factory()


@pytest.fixture(scope="module")
def documented_verify():
    """The verification recipe exactly as docs/webhooks.md prints it."""
    blocks = re.findall(r"```python\n(.*?)```", DOCS.read_text(), re.DOTALL)
    recipe = next(block for block in blocks if "def verify" in block)
    namespace: dict = {}
    exec(recipe, namespace)  # noqa: S102 - our own document, run to keep it honest
    return namespace["verify"]


class Receiver:
    """An HTTP server on 127.0.0.1 that records each POST and answers as told."""

    def __init__(self):
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        #: (status, headers, seconds to wait first), used in turn; 200 when none is left.
        self.answers: list[tuple[int, dict[str, str], float]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()},
                                          body))
                status, headers, delay = (receiver.answers.pop(0) if receiver.answers
                                          else (200, {}, 0))
                time.sleep(delay)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"


@pytest.fixture
def receiver():
    made = Receiver()
    yield made
    made.server.shutdown()
    made.server.server_close()


def add_endpoint(app, url: str, events=("request.published", "request.amended",
                                        "request.withdrawn"), format="json") -> WebhookEndpoint:
    with app.app_context():
        site = sites.by_key("news")
        endpoint = service.add_endpoint(site, url, list(events), format)
        db.session.refresh(endpoint)
        db.session.expunge(endpoint)
        return endpoint


def run_worker(app) -> delivery.Report:
    with app.app_context():
        return delivery.deliver_due()


def deliveries(app) -> list[WebhookDelivery]:
    with app.app_context():
        rows = db.session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
        db.session.expunge_all()
        return rows


def change(app, request_id: int, action: Action, **details) -> None:
    with app.app_context():
        request = db.session.get(type_of_request(), request_id)
        transition(request, action, editor=None, version=request.version, details=Details(**details))


def type_of_request():
    from corrections.models import CorrectionRequest
    return CorrectionRequest


@pytest.fixture
def published_hook(app, report, receiver):
    """An endpoint for the publication events, and a request published after it was added."""
    endpoint = add_endpoint(app, receiver.url())
    request_id = report(title="City library reopens")
    publish(app, request_id, "We misstated the opening hours.")
    return endpoint, request_id


# --- signing and the documented recipe ----------------------------------------------------------

def test_a_publication_reaches_the_receiver_and_verifies_with_the_documented_recipe(
        app, receiver, published_hook, documented_verify):
    endpoint, request_id = published_hook
    assert run_worker(app).delivered == 1
    [(path, headers, body)] = receiver.requests
    assert path == "/hook" and headers["content-type"].startswith("application/json")
    assert headers["corrections-event"] == "request.published"
    assert documented_verify(headers["corrections-signature"], body, endpoint.secret)
    payload = json.loads(body)
    assert payload["event"] == "request.published" and payload["site"] == "news"
    assert payload["id"].startswith("evt_") and payload["occurred_at"].endswith("Z")
    assert payload["data"]["id"] == request_id and payload["data"]["state"] == "published"
    assert payload["data"]["note"] == "We misstated the opening hours."
    assert payload["data"]["article"]["title"] == "City library reopens"


def test_a_tampered_body_fails_verification(app, receiver, published_hook, documented_verify):
    endpoint, _ = published_hook
    run_worker(app)
    [(_, headers, body)] = receiver.requests
    header = headers["corrections-signature"]
    assert documented_verify(header, body, endpoint.secret)
    assert not documented_verify(header, body.replace(b"opening hours", b"closing hours"),
                                 endpoint.secret)
    assert not documented_verify(header, body, "whsec_another")


def test_a_signature_outside_the_replay_window_fails(documented_verify):
    body = b'{"event":"request.published"}'
    old = signing.sign(body, "whsec_x", timestamp=int(time.time()) - 301)
    assert not documented_verify(old, body, "whsec_x")
    assert documented_verify(signing.sign(body, "whsec_x"), body, "whsec_x")
    assert not documented_verify("v1=abc", body, "whsec_x")


def test_the_documented_recipe_is_the_apps_own(documented_verify):
    body, secret = b"{}", "whsec_same"
    header = signing.sign(body, secret)
    assert signing.verify(header, body, secret) and documented_verify(header, body, secret)
    assert re.fullmatch(r"t=\d+,v1=[0-9a-f]{64}", header)


def test_published_payloads_carry_nothing_the_reader_typed_but_the_passage(
        app, receiver, published_hook):
    run_worker(app)
    body = receiver.requests[0][2].decode()
    for private in READER:
        assert private not in body


# --- retries -----------------------------------------------------------------------------------

def test_a_receiver_that_fails_twice_then_succeeds_gets_it_exactly_once_more(
        app, receiver, published_hook):
    receiver.answers = [(500, {}, 0), (503, {}, 0)]
    reports = [run_worker(app) for _ in range(4)]
    assert [(r.delivered, r.retrying) for r in reports] == [(0, 1), (0, 1), (1, 0), (0, 0)]
    assert len(receiver.requests) == 3
    assert len({body for _, _, body in receiver.requests}) == 1  # the same message each time
    assert len({h["corrections-delivery"] for _, h, _ in receiver.requests}) == 1
    [row] = deliveries(app)
    assert row.status is DeliveryStatus.DELIVERED and row.attempts == 3
    assert row.last_status_code == 200 and row.last_error is None


def test_a_failed_delivery_waits_with_backoff(app_factory, app, receiver, published_hook):
    waiting = app_factory(WEBHOOK_ALLOW_PRIVATE=True, WEBHOOK_RETRY_BASE_SECONDS=60)
    receiver.answers = [(500, {}, 0)]
    assert run_worker(waiting).retrying == 1
    assert run_worker(waiting).retrying == 0 and len(receiver.requests) == 1
    [row] = deliveries(app)
    assert row.status is DeliveryStatus.PENDING and row.last_status_code == 500
    assert (row.next_attempt_at - row.created_at).total_seconds() >= 30
    assert "HTTP 500" in row.last_error


def test_a_delivery_is_failed_after_the_last_attempt(app_factory, app, receiver, published_hook):
    short = app_factory(WEBHOOK_ALLOW_PRIVATE=True, WEBHOOK_RETRY_BASE_SECONDS=0,
                        WEBHOOK_MAX_ATTEMPTS=2)
    receiver.answers = [(500, {}, 0)] * 3
    assert [run_worker(short).failed for _ in range(3)] == [0, 1, 0]
    [row] = deliveries(app)
    assert row.status is DeliveryStatus.FAILED and row.attempts == 2


def test_a_receiver_too_slow_to_answer_is_a_timeout(app_factory, app, receiver, published_hook):
    impatient = app_factory(WEBHOOK_ALLOW_PRIVATE=True, WEBHOOK_TIMEOUT=0.3)
    receiver.answers = [(200, {}, 1.0)]
    assert run_worker(impatient).retrying == 1
    [row] = deliveries(app)
    assert row.status is DeliveryStatus.PENDING and "No answer within 0.3 s" in row.last_error


def test_a_redirect_is_not_followed(app, receiver, published_hook):
    receiver.answers = [(302, {"Location": receiver.url("/elsewhere")}, 0)]
    assert run_worker(app).retrying == 1
    assert [path for path, _, _ in receiver.requests] == ["/hook"]
    [row] = deliveries(app)
    assert row.status is DeliveryStatus.PENDING and row.last_status_code == 302
    assert "not followed" in row.last_error and "/elsewhere" in row.last_error


# --- events ------------------------------------------------------------------------------------

def test_amend_and_withdraw_are_sent_with_the_public_entry(app, receiver, published_hook):
    _, request_id = published_hook
    change(app, request_id, Action.AMEND, public_note="The library opens at nine.",
           publication_type=PublicationType.CORRECTION)
    change(app, request_id, Action.WITHDRAW, public_note="The original was right.")
    run_worker(app)
    events = [json.loads(body) for _, _, body in receiver.requests]
    assert [e["event"] for e in events] == ["request.published", "request.amended",
                                            "request.withdrawn"]
    assert events[1]["data"]["note"] == "The library opens at nine."
    assert events[2]["data"]["state"] == "withdrawn"
    assert events[2]["data"]["withdrawal_reason"] == "The original was right."


def test_a_new_request_is_sent_by_the_worker_without_the_readers_details(app, report, receiver):
    endpoint = add_endpoint(app, receiver.url(), events=["request.created"])
    request_id = report()  # the intake, then the worker's step that writes the event's mail
    run_worker(app)
    [(_, headers, body)] = receiver.requests
    assert signing.verify(headers["corrections-signature"], body, endpoint.secret)
    payload = json.loads(body)
    assert payload["event"] == "request.created" and payload["data"]["id"] == request_id
    assert payload["data"]["quote"]["exact"] == "more then two hundred"
    assert payload["data"]["suggestion"] == "more than two hundred"
    assert payload["data"]["link"].endswith(f"/dashboard/requests/{request_id}")
    for private in READER:
        assert private not in body.decode()


def test_an_endpoint_gets_only_the_events_it_asked_for(app, report, receiver):
    add_endpoint(app, receiver.url(), events=["request.withdrawn"])
    request_id = report()
    publish(app, request_id, "A note.")
    run_worker(app)
    assert receiver.requests == [] and deliveries(app) == []


def test_the_slack_format_posts_a_short_readable_message(app, report, receiver):
    endpoint = add_endpoint(app, receiver.url(), events=["request.published"], format="slack")
    request_id = report(title="City <library> reopens")
    publish(app, request_id, "We misstated the opening hours & days.")
    run_worker(app)
    [(_, headers, body)] = receiver.requests
    assert signing.verify(headers["corrections-signature"], body, endpoint.secret)
    message = json.loads(body)
    assert list(message) == ["text"]
    assert message["text"].startswith("Correction published on The Example News for "
                                      "“City &lt;library&gt; reopens”: We misstated the opening "
                                      "hours &amp; days. <http://corrections.test/corrections/news/")
    assert message["text"].endswith(f"#correction-{request_id}|On the public record>")


# --- private addresses -------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/hook", "http://10.1.2.3/hook",
                                 "http://169.254.169.254/latest", "http://224.0.0.1/",
                                 "http://[::1]/hook", "http://[::ffff:192.168.0.1]/",
                                 "https://localhost/hook"])
def test_a_private_address_is_refused_without_the_setting(strict_app, site, url):
    with strict_app.app_context(), pytest.raises(service.WebhookError) as refused:
        service.add_endpoint(sites.by_key("news"), url, ["request.published"])
    assert "private" in refused.value.message


def test_a_public_address_is_accepted(strict_app, site):
    with strict_app.app_context():
        endpoint = service.add_endpoint(sites.by_key("news"), "https://93.184.216.34/hook",
                                        ["request.published"])
        assert endpoint.id is not None


def test_the_dashboard_refuses_a_private_address_with_a_422_and_changes_nothing(
        strict_app, site, admin):
    client = strict_app.test_client()
    sign_in(client, "admin@news.example.org")
    with strict_app.app_context():
        site_id = sites.by_key("news").id
    response = client.post("/dashboard/webhooks/new", data={
        "csrf_token": csrf_token(client, "/dashboard/webhooks/new"), "site": str(site_id),
        "url": "http://127.0.0.1:9/hook", "events": ["request.published"], "format": "json"})
    assert response.status_code == 422
    assert "loopback, private, link-local or multicast" in response.get_data(as_text=True)
    with strict_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEndpoint)) == 0


def test_the_command_refuses_a_private_address_with_a_clear_error(strict_app, site):
    result = strict_app.test_cli_runner().invoke(
        args=["webhook", "add", "news", "http://192.168.1.10/hook"])
    assert result.exit_code == 1
    assert "URL: 192.168.1.10 is a loopback, private, link-local or multicast" in result.output
    with strict_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEndpoint)) == 0


def test_a_delivery_to_an_address_that_became_private_is_refused(
        strict_app, app, receiver, published_hook):
    strict_app.config["WEBHOOK_RETRY_BASE_SECONDS"] = 0
    assert run_worker(strict_app).retrying == 1
    assert receiver.requests == []
    [row] = deliveries(app)
    assert "private" in row.last_error and row.last_status_code is None


# --- the dashboard -----------------------------------------------------------------------------

def add_on_dashboard(app, client, url, **fields):
    with app.app_context():
        site_id = sites.by_key("news").id
    data = {"csrf_token": csrf_token(client, "/dashboard/webhooks/new"), "site": str(site_id),
            "url": url, "events": ["request.published", "request.created"], "format": "json"}
    data.update(fields)
    return client.post("/dashboard/webhooks/new", data=data)


def test_the_dashboard_shows_the_secret_once(app, site, admin_client, receiver):
    response = add_on_dashboard(app, admin_client, receiver.url())
    assert response.status_code == 201 and response.headers["Cache-Control"] == "no-store"
    with app.app_context():
        endpoint = db.session.scalars(sa.select(WebhookEndpoint)).one()
        assert endpoint.events == ["request.created", "request.published"]
    assert endpoint.secret in response.get_data(as_text=True)
    for path in ("/dashboard/webhooks", f"/dashboard/webhooks/{endpoint.id}"):
        page = admin_client.get(path)
        assert page.status_code == 200 and receiver.url() in page.get_data(as_text=True)
        assert endpoint.secret not in page.get_data(as_text=True)


def test_the_dashboard_refuses_an_endpoint_without_events(app, site, admin_client, receiver):
    response = add_on_dashboard(app, admin_client, receiver.url(), events=[])
    assert response.status_code == 422 and "Choose at least one event." in response.get_data(as_text=True)
    assert add_on_dashboard(app, admin_client, "ftp://example.org/").status_code == 422
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEndpoint)) == 0


def test_the_delivery_log_shows_failures_and_a_manual_retry_sends_again(
        app_factory, app, admin_client, receiver, published_hook):
    endpoint, _ = published_hook
    once = app_factory(WEBHOOK_ALLOW_PRIVATE=True, WEBHOOK_MAX_ATTEMPTS=1)
    receiver.answers = [(500, {}, 0)]
    assert run_worker(once).failed == 1
    page = admin_client.get(f"/dashboard/webhooks/{endpoint.id}").get_data(as_text=True)
    [row] = deliveries(app)
    assert "HTTP 500" in page and "request.published" in page and "failed" in page
    token = csrf_token(admin_client, f"/dashboard/webhooks/{endpoint.id}")
    response = admin_client.post(f"/dashboard/webhooks/deliveries/{row.id}/retry",
                                 data={"csrf_token": token})
    assert response.status_code == 303
    assert deliveries(app)[0].status is DeliveryStatus.PENDING
    assert run_worker(once).delivered == 1 and len(receiver.requests) == 2
    assert deliveries(app)[0].status is DeliveryStatus.DELIVERED


def test_a_retry_without_the_csrf_token_is_refused(app, admin_client, receiver, published_hook):
    receiver.answers = [(500, {}, 0)]
    run_worker(app)
    [row] = deliveries(app)
    response = admin_client.post(f"/dashboard/webhooks/deliveries/{row.id}/retry")
    assert response.status_code == 400
    assert deliveries(app)[0].attempts == 1 and deliveries(app)[0].next_attempt_at == row.next_attempt_at


def test_removing_an_endpoint_removes_its_log(app, admin_client, receiver, published_hook):
    endpoint, _ = published_hook
    run_worker(app)
    token = csrf_token(admin_client, f"/dashboard/webhooks/{endpoint.id}")
    response = admin_client.post(f"/dashboard/webhooks/{endpoint.id}/remove",
                                 data={"csrf_token": token})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEndpoint)) == 0
    assert deliveries(app) == []


def test_editors_who_are_not_admins_cannot_reach_the_webhooks(app, site, editor_client,
                                                             published_hook):
    endpoint, _ = published_hook
    token = csrf_token(editor_client, "/dashboard/")
    assert editor_client.get("/dashboard/webhooks").status_code == 403
    assert editor_client.get(f"/dashboard/webhooks/{endpoint.id}").status_code == 403
    assert editor_client.post(f"/dashboard/webhooks/{endpoint.id}/remove",
                              data={"csrf_token": token}).status_code == 403
    assert app.test_client().get("/dashboard/webhooks").status_code in (302, 303)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEndpoint)) == 1


# --- the command line ---------------------------------------------------------------------------

def test_the_command_adds_lists_and_removes_endpoints(app, site, receiver):
    runner = app.test_cli_runner()
    added = runner.invoke(args=["webhook", "add", "news", receiver.url(),
                                "--event", "request.published", "--format", "slack"])
    assert added.exit_code == 0, added.output
    secret = re.search(r"whsec_\S+", added.output).group(0)
    listed = runner.invoke(args=["webhook", "list"])
    assert receiver.url() in listed.output and "slack" in listed.output
    assert secret not in listed.output
    endpoint_id = re.search(r"#(\d+)", listed.output).group(1)
    assert runner.invoke(args=["webhook", "remove", endpoint_id]).exit_code == 0
    assert runner.invoke(args=["webhook", "list"]).output.strip() == ""
    assert runner.invoke(args=["webhook", "remove", endpoint_id]).exit_code == 1


def test_the_command_refuses_an_unknown_site(app, site, receiver):
    result = app.test_cli_runner().invoke(args=["webhook", "add", "nope", receiver.url()])
    assert result.exit_code == 1 and "There is no site “nope”." in result.output


# --- Ukrainian ---------------------------------------------------------------------------------

def test_the_webhook_pages_in_ukrainian_have_no_english(app, site, make_editor, receiver,
                                                        published_hook):
    from tests.test_ukrainian_pages import english_runs, visible_text
    endpoint, _ = published_hook
    make_editor(email="admin.uk@news.example.org", role=Role.ADMIN, language="uk")
    client = app.test_client()
    assert sign_in(client, "admin.uk@news.example.org").status_code == 303
    receiver.answers = [(500, {}, 0)]
    run_worker(app)
    pages = {path: client.get(path).get_data(as_text=True)
             for path in ("/dashboard/webhooks", "/dashboard/webhooks/new",
                          f"/dashboard/webhooks/{endpoint.id}")}
    pages["added"] = add_on_dashboard(app, client, receiver.url("/other")).get_data(as_text=True)
    pages["refused"] = add_on_dashboard(app, client, "ftp://x.example.org/", events=[]) \
        .get_data(as_text=True)
    for where, page in pages.items():
        # Event names, the header's name, the site's name and the receiver's own answer are
        # the same in every language.
        text = re.sub(r"request\.\w+|Corrections-Signature|HTTP 500[^\n<]*|whsec_\S+|"
                      r"The Example News", " ", visible_text(page))
        assert english_runs(text) == [], (where, english_runs(text))


def test_the_slack_message_is_in_the_sites_language(app, make_site, report, receiver):
    make_site(key="kyiv", name="Kyiv Daily News", language="uk")
    with app.app_context():
        endpoint = service.add_endpoint(sites.by_key("kyiv"), receiver.url(),
                                        ["request.published"], "slack")
        assert endpoint.format.value == "slack"
    request_id = report(site="kyiv")
    publish(app, request_id, "Виправлено години роботи.")
    run_worker(app)
    [(_, _, body)] = receiver.requests
    assert json.loads(body)["text"].startswith(
        "На Kyiv Daily News опубліковано: Виправлення до «City library reopens»: "
        "Виправлено години роботи. <")
    assert "|У публічному журналі>" in json.loads(body)["text"]


# --- the mail worker sends them ----------------------------------------------------------------

def test_the_mail_worker_sends_due_webhooks_on_its_round(app, receiver, published_hook):
    from corrections.mail import worker
    stop, said = threading.Event(), []

    def run():
        with app.app_context():
            worker.run(stop, poll_seconds=0.05, say=said.append)
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not receiver.requests and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(10)
    assert len(receiver.requests) == 1 and not thread.is_alive()
    assert "Webhooks: delivered 1, to retry 0, failed 0." in said
    assert deliveries(app)[0].status is DeliveryStatus.DELIVERED
