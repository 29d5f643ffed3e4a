"""Helpers for the widget's browser tests: a news site on another origin than the app.

`HostSite` serves article pages (and their stylesheet) from its own 127.0.0.1 port, so the
widget is loaded and its API called cross-origin, as on a real newspaper's site. `AppServer`
serves the app on a port that can be stopped and started again (the "server down" test).
"""
import html
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

STRICT_CSP = "default-src 'none'; script-src {app}; connect-src {app}; style-src 'self'"


class HostSite:
    """A second origin that serves the pages a test registers with `add()`."""

    def __init__(self):
        self.pages: dict[str, tuple[bytes, str, dict]] = {}
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                page = site.pages.get(self.path.split("?")[0])
                if page is None:
                    self.send_error(404)
                    return
                body, content_type, headers = page
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def add(self, path: str, body: str, content_type="text/html; charset=utf-8", **headers) -> str:
        self.pages[path] = (body.encode("utf-8"), content_type, headers)
        return self.url + path

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


class _OneRequestPerConnection(WSGIRequestHandler):
    # No keep-alive: once the server is stopped, the browser has no open connection to reuse.
    protocol_version = "HTTP/1.0"


class AppServer:
    """The app on 127.0.0.1:`port`; once stopped, connections are refused (not left hanging)."""

    def __init__(self, app, port=0):
        self.app = app
        self.server = make_server("127.0.0.1", port, app, threaded=True,
                                  request_handler=_OneRequestPerConnection)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.running = True

    def stop(self):
        if self.running:
            self.running = False
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(5)


@pytest.fixture
def app_servers():
    """Start apps with `start(app)` (or `start(app, port)`); all are stopped after the test."""
    servers = []

    def start(app, port=0) -> AppServer:
        servers.append(AppServer(app, port))
        return servers[-1]
    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def host_site():
    site = HostSite()
    yield site
    site.close()


def article_page(app_url: str, article: str, *, site="news", lang="en", dir_="", head="",
                 before="", after="", script_attrs="") -> str:
    """An article page of the host site, carrying the widget tag as the README gives it."""
    dir_attr = f' dir="{dir_}"' if dir_ else ""
    return f"""<!doctype html>
<html lang="{lang}"{dir_attr}>
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>City library reopens · The Example News</title>
  {head}
  <script src="{app_url}/widget.js" data-site="{site}" {script_attrs} defer></script>
</head>
<body>
  <main>
  {before}
  <article>
    {article}
  </article>
  {after}
  </main>
</body>
</html>"""


def article_text(article: str) -> str:
    """The article's text as the widget sees it: tags dropped, whitespace squashed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", article)).split())


def expected_quote(article: str, exact: str, context: int = 32) -> dict:
    """The TextQuoteSelector and TextPositionSelector of `exact` (which must occur once)."""
    text = article_text(article)
    assert text.count(exact) == 1, f"{exact!r} must occur exactly once in the test article"
    start = text.index(exact)
    end = start + len(exact)
    return {"exact": exact, "prefix": text[max(0, start - context):start],
            "suffix": text[end:end + context], "start": start, "end": end}


# --- Driving the page ----------------------------------------------------------------------

_PHRASE_RANGE = """([selector, phrase, trimStart, trimEnd]) => {
  // Find `phrase` in the element's text with whitespace squashed, as a reader sees it.
  const root = document.querySelector(selector);
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes = [];
  let raw = 0, text = '';
  const rawIndex = [];
  for (let node; (node = walker.nextNode());) {
    nodes.push([node, raw]);
    for (const char of node.data) {
      if (!/\\s/.test(char) || !text.endsWith(' ')) { text += /\\s/.test(char) ? ' ' : char; rawIndex.push(raw); }
      raw += char.length;
    }
  }
  const found = text.indexOf(phrase);
  if (found < 0) throw new Error('phrase not on the page: ' + phrase);
  const start = rawIndex[found + trimStart];
  const end = rawIndex[found + phrase.length - trimEnd - 1] + 1;
  const at = (index, isEnd) => {
    for (const [node, offset] of nodes) {
      if (index < offset + node.length || (isEnd && index == offset + node.length)) return [node, index - offset];
    }
  };
  const range = document.createRange();
  range.setStart(...at(start, false));
  range.setEnd(...at(end, true));
  return range;
}"""


def select_by_script(page, phrase: str, *, within="article", trim_start=0, trim_end=0) -> None:
    """Select `phrase` (less `trim_*` characters at either end) the way a long press would."""
    page.evaluate(f"""(args) => {{
      const range = ({_PHRASE_RANGE})(args);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
    }}""", [within, phrase, trim_start, trim_end])


def drag_select(page, phrase: str, *, within="article") -> None:
    """Select `phrase` with the mouse: press on its first letter, drag to its last, release."""
    box = page.evaluate(f"""(args) => {{
      const rects = ({_PHRASE_RANGE})(args).getClientRects();
      const first = rects[0], last = rects[rects.length - 1];
      return [first.left + 1, first.top + first.height / 2, last.right - 1, last.top + last.height / 2];
    }}""", [within, phrase, 0, 0])
    page.mouse.move(box[0], box[1])
    page.mouse.down()
    page.mouse.move(box[2], box[3], steps=8)
    page.mouse.up()
    assert " ".join(page.evaluate("getSelection().toString()").split()) == phrase


def widget_dialog(page):
    return page.get_by_role("dialog", name=re.compile("correction|виправлення|تصحيح", re.I))


def settle(page) -> None:
    """Give the widget time to act, before checking that it did not: longer than its selection
    delay (250 ms) and than fetching a chunk from a server on this machine."""
    page.wait_for_timeout(600)


def shown_passage(dialog) -> str:
    """The passage the dialog shows: the selected one (marked in its context), else the typed one."""
    dialog.wait_for()  # the dialog's code may still be on its way
    selected = dialog.locator(".q mark")
    if selected.is_visible():
        return selected.inner_text()
    return dialog.get_by_label(re.compile("^(The passage|Фрагмент)$")).input_value()


def shown_context(dialog) -> tuple[str, str, str]:
    """The words shown dimmed before the selected passage, the passage, and the words after."""
    dialog.wait_for()
    return tuple(dialog.locator(".q").evaluate("q => [...q.children].map(c => c.textContent)"))


def focused_control(page) -> str:
    """What has the keyboard focus inside the widget, described the way a test names it."""
    return page.evaluate("""() => {
      const el = document.querySelector('corrections-widget')?.shadowRoot.activeElement;
      if (!el) return 'page: ' + (document.activeElement.textContent || document.activeElement.tagName).trim();
      if (el.name) return el.type == 'radio' ? 'radio ' + el.value : el.name;
      if (el.getAttribute('aria-label')) return 'top ' + el.getAttribute('aria-label');
      return el.textContent.trim();
    }""")


@pytest.fixture
def page_errors(page):
    """Script errors on the page; a test that uses this fails if there were any."""
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield errors
    assert errors == [], f"script errors on the page: {errors}"


# --- Published corrections, for the corrections box ---------------------------------------

def publish_correction(app, url: str, article: str, exact: str, note: str, *, publication_type="correction",
                       title="City library reopens", site="news") -> int:
    """A reader's report of `exact` in `article` (as it read then) at `url`, through the real
    intake, accepted and published with `note`; returns the request's id."""
    from corrections.extensions import db
    from corrections.models import Submission
    from corrections.urls import origin_of
    from tests.helpers import publish

    quote = expected_quote(article, exact)
    body = {"site": site, "url": url, "title": title, "kind": "typo",
            "quote": {"exact": quote["exact"], "prefix": quote["prefix"], "suffix": quote["suffix"]},
            "position": {"start": quote["start"], "end": quote["end"]}}
    response = app.test_client().post("/api/v1/suggestions", json=body, headers={"Origin": origin_of(url)})
    assert response.status_code == 201, response.get_json()
    with app.app_context():
        request_id = db.session.get(Submission, response.get_json()["id"]).request_id
    publish(app, request_id, note, publication_type)
    return request_id


def corrections_box(page):
    return page.get_by_role("region", name=re.compile("Corrections to this article|Виправлення до цієї статті"))


def marked_passages(page) -> list[str]:
    """The text of each corrected passage marked in the page, in order."""
    return page.evaluate("""() => {
      const passages = [];
      for (const mark of document.querySelectorAll('corrections-mark')) {
        if (mark.shadowRoot.querySelector('a')) passages.push('');
        passages[passages.length - 1] += mark.textContent;
      }
      return passages.map((text) => text.replace(/\\s+/g, ' ').trim());
    }""")
