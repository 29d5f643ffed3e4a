"""Hostile input wherever someone can type: both ways in for readers, the public log, and
every dashboard form and address. Every case is a 4xx with words a person can act on, and
stores nothing (every table, row for row, is as it was), on SQLite and PostgreSQL."""
import json
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa

from corrections.extensions import db
from corrections.models import Role
from tests.helpers import ORIGIN, csrf_token, sign_in, suggestion_body

SURROGATE = "\ud800"
NUL = "a\x00b"
HUGE = "99999999999999999999"
BEYOND_INT = "2147483648"  # one more than an INTEGER column holds on PostgreSQL
SUPERSCRIPT = "²"  # str.isdigit() says yes; int() says no


def snapshot(app) -> dict[str, list]:
    """Every row of every table."""
    with app.app_context():
        return {table.name: sorted(map(repr, db.session.execute(sa.select(table)).all()))
                for table in db.metadata.sorted_tables}


@dataclass(frozen=True)
class Case:
    path: str
    data: Any = None  # JSON intake: the body; forms: the fields; None: a GET
    status: int = 422
    says: str = ""  # words the answer must contain
    who: str | None = None  # "editor" or "admin": signed in first
    form_page: str | None = None  # where the form's CSRF token is found
    extra: dict = field(default_factory=dict)


# --- the JSON intake ---------------------------------------------------------------------------

def _quote(**changes):
    return {"quote": {"exact": "more then two hundred", "prefix": "", "suffix": ""} | changes}


JSON_FIELDS = {  # field name in the answer: [(changes, words the message must contain)]
    "site": [({"site": SURROGATE}, "lone surrogate"), ({"site": NUL}, "NUL"),
             ({"site": 5}, "must be text"), ({"site": []}, "must be text"),
             ({"site": "x" * 65}, "longer than"), ({"site": "nope"}, "no site"),
             ({"site": None}, "required"), ({"site": {"key": "news"}}, "must be text")],
    "url": [({"url": SURROGATE}, "lone surrogate"), ({"url": f"{ORIGIN}/{NUL}"}, "NUL"),
            ({"url": 5}, "must be text"), ({"url": "javascript:alert(1)"}, "http"),
            ({"url": "https://evil.example/a"}, "own addresses"),
            ({"url": f"{ORIGIN}/{'a' * 2000}"}, "longer than"),
            ({"url": "ftp://news.example.org/a"}, "http"),
            ({"url": "https://news.example.org:99999/a"}, "not a valid web address"),
            ({"url": "https://[::1/a"}, "not a valid web address"),
            ({"url": f"{ORIGIN}/a\tb"}, "control characters"),
            ({"url": "https://user:pw@news.example.org/"}, "user name"),
            ({"url": None}, "required")],
    "title": [({"title": SURROGATE}, "lone surrogate"), ({"title": NUL}, "NUL"),
              ({"title": 5}, "must be text"), ({"title": "t" * 301}, "longer than"),
              ({"title": ["t"]}, "must be text")],
    "quote": [({"quote": 5}, "object"), ({"quote": "teh"}, "object"), ({"quote": []}, "object"),
              ({"quote": None}, "Select the passage")],
    "quote.exact": [(_quote(exact=SURROGATE), "lone surrogate"), (_quote(exact=NUL), "NUL"),
                    (_quote(exact=""), "required"), (_quote(exact="x" * 1001), "longer than"),
                    (_quote(exact=12), "must be text"), (_quote(exact="\u200b\u2060"), "empty"),
                    (_quote(exact=f"te{SURROGATE}h"), "lone surrogate")],
    "quote.prefix": [(_quote(prefix=SURROGATE), "lone surrogate"), (_quote(prefix=NUL), "NUL"),
                     (_quote(prefix="p" * 65), "longer than"), (_quote(prefix=5), "must be text")],
    "quote.suffix": [(_quote(suffix=SURROGATE), "lone surrogate"), (_quote(suffix=NUL), "NUL"),
                     (_quote(suffix="s" * 65), "longer than"), (_quote(suffix=[]), "must be text")],
    "position": [({"position": [1, 2]}, "object"), ({"position": "1-2"}, "object")],
    "position.start": [({"position": {"start": -1, "end": 4}}, "whole number"),
                       ({"position": {"start": 10**30, "end": 10**31}}, "whole number"),
                       ({"position": {"start": 1.5, "end": 4}}, "whole number"),
                       ({"position": {"start": "1", "end": 4}}, "whole number"),
                       ({"position": {"start": True, "end": 4}}, "whole number")],
    "position.end": [({"position": {"start": 9, "end": 4}}, "after the start"),
                     ({"position": {"start": 1, "end": 2**63}}, "whole number")],
    "kind": [({"kind": SURROGATE}, "one of"), ({"kind": "opinion"}, "one of"), ({"kind": 5}, "one of"),
             ({"kind": None}, "Choose"), ({"kind": []}, "one of"), ({"kind": NUL}, "one of")],
    "suggestion": [({"suggestion": SURROGATE}, "lone surrogate"), ({"suggestion": NUL}, "NUL"),
                   ({"suggestion": "s" * 2001}, "longer than"), ({"suggestion": 5}, "must be text")],
    "comment": [({"comment": SURROGATE}, "lone surrogate"), ({"comment": NUL}, "NUL"),
                ({"comment": "c" * 2001}, "longer than"), ({"comment": 5}, "must be text"),
                ({"comment": "see http://a.example www.b.example https://c.example "
                             "http://d.example"}, "at most 3 links"),
                ({"comment": " ".join(f"https://spam{n}.example" for n in range(60))}, "links")],
    "name": [({"name": SURROGATE}, "lone surrogate"), ({"name": NUL}, "NUL"),
             ({"name": "n" * 201}, "longer than"), ({"name": 5}, "must be text")],
    "email": [({"email": SURROGATE}, "lone surrogate"), ({"email": NUL}, "NUL"),
              ({"email": "not-an-address"}, "not a valid"), ({"email": "a@b"}, "not a valid"),
              ({"email": "ü@example.org"}, "Latin letters"),
              ({"email": "читач@приклад.укр"}, "Latin letters"),
              ({"email": "x" * 250 + "@e.org"}, "longer than 254"),
              ({"email": "a@example.net\r\nBcc: v@example.org"}, "one line"),
              ({"email": 5}, "must be text"), ({"email": "<a@example.net>"}, "not a valid")],
    "notify": [({"notify": "yes"}, "true or false"), ({"notify": 1}, "true or false"),
               ({"notify": []}, "true or false")],
    "elapsed_ms": [({"elapsed_ms": -1}, "milliseconds"), ({"elapsed_ms": "1000"}, "milliseconds"),
                   ({"elapsed_ms": 1.5}, "milliseconds"), ({"elapsed_ms": True}, "milliseconds"),
                   ({"elapsed_ms": 10**12}, "milliseconds")],
}
JSON_CASES = {f"{name}: {json.dumps(changes)[:60]}": (name, changes, says)
              for name, cases in JSON_FIELDS.items() for changes, says in cases}
JSON_CASES["email: notify without an address"] = ("email", {"notify": True, "email": ""},
                                                  "Give an email address")


@pytest.mark.parametrize("field_name, changes, says", JSON_CASES.values(), ids=JSON_CASES.keys())
def test_json_intake_refuses_with_the_field_named(app, client, site, field_name, changes, says):
    before = snapshot(app)
    body = json.dumps(suggestion_body(**changes))  # ASCII escapes: "\ud800" stays a surrogate
    response = client.post("/api/v1/suggestions", data=body, content_type="application/json",
                           headers={"Origin": ORIGIN})
    assert response.status_code == 422, response.get_data(as_text=True)
    error = response.json["error"]
    assert error["code"] == "invalid" and error["message"] == "Some fields need attention."
    assert says in error["fields"][field_name]
    assert snapshot(app) == before


MALFORMED = {
    "invalid utf-8": (b'{"site": "\xed\xa0\x80"}', 400, "not valid UTF-8"),
    "a json string": (b'"\\ud800"', 400, "JSON object"),
    "truncated json": (b'{"site": "news", "quote": {', 400, "not valid JSON"),
    "json with a NUL escape in a key only": (b'{"\\u0000": 1}', 422, "Some fields need attention"),
    "nested to the limit": (b"[" * 100_000 + b"]" * 100_000, 413, "too large"),
}


@pytest.mark.parametrize("body, status, says", MALFORMED.values(), ids=MALFORMED.keys())
def test_json_intake_refuses_malformed_bodies(app, client, site, body, status, says):
    before = snapshot(app)
    response = client.post("/api/v1/suggestions", data=body, content_type="application/json",
                           headers={"Origin": ORIGIN})
    assert response.status_code == status
    assert says in response.json["error"]["message"]
    assert snapshot(app) == before


# --- the HTML form -------------------------------------------------------------------------------

FORM_FIELDS = {  # form field: [(value, words shown next to it, or on the page)]
    "site": [(NUL, "NUL"), ("nope", "no site"), ("\ufffd", "no site"),
             ("x" * 65, "longer than")],
    "url": [(NUL, "NUL"), ("javascript:alert(1)", "http"), ("https://evil.example/a", "own addresses"),
            (f"{ORIGIN}/{'a' * 2000}", "longer than"), ("", "required")],
    "quote": [(NUL, "NUL"), ("", "required"), ("x" * 1001, "longer than"), ("\u200b", "empty")],
    "prefix": [(NUL, "NUL"), ("p" * 65, "longer than")],
    "suffix": [(NUL, "NUL"), ("s" * 65, "longer than")],
    "title": [(NUL, "NUL"), ("t" * 301, "longer than")],
    "kind": [(NUL, "one of"), ("opinion", "one of")],
    "suggestion": [(NUL, "NUL"), ("s" * 2001, "longer than")],
    "comment": [(NUL, "NUL"), ("c" * 2001, "longer than"),
                (" ".join(f"http://spam{n}.example" for n in range(4)), "at most 3 links")],
    "name": [(NUL, "NUL"), ("n" * 201, "longer than")],
    "email": [(NUL, "NUL"), ("not-an-address", "not a valid"), ("ü@example.org", "Latin letters"),
              ("a@example.net\nBcc: v@example.org", "one line")],
}
FORM_CASES = {f"{name}: {value[:40]!r}": (name, value, says)
              for name, cases in FORM_FIELDS.items() for value, says in cases}


def form_fields(client, **changes) -> dict:
    page = client.get("/suggest")
    fields = {"csrf_token": csrf_token(client, "/suggest"), "site": "news",
              "url": f"{ORIGIN}/2026/a", "quote": "more then two hundred", "kind": "typo",
              "suggestion": "", "comment": "", "name": "", "email": "", "website": "",
              "started": _started(page.get_data(as_text=True))}
    return fields | changes


def _started(page: str) -> str:
    import re
    return re.search(r'name="started" type="hidden" value="([^"]*)"', page).group(1)


@pytest.mark.parametrize("name, value, says", FORM_CASES.values(), ids=FORM_CASES.keys())
def test_the_form_refuses_with_the_message_on_the_page(app, client, site, name, value, says):
    data = form_fields(client, **{name: value})
    before = snapshot(app)
    response = client.post("/suggest", data=data)
    assert response.status_code == 422, response.get_data(as_text=True)
    page = response.get_data(as_text=True)
    assert says in page and "Some answers need attention" in page
    assert snapshot(app) == before


def test_the_form_without_its_token_is_a_400_that_says_why(app, client, site):
    data = form_fields(client)
    del data["csrf_token"]
    before = snapshot(app)
    response = client.post("/suggest", data=data)
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)
    assert snapshot(app) == before


# --- pages anyone can open -----------------------------------------------------------------------

PUBLIC_PAGES = {
    "log of an unknown site": Case("/corrections/nope", status=404, says="nothing at this address"),
    "log key with a NUL": Case("/corrections/ne%00ws", status=400, says="NUL"),
    "feed key with a NUL": Case("/corrections/%00/feed.atom", status=400, says="NUL"),
    "cursor beyond any id": Case(f"/corrections/news?before=2026-01-01T00:00:00,{HUGE}",
                                 status=400, says="page link is not valid"),
    "cursor one past an INTEGER": Case(f"/corrections/news?before=2026-01-01T00:00:00,{BEYOND_INT}",
                                       status=400, says="page link is not valid"),
    "cursor id in superscript": Case(f"/corrections/news?before=2026-01-01,{SUPERSCRIPT}",
                                     status=400, says="page link is not valid"),
    "cursor without an id": Case("/corrections/news?before=2026-01-01", status=400,
                                 says="page link is not valid"),
    "cursor with a year beyond 9999": Case("/corrections/news?before=10000-01-01,1", status=400,
                                           says="page link is not valid"),
    "cursor with a NUL": Case("/corrections/news?before=%00", status=400, says="NUL"),
    "cursor negative": Case("/corrections/news?before=2026-01-01,-1", status=400,
                            says="page link is not valid"),
    "thanks page forged": Case("/suggest/thanks/WXYZ-2345", status=404,
                               says="nothing at this address"),
    "confirmation link forged": Case("/mail/confirm/abc.def", status=400, says="not valid"),
    "confirmation link with a NUL": Case("/mail/confirm/a%00b", status=400, says="NUL"),
    "unsubscribe link forged": Case("/mail/unsubscribe/abc.def", status=400, says="not valid"),
    "unsubscribe link with a NUL": Case("/mail/unsubscribe/a%00b", status=400, says="NUL"),
    "action link on an id beyond any": Case(f"/mail/act/{HUGE}/accept/x", status=404,
                                            says="nothing at this address"),
    "action link for no action": Case("/mail/act/1/explode/x", status=404, says="no such action"),
    "forged action link": Case("/mail/act/1/accept/x.y.z", status=400, says="not valid"),
    "prefilled form with a NUL": Case("/suggest?site=%00", status=400, says="NUL"),
}


@pytest.mark.parametrize("case", PUBLIC_PAGES.values(), ids=PUBLIC_PAGES.keys())
def test_public_pages_refuse_what_they_cannot_use(app, client, site, case):
    before = snapshot(app)
    response = client.get(case.path)
    assert response.status_code == case.status
    assert case.says in response.get_data(as_text=True)
    assert snapshot(app) == before


# --- the dashboard: addresses ----------------------------------------------------------------------

DASHBOARD_ADDRESSES = {
    "request beyond any id": Case(f"/dashboard/requests/{HUGE}", status=404,
                                  says="nothing at this address"),
    "request one past an INTEGER": Case(f"/dashboard/requests/{BEYOND_INT}", status=404,
                                        says="nothing at this address"),
    "request 64-bit": Case("/dashboard/requests/9223372036854775808", status=404,
                           says="nothing at this address"),
    "request 4300 digits": Case("/dashboard/requests/" + "9" * 4400, status=404,
                                says="nothing at this address"),
    "request id in superscript": Case(f"/dashboard/requests/{SUPERSCRIPT}", status=404,
                                      says="nothing at this address"),
    "site filter not a number": Case("/dashboard/?site=abc", status=400, says="not a valid number"),
    "site filter beyond an INTEGER": Case(f"/dashboard/?site={BEYOND_INT}", status=400,
                                          says="not a valid number"),
    "site filter superscript": Case(f"/dashboard/?site={SUPERSCRIPT}", status=400,
                                    says="not a valid number"),
    "article filter huge": Case(f"/dashboard/?article={HUGE}", status=400, says="not a valid number"),
    "kind filter unknown": Case("/dashboard/?kind=opinion", status=400, says="no such kind"),
    "state filter unknown": Case("/dashboard/?state=deleted", status=400, says="no such state"),
    "assignee filter unknown": Case("/dashboard/?assignee=boss", status=400, says="assignee filter"),
    "assignee filter beyond an INTEGER": Case(f"/dashboard/?assignee={BEYOND_INT}", status=400,
                                              says="assignee filter"),
    "sort unknown": Case("/dashboard/?sort=random", status=400, says="sorted by"),
    "search too long": Case("/dashboard/?q=" + "x" * 201, status=400, says="at most 200"),
    "search with a NUL": Case("/dashboard/?q=a%00b", status=400, says="NUL"),
    "page cursor not a number": Case("/dashboard/?after=abc", status=400, says="page link"),
    "page cursor beyond an INTEGER": Case(f"/dashboard/?after={BEYOND_INT}", status=400,
                                          says="page link"),
    "page cursor superscript": Case(f"/dashboard/?before={SUPERSCRIPT}", status=400,
                                    says="page link"),
    "reports cursor malformed": Case("/dashboard/?sort=reports&after=1", status=400,
                                     says="page link"),
    "reports cursor huge": Case(f"/dashboard/?sort=reports&after={HUGE}.1", status=400,
                                says="page link"),
    "export with a bad filter": Case("/dashboard/export.csv?site=abc", status=400,
                                     says="not a valid number"),
    "site beyond any id": Case(f"/dashboard/sites/{HUGE}", who="admin", status=404,
                               says="nothing at this address"),
    "outbox with a NUL": Case("/dashboard/outbox?page=%00", who="admin", status=400, says="NUL"),
    "spam page with a NUL": Case("/dashboard/spam?x=%00", who="admin", status=400, says="NUL"),
    "sites page by an editor": Case("/dashboard/sites", status=403, says="not allowed"),
}


@pytest.mark.parametrize("case", DASHBOARD_ADDRESSES.values(), ids=DASHBOARD_ADDRESSES.keys())
def test_dashboard_addresses_refuse_what_they_cannot_use(app, world, case):
    client = world.client(case.who or "editor")
    before = snapshot(app)
    response = client.get(case.path)
    assert response.status_code == case.status
    assert case.says in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    assert snapshot(app) == before


# --- the dashboard: forms -------------------------------------------------------------------------

class World:
    """A site, an editor, an admin and one reported request; clients signed in on demand."""

    def __init__(self, app, request_id):
        self.app, self.request_id, self._clients = app, request_id, {}

    def client(self, who: str):
        if who not in self._clients:
            client = self.app.test_client()
            email = "admin@news.example.org" if who == "admin" else "editor@news.example.org"
            assert sign_in(client, email).status_code == 303
            self._clients[who] = client
        return self._clients[who]


@pytest.fixture
def world(app, site, editor, admin, report):
    return World(app, report())


def action(name, **fields):
    """The fields of an action form on a request's page (prefixed as the page names them)."""
    return {f"{name}-{key}": value for key, value in ({"version": "1"} | fields).items()}


R = "{request}"  # the world's request id, filled in by the test
DASHBOARD_FORMS = {
    # one request's actions
    "action without a version": Case(f"/dashboard/requests/{R}/accept", {"accept-version": ""},
                                     status=400, says="form was incomplete"),
    "action version superscript": Case(f"/dashboard/requests/{R}/accept",
                                       action("accept", version=SUPERSCRIPT), status=400,
                                       says="form was incomplete"),
    "action version beyond an INTEGER": Case(f"/dashboard/requests/{R}/accept",
                                             action("accept", version=BEYOND_INT), status=400,
                                             says="form was incomplete"),
    "action version huge": Case(f"/dashboard/requests/{R}/accept", action("accept", version=HUGE),
                                status=400, says="form was incomplete"),
    "action on a request beyond any": Case(f"/dashboard/requests/{HUGE}/accept", action("accept"),
                                           status=404, says="nothing at this address"),
    "unknown action": Case(f"/dashboard/requests/{R}/explode", action("explode"), status=404,
                           says="nothing at this address"),
    "stale version": Case(f"/dashboard/requests/{R}/accept", action("accept", version="7"),
                          status=409, says="Someone else changed this request"),
    "reject without a reason": Case(f"/dashboard/requests/{R}/reject", action("reject", note="  "),
                                    says="Give a reason"),
    "reject with a NUL": Case(f"/dashboard/requests/{R}/reject", action("reject", note=NUL),
                              status=400, says="NUL"),
    "reject with a note too long": Case(f"/dashboard/requests/{R}/reject",
                                        action("reject", note="n" * 2001), says="2000 characters"),
    "publish from new": Case(f"/dashboard/requests/{R}/publish",
                             action("publish", publication_type="correction", public_note="x"),
                             status=409, says="cannot be given the action"),
    "duplicate of nothing": Case(f"/dashboard/requests/{R}/duplicate",
                                 action("duplicate", duplicate_of="abc"), says="Give the number"),
    "duplicate of a huge id": Case(f"/dashboard/requests/{R}/duplicate",
                                   action("duplicate", duplicate_of=HUGE), says="Give the number"),
    "duplicate one past an INTEGER": Case(f"/dashboard/requests/{R}/duplicate",
                                          action("duplicate", duplicate_of=BEYOND_INT),
                                          says="Give the number"),
    "duplicate of itself": Case(f"/dashboard/requests/{R}/duplicate",
                                action("duplicate", duplicate_of=R), says="of itself"),
    "duplicate of a missing one": Case(f"/dashboard/requests/{R}/duplicate",
                                       action("duplicate", duplicate_of="2147483647"),
                                       says="There is no request"),
    "duplicate in superscript": Case(f"/dashboard/requests/{R}/duplicate",
                                     action("duplicate", duplicate_of=SUPERSCRIPT),
                                     says="Give the number"),
    "assign to a huge id": Case(f"/dashboard/requests/{R}/assign", action("assign", assignee=HUGE),
                                says="active editor"),
    "assign beyond an INTEGER": Case(f"/dashboard/requests/{R}/assign",
                                     action("assign", assignee=BEYOND_INT), says="active editor"),
    "assign to nonsense": Case(f"/dashboard/requests/{R}/assign", action("assign", assignee="x"),
                               says="active editor"),
    "spam note with a NUL": Case(f"/dashboard/requests/{R}/spam", action("spam", note=NUL),
                                 status=400, says="NUL"),
    # the title
    "title empty": Case(f"/dashboard/requests/{R}/title", {"title": " ", "shown": "City library reopens"},
                        says="Give the article a title"),
    "title with a NUL": Case(f"/dashboard/requests/{R}/title", {"title": NUL,
                                                                 "shown": "City library reopens"},
                             status=400, says="NUL"),
    "title too long": Case(f"/dashboard/requests/{R}/title", {"title": "t" * 301,
                                                               "shown": "City library reopens"},
                           says="300 characters"),
    "title changed meanwhile": Case(f"/dashboard/requests/{R}/title",
                                    {"title": "New", "shown": "Something else"}, status=409,
                                    says="Someone else changed this title"),
    "title only of forbidden characters": Case(f"/dashboard/requests/{R}/title",
                                               {"title": "\ufffe\uffff", "shown": "x"},
                                               says="Give the article a title"),
    "title of a request beyond any": Case(f"/dashboard/requests/{HUGE}/title", {"title": "x"},
                                          status=404, says="nothing at this address"),
    # bulk actions
    "bulk without an action": Case("/dashboard/bulk", {"action": "", "select": f"{R}:1"},
                                   says="Choose what to do"),
    "bulk unknown action": Case("/dashboard/bulk", {"action": "publish", "select": f"{R}:1"},
                                says="Choose claim, accept, reject or spam"),
    "bulk nothing selected": Case("/dashboard/bulk", {"action": "accept"}, says="Select at least one"),
    "bulk selection malformed": Case("/dashboard/bulk", {"action": "accept", "select": "x:y"},
                                     says="could not be understood"),
    "bulk selection beyond an INTEGER": Case("/dashboard/bulk", {"action": "accept",
                                                                 "select": f"{BEYOND_INT}:1"},
                                             says="could not be understood"),
    "bulk selection huge": Case("/dashboard/bulk", {"action": "accept", "select": f"{HUGE}:1"},
                                says="could not be understood"),
    "bulk selection missing": Case("/dashboard/bulk", {"action": "accept", "select": "2147483647:1"},
                                   says="There is no request"),
    "bulk reject without a reason": Case("/dashboard/bulk", {"action": "reject", "select": f"{R}:1"},
                                         says="Give a reason"),
    "bulk with a NUL": Case("/dashboard/bulk", {"action": "reject", "select": f"{R}:1", "note": NUL},
                            status=400, says="NUL"),
    "bulk with a bad filter": Case("/dashboard/bulk?site=abc", {"action": "accept",
                                                               "select": f"{R}:1"},
                                   status=400, says="not a valid number"),
    # sites
    "new site with a bad key": Case("/dashboard/sites/new", {"key": "a b", "name": "N",
                                                             "origins": ORIGIN, "notify_emails": "",
                                                             "language": "en",
                                                             "notify_mode": "immediate"},
                                    who="admin", says="letters, digits"),
    "new site with a taken key": Case("/dashboard/sites/new", {"key": "news", "name": "N",
                                                               "origins": ORIGIN, "language": "en",
                                                               "notify_mode": "immediate"},
                                      who="admin", says="already has this key"),
    "new site without a name": Case("/dashboard/sites/new", {"key": "n2", "name": " ",
                                                             "origins": ORIGIN, "language": "en",
                                                             "notify_mode": "immediate"},
                                    who="admin", says="1 to 200 characters"),
    "new site with a bad origin": Case("/dashboard/sites/new", {"key": "n2", "name": "N",
                                                                "origins": "javascript:x",
                                                                "language": "en",
                                                                "notify_mode": "immediate"},
                                       who="admin", says="http"),
    "new site with a long origin": Case("/dashboard/sites/new", {"key": "n2", "name": "N",
                                                                 "origins": "https://" + "a" * 3000,
                                                                 "language": "en",
                                                                 "notify_mode": "immediate"},
                                        who="admin", says="longer than"),
    "new site with a bad address": Case("/dashboard/sites/new", {"key": "n2", "name": "N",
                                                                 "origins": ORIGIN,
                                                                 "notify_emails": "desk@",
                                                                 "language": "en",
                                                                 "notify_mode": "immediate"},
                                        who="admin", says="not a valid email address"),
    "new site with an IDN local part": Case("/dashboard/sites/new", {"key": "n2", "name": "N",
                                                                     "origins": ORIGIN,
                                                                     "notify_emails": "ред@example.org",
                                                                     "language": "en",
                                                                     "notify_mode": "immediate"},
                                            who="admin", says="not a valid email address"),
    "new site in an unknown language": Case("/dashboard/sites/new", {"key": "n2", "name": "N",
                                                                     "origins": ORIGIN,
                                                                     "language": "xx",
                                                                     "notify_mode": "immediate"},
                                            who="admin", says="offered languages"),
    "new site with an unknown mode": Case("/dashboard/sites/new", {"key": "n2", "name": "N",
                                                                   "origins": ORIGIN,
                                                                   "language": "en",
                                                                   "notify_mode": "never"},
                                          who="admin", says="when editors are told"),
    "new site with a NUL": Case("/dashboard/sites/new", {"key": "n2", "name": NUL, "origins": ORIGIN,
                                                         "language": "en", "notify_mode": "immediate"},
                                who="admin", status=400, says="NUL"),
    "site edit beyond any id": Case(f"/dashboard/sites/{HUGE}", {"name": "N"}, who="admin",
                                    status=404, says="nothing at this address"),
    "site edit by an editor": Case("/dashboard/sites/new", {"key": "n2"}, status=403,
                                   says="not allowed"),
    # editors
    "invite a bad address": Case("/dashboard/editors/invite", {"email": "nope", "role": "editor"},
                                 who="admin", says="not a valid email address"),
    "invite an IDN local part": Case("/dashboard/editors/invite", {"email": "ред@example.org",
                                                                   "role": "editor"},
                                     who="admin", says="not a valid email address"),
    "invite an unknown role": Case("/dashboard/editors/invite", {"email": "new@example.org",
                                                                 "role": "owner"},
                                   who="admin", says="admin or editor"),
    "invite an existing account": Case("/dashboard/editors/invite",
                                       {"email": "EDITOR@news.example.org", "role": "editor"},
                                       who="admin", status=409, says="already an account"),
    "invite with a NUL": Case("/dashboard/editors/invite", {"email": NUL, "role": "editor"},
                              who="admin", status=400, says="NUL"),
    "role of an account beyond any": Case(f"/dashboard/editors/{HUGE}/role", {"role": "admin"},
                                          who="admin", status=404, says="nothing at this address"),
    "role unknown": Case("/dashboard/editors/{editor}/role", {"role": "owner"}, who="admin",
                         says="admin or editor"),
    "deactivate an account beyond any": Case(f"/dashboard/editors/{BEYOND_INT}/deactivate", {},
                                             who="admin", status=404,
                                             says="nothing at this address"),
    "deactivate oneself": Case("/dashboard/editors/{admin}/deactivate", {}, who="admin",
                               status=409, says="your own account"),
    "reactivate an account beyond any": Case(f"/dashboard/editors/{HUGE}/reactivate", {},
                                             who="admin", status=404,
                                             says="nothing at this address"),
    "invite again an account beyond any": Case(f"/dashboard/editors/{HUGE}/invite", {},
                                               who="admin", status=404,
                                               says="nothing at this address"),
    # the block list
    "block an unknown kind": Case("/dashboard/spam/entries", {"kind": "ip", "value": "x"},
                                  who="admin", says="Choose what to block"),
    "block nothing": Case("/dashboard/spam/entries", {"kind": "phrase", "value": "  "},
                          who="admin", says="Say what to block"),
    "block a bad IP": Case("/dashboard/spam/entries", {"kind": "client", "value": "999.1.1.1"},
                           who="admin", says="IP address"),
    "block a bad address": Case("/dashboard/spam/entries", {"kind": "email", "value": "a@"},
                                who="admin", says="not a valid email address"),
    "block a bad domain": Case("/dashboard/spam/entries", {"kind": "domain", "value": "not a domain"},
                               who="admin", says="Give a domain"),
    "block a long phrase": Case("/dashboard/spam/entries", {"kind": "phrase", "value": "p " * 150},
                                who="admin", says="200 characters"),
    "block with a long note": Case("/dashboard/spam/entries", {"kind": "phrase", "value": "casino",
                                                               "note": "n" * 201},
                                   who="admin", says="200 characters"),
    "block with a NUL": Case("/dashboard/spam/entries", {"kind": "phrase", "value": NUL},
                             who="admin", status=400, says="NUL"),
    "block by an editor": Case("/dashboard/spam/entries", {"kind": "phrase", "value": "casino"},
                               status=403, says="not allowed"),
    "unblock an entry beyond any": Case(f"/dashboard/spam/entries/{HUGE}/delete", {}, who="admin",
                                        status=404, says="nothing at this address"),
    # the outbox
    "retry a message beyond any": Case(f"/dashboard/outbox/{HUGE}/retry", {}, who="admin",
                                       status=404, says="nothing at this address"),
    "retry by an editor": Case("/dashboard/outbox/1/retry", {}, status=403, says="not allowed"),
}


@pytest.mark.parametrize("case", DASHBOARD_FORMS.values(), ids=DASHBOARD_FORMS.keys())
def test_dashboard_forms_refuse_what_they_cannot_use(app, world, case):
    client = world.client(case.who or "editor")
    with app.app_context():
        from corrections.models import Editor
        ids = {e.email.split("@")[0]: e.id for e in db.session.scalars(sa.select(Editor))}
    path = case.path.format(request=world.request_id, **ids)
    token = csrf_token(client, "/dashboard/")
    data = {key: value.format(request=world.request_id) if isinstance(value, str) and "{" in value
            else value for key, value in case.data.items()}
    data |= {"csrf_token": token} | {f"{name}-csrf_token": token for name in
                                    ("accept", "reject", "publish", "duplicate", "assign", "spam",
                                     "explode")}
    before = snapshot(app)
    response = client.post(path, data=data)
    assert response.status_code == case.status, response.get_data(as_text=True)[:2000]
    assert case.says in response.get_data(as_text=True)
    assert snapshot(app) == before


def test_there_are_at_least_150_hostile_cases():
    total = (len(JSON_CASES) + len(MALFORMED) + len(FORM_CASES) + 1 + len(PUBLIC_PAGES)
             + len(DASHBOARD_ADDRESSES) + len(DASHBOARD_FORMS))
    assert total >= 150, total


def test_an_editors_role_is_kept_when_refused(app, world):
    """(A sanity check of the snapshot: a change that is allowed does show in it.)"""
    before = snapshot(app)
    client = world.client("admin")
    with app.app_context():
        from corrections.models import Editor
        editor_id = db.session.scalar(sa.select(Editor.id).where(Editor.role == Role.EDITOR))
    response = client.post(f"/dashboard/editors/{editor_id}/role",
                           data={"csrf_token": csrf_token(client, "/dashboard/"), "role": "admin"})
    assert response.status_code == 303 and snapshot(app) != before
