"""The demo article page that `make run` shows a newcomer (only served when DEMO is on)."""
from flask import Blueprint, render_template

bp = Blueprint("demo", __name__, url_prefix="/demo")


@bp.get("/")
def article():
    return render_template("demo/article.html")
