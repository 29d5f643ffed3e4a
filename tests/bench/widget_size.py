"""The widget's cost: its sizes as served, and its main-thread work at page load in Chromium.

Run: .venv/bin/python -m tests.bench.widget_size  (make bench runs it with the other figures).

Sizes are gzipped as served by the app, against the tools readers meet today.

Main-thread time is measured with the Performance API (performance.now()) on an article page of
another origin, by hooks the page installs before the widget runs (the widget itself carries no
measuring code): the loader's run starts when it first reads document.currentScript and ends when
it hands the corrections look-up to requestIdleCallback, its last statement; the look-up itself
(which starts a request, costly in Chromium) is timed inside that idle callback. Compiling the
script is not in the figure (V8 compiles it lazily: a few hundredths of a millisecond in a trace).
Each load is a new browser context: the first visit downloads the script, the next article view
in that context finds it in the HTTP cache. Long tasks are counted with a PerformanceObserver.
"""
import os
import statistics
import tempfile

# Gzipped sizes of the scripts alone, as their projects ship them (Mistape also needs jQuery).
OTHERS = {"Mistape": 7.9 * 1024, "Orphus": 2.5 * 1024}
BUDGETS = {"loader": 2560, "dialog": 4096, "box": 2048}
LOADS = 25
CHROMIUM = os.environ.get("CORRECTIONS_TEST_CHROMIUM", "/usr/bin/chromium")

ARTICLE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>City library reopens</title>
<script src="{app}/widget.js" data-site="news" defer></script></head>
<body><main><article><h1>City library reopens</h1>
{paragraphs}</article></main></body></html>"""
PARAGRAPH = ("<p>After twelve months behind scaffolding, the central library reopened on Monday, and more "
             "than two hundred readers were waiting at the door before it opened.</p>\n")
HOOKS = """
window.widgetCost = {longTasks: 0};
new PerformanceObserver((list) => { widgetCost.longTasks += list.getEntries().length; })
  .observe({type: 'longtask', buffered: true});
const currentScript = Object.getOwnPropertyDescriptor(Document.prototype, 'currentScript').get;
Object.defineProperty(document, 'currentScript', {configurable: true, get() {
  widgetCost.start ??= performance.now();
  return currentScript.call(this);
}});
const idle = window.requestIdleCallback.bind(window);
window.requestIdleCallback = (callback, options) => {
  widgetCost.end = performance.now();
  return idle((deadline) => {
    const started = performance.now();
    callback(deadline);
    widgetCost.idle = performance.now() - started;
  }, options);
};
"""


def _app(folder: str):
    import flask_migrate
    from flask import Response

    from corrections import create_app
    from corrections.extensions import db
    from corrections.models import Site
    os.environ["CORRECTIONS_INSTANCE_PATH"] = folder  # leave the real instance/ alone
    app = create_app({"TESTING": True, "SECRET_KEY": "bench",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3"})
    with app.app_context():
        flask_migrate.upgrade()
        db.session.add(Site(key="news", name="News", origins=[], notify_emails=[]))
        db.session.commit()
    # An empty script from the app's origin, for the page that measures what the measure costs.
    app.add_url_rule("/bench-empty.js", "bench_empty", lambda: Response("", mimetype="text/javascript"))
    return app


def served_sizes(app) -> dict[str, int]:
    """Bytes of each script as served with gzip, through the app itself."""
    from corrections.widget.build import CHUNKS, strings
    client = app.test_client()
    paths = {"loader": "/widget.js"}
    for chunk in CHUNKS:
        for language in strings()[chunk]:
            paths[f"{chunk} ({language})"] = f"/widget/{chunk}.{language}.js"
    return {name: len(client.get(path, headers={"Accept-Encoding": "gzip"}).data) for name, path in paths.items()}


def main_thread(app) -> dict[str, object]:
    """The loader's main-thread milliseconds at load and in its idle-time look-up, for a first
    visit and with the script cached; the long tasks seen; the requests to the app on a first visit."""
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM_ARGS
    from tests.browser.widget_host import AppServer, HostSite

    server, host = AppServer(app), HostSite()
    app.config["PUBLIC_URL"] = server.url
    url = host.add("/article", ARTICLE.format(app=server.url, paragraphs=PARAGRAPH * 30))
    samples: dict[str, list[tuple[float, float]]] = {"cold": [], "warm": []}
    long_tasks = 0
    requests: list[str] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for load in range(LOADS):
                context = browser.new_context()
                page = context.new_page()
                page.add_init_script(HOOKS)
                if load == 0:
                    page.on("requestfinished", lambda r: requests.append(
                        r.url.split("?")[0].removeprefix(server.url)) if r.url.startswith(server.url) else None)
                for visit in ("cold", "warm"):
                    page.goto(url)
                    page.wait_for_function("() => widgetCost.idle !== undefined")
                    page.wait_for_load_state("networkidle")
                    cost = page.evaluate("widgetCost")
                    samples[visit].append((cost["end"] - cost["start"], cost["idle"]))
                    long_tasks += cost["longTasks"]
                context.close()
            browser.close()
    finally:
        server.stop()
        host.close()
    result: dict[str, object] = {"long_tasks": long_tasks, "requests": requests[:len(requests) // 2]}
    for visit, values in samples.items():
        at_load, idle = zip(*values)
        result[visit] = (statistics.median(at_load), max(at_load), statistics.median(idle), max(idle))
    return result


def main() -> None:
    saved = os.environ.get("CORRECTIONS_INSTANCE_PATH")
    with tempfile.TemporaryDirectory() as folder:
        try:
            app = _app(folder)
            sizes = served_sizes(app)
            for name, size in sizes.items():
                budget = BUDGETS[name.split(" ")[0]]
                print(f"{name:14} {size:6,} bytes gzipped as served; budget {budget:,} ({size / budget:.0%})")
            loader = sizes["loader"]
            for name, size in OTHERS.items():
                print(f"  loader vs {name:8} {size / 1024:.1f} KB gzipped: {loader / size:.0%} of its size")
            if not os.path.exists(CHROMIUM):
                print(f"main-thread cost: not measured ({CHROMIUM} is missing)")
                return
            cost = main_thread(app)
            print(f"loader's main-thread work in Chromium (Performance API), {LOADS} loads each; "
                  "goal at load ≤ 1 ms:")
            for visit, label in (("cold", "first visit"), ("warm", "script cached")):
                median, worst, idle, idle_worst = cost[visit]
                print(f"  {label:14} at load: median {median:.2f} ms, max {worst:.2f} ms; "
                      f"idle-time look-up: median {idle:.2f} ms, max {idle_worst:.2f} ms")
            print(f"long tasks during those loads: {cost['long_tasks']}")
            print(f"requests to the app, article with no corrections, first visit: {cost['requests']}")
        finally:
            if saved is None:
                os.environ.pop("CORRECTIONS_INSTANCE_PATH", None)
            else:
                os.environ["CORRECTIONS_INSTANCE_PATH"] = saved


if __name__ == "__main__":
    main()
