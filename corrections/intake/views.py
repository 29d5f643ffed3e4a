"""The no-JavaScript form for readers, and its thank-you page."""
from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from .. import languages
from ..database import UNAVAILABLE
from ..errors import forget_failed_transaction, unavailable_headers
from ..extensions import csrf, limiter
from ..sites import service as site_service
from . import suggestions
from .api import intake_limit
from .forms import SuggestionForm, choices
from .rules import IntakeError

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
        form.lang.data = languages.supported(request.args.get("lang")) or ""
    languages.use_requested(form.lang.data)
    status, headers = 200, {}
    try:
        sites = site_service.keys_names_languages()
        form.site.choices = choices([("", _("Choose…")), *((key, name) for key, name, _lang in sites)])
        languages.use_site_language({key: lang for key, _name, lang in sites}.get(form.site.data))
        if form.validate_on_submit():
            # Timed from the form's own signed time of showing; without one, as sent at once.
            data = form.as_intake() | {"elapsed_ms": suggestions.form_elapsed_ms(form.started.data) or 0}
            try:
                receipt = suggestions.receive(data, client=suggestions.client_of(request),
                                         min_elapsed_ms=current_app.config["FORM_MIN_SECONDS"] * 1000)
            except IntakeError as error:
                form.show_errors(error.fields or {"quote": error.message})
                status = error.status
                if error.retry_after is not None:
                    headers["Retry-After"] = str(error.retry_after)
            else:
                return redirect(url_for(".thanks", token=suggestions.thanks_token(receipt),
                                        lang=form.lang.data or None), 303)
        elif request.method == "POST":
            status = 400  # only the CSRF token is checked here; the message says what to do
    except UNAVAILABLE:
        # The database cannot be used: show the form again with everything the reader typed.
        forget_failed_transaction()
        form.site.choices = choices([(form.site.data or "", form.site.data or _("Choose…"))])
        return (render_template("suggest.html", form=form, unavailable=True), 503,
                unavailable_headers())
    if suggestions.form_elapsed_ms(form.started.data) is None:  # shown now, or sent without one
        form.started.data = suggestions.form_started()
    return render_template("suggest.html", form=form), status, headers


@bp.get("/suggest/thanks/<token>")
def thanks(token: str):
    thanked = suggestions.read_thanks_token(token) or abort(404)
    languages.use_site(thanked.site)
    return render_template("thanks.html", site=thanked.site, reference=thanked.reference,
                           notify=thanked.notify)
