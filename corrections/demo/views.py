"""The demo article page that `make run` shows a newcomer (only served when DEMO is on).

It is in the visitor's language (`?lang=`, else Accept-Language), so the widget on it is too.
"""
from flask import Blueprint, render_template

from ..sites import service as sites

bp = Blueprint("demo", __name__, url_prefix="/demo")
#: The demo site's key and the name `flask --app corrections demo` gives it.
SITE_KEY, SITE_NAME = "demo", "The Daily Demo"


@bp.get("/")
def article():
    site = sites.by_key(SITE_KEY)
    return render_template("demo/article.html", site_name=site.name if site else SITE_NAME)
