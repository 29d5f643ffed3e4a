"""Pages for readers and operators: the no-JavaScript form and the health check."""
import sqlalchemy as sa
from flask import Blueprint, redirect, render_template, request, url_for
from sqlalchemy.exc import SQLAlchemyError

from .. import intake
from ..extensions import csrf, db, limiter
from ..forms import SuggestionForm, choices
from ..models import Site, Submission
from .api import intake_limit

bp = Blueprint("public", __name__)


@bp.route("/suggest", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own token, so a stale one re-shows the reader's typing
@limiter.shared_limit(intake_limit, scope="intake", exempt_when=lambda: request.method != "POST")
def suggest():
    form = SuggestionForm(request.form if request.method == "POST" else None)
    if request.method == "GET":
        # ?site=&url=&quote= prefill the form from a link under the article.
        form.site.data = request.args.get("site", "")[:64]
        form.url.data = request.args.get("url", "")[:2000]
        form.quote.data = request.args.get("quote", "")[:1000]
        form.title.data = request.args.get("title", "")[:300]
    sites = db.session.execute(sa.select(Site.key, Site.name).order_by(Site.name)).all()
    form.site.choices = choices([("", "Choose…"), *sites])
    status = 200
    if form.validate_on_submit():
        try:
            suggestion = intake.parse_suggestion(form.as_intake())
            submission = intake.submit(suggestion, intake.Client(
                ip=request.remote_addr or "", user_agent=request.user_agent.string))
        except intake.IntakeError as error:
            form.show_errors(error.fields or {"quote": error.message})
            status = error.status
        else:
            return redirect(url_for(".thanks", reference=submission.reference), 303)
    elif request.method == "POST":
        status = 400  # only the CSRF token is checked here; the message says what to do
    return render_template("suggest.html", form=form), status


@bp.get("/suggest/thanks/<reference>")
def thanks(reference: str):
    submission = db.first_or_404(sa.select(Submission).where(Submission.reference == reference))
    return render_template("thanks.html", submission=submission)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except SQLAlchemyError:
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}
