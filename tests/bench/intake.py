"""Intake throughput on SQLite against a bare Flask JSON endpoint, both through the same WSGI path."""
import os
import secrets
import statistics
import tempfile
import time

from flask import Flask, request

REQUESTS = 1000
ROUNDS = 3


def bare_app() -> Flask:
    """The baseline: Flask parsing a JSON body and answering 201, nothing else."""
    app = Flask("bare")

    @app.post("/api/v1/suggestions")
    def create():
        data = request.get_json()
        return {"id": 1, "reference": "ABCD-EFGH", "status": "received", "n": len(data)}, 201
    return app


def corrections_app(folder: str):
    import flask_migrate

    from corrections import create_app
    from corrections.extensions import db
    from corrections.models import Site
    os.environ["CORRECTIONS_INSTANCE_PATH"] = folder
    app = create_app({"SECRET_KEY": secrets.token_hex(32), "RATELIMIT_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3"})
    with app.app_context():
        flask_migrate.upgrade()
        db.session.add(Site(key="news", name="News", origins=["https://news.example.org"],
                            notify_emails=["desk@news.example.org"]))
        db.session.commit()
    return app


def body(i: int, grouped: bool) -> dict:
    n = 0 if grouped else i
    return {"site": "news", "url": f"https://news.example.org/story-{n % 50}",
            "title": "A story", "kind": "typo", "suggestion": f"fixed {n}",
            "quote": {"exact": f"passage number {n}", "prefix": "before ", "suffix": " after"},
            "comment": "A comment from a reader.", "email": "reader@example.net", "notify": True}


def rate(app: Flask, grouped: bool, offset: int) -> float:
    client = app.test_client()
    headers = {"Origin": "https://news.example.org"}
    start = time.perf_counter()
    for i in range(REQUESTS):
        response = client.post("/api/v1/suggestions", json=body(offset + i, grouped), headers=headers)
        assert response.status_code == 201, response.get_data(as_text=True)
    return REQUESTS / (time.perf_counter() - start)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        app, baseline = corrections_app(folder), bare_app()
        rate(app, False, 10**6)  # warm-up
        rates = {"bare": [], "new": [], "grouped": []}
        for round_ in range(ROUNDS):  # interleaved, so drift hits both sides alike
            rates["bare"].append(rate(baseline, False, 0))
            rates["new"].append(rate(app, False, round_ * REQUESTS))
            rates["grouped"].append(rate(app, True, 0))
        bare = statistics.median(rates["bare"])
        print(f"intake throughput on SQLite ({REQUESTS} requests x {ROUNDS} rounds, median):")
        print(f"  bare Flask JSON endpoint   {bare:8.0f} req/s  (baseline)")
        for name, label in (("new", "new correction requests"), ("grouped", "grouped repeats")):
            value = statistics.median(rates[name])
            print(f"  intake, {label:<18} {value:8.0f} req/s  = {value / bare:.2f} x baseline")


if __name__ == "__main__":
    main()
