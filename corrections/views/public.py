"""Pages for readers and operators: the no-JavaScript form and the health check."""
import sqlalchemy as sa
from flask import Blueprint, redirect, render_template, request, url_for
from sqlalchemy.exc import SQLAlchemyError

from .. import intake
from ..database import UNAVAILABLE
from ..errors import forget_failed_transaction, unavailable_headers
from ..extensions import csrf, db, limiter
from ..forms import SuggestionForm, choices
from ..models import Site, Submission
from ..operations.status import mail_worker_state
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
    status = 200
    try:
        sites = db.session.execute(sa.select(Site.key, Site.name).order_by(Site.name)).all()
        form.site.choices = choices([("", "Choose…"), *sites])
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
    except UNAVAILABLE:
        # The database cannot be used: show the form again with everything the reader typed.
        forget_failed_transaction()
        form.site.choices = choices([(form.site.data or "", form.site.data or "Choose…")])
        return (render_template("suggest.html", form=form, unavailable=True), 503,
                unavailable_headers())
    return render_template("suggest.html", form=form), status


@bp.get("/suggest/thanks/<reference>")
def thanks(reference: str):
    submission = db.first_or_404(sa.select(Submission).where(Submission.reference == reference))
    return render_template("thanks.html", submission=submission)


@bp.get("/healthz")
def healthz():
    """200 while the database answers (503 otherwise), with the mail worker's heartbeat:
    a silent worker makes the status "degraded" without taking the web server out of service."""
    try:
        db.session.execute(sa.text("SELECT 1"))
        worker = mail_worker_state()
    except SQLAlchemyError:
        forget_failed_transaction()
        return {"status": "unavailable", "database": "unreachable"}, 503, unavailable_headers()
    return {"status": "ok" if worker.ok else "degraded", "database": "ok",
            "mail_worker": worker.state,
            "mail_worker_seen_at": worker.last_seen and worker.last_seen.isoformat() + "Z"}
