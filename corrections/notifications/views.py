"""Pages behind the links in emails: confirm a one-click action, confirm a reader's address,
unsubscribe from outcome emails.

Opening a link (GET) never changes anything, so mail scanners and link previews are harmless;
only the POST from the page acts.
"""
from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import get_locale

from .. import languages
from ..extensions import csrf
from ..labels import KIND_LABELS
from ..urls import public_url_for
from . import links, notify, readers
from .forms import ButtonForm
from .outbox import template_language

bp = Blueprint("mail", __name__, url_prefix="/mail")


def _problem(error: links.LinkError):
    request_url = (public_url_for("dashboard.request_detail", request_id=error.request_id)
                   if error.request_id else None)
    return render_template("mail/link_problem.html", error=error,
                           request_url=request_url), error.status


@bp.route("/act/<int:request_id>/<action>/<token>", methods=["GET", "POST"])
def confirm_action(request_id: int, action: str, token: str):
    form = ButtonForm()
    try:
        if form.validate_on_submit():
            event = links.act_from_link(token, request_id, action)
            languages.use_editor(event.editor.language if event.editor else None)
            return render_template("mail/action_done.html", event=event,
                                   request_url=public_url_for("dashboard.request_detail",
                                                              request_id=request_id))
        checked = links.check_action(token, request_id, action)
        languages.use_editor(checked.editor.language)
    except links.LinkError as error:
        return _problem(error)
    return render_template("mail/confirm_action.html", form=form, checked=checked,
                           note=links.ONE_CLICK_ACTIONS[checked.claims.action],
                           kind_labels=KIND_LABELS,
                           request_url=public_url_for("dashboard.request_detail",
                                                      request_id=request_id))


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    form = ButtonForm()
    try:
        if form.validate_on_submit():
            site, email = readers.unsubscribe(token)
            return _reader_page("unsubscribed", site, email=email,
                                language=readers.language_of(site, email))
        site, email = readers.read_unsubscribe_token(token)
    except links.LinkError as error:
        return _problem(error)
    return _reader_page("unsubscribe", site, form=form, email=email,
                        language=readers.language_of(site, email))


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm_address(token: str):
    form = ButtonForm()
    try:
        if form.validate_on_submit():
            address = notify.confirm_address(token)
            return _reader_page("confirmed", address.site, language=address.language)
        address = readers.address_for_link(token)
    except links.LinkError as error:
        return _problem(error)
    return _reader_page("confirm", address.site, form=form, language=address.language)


def _reader_page(name: str, site, *, language: str = "", **context):
    """A page a reader reaches from an email: in the language they wrote in, else the site's."""
    languages.use_reader(site, language)
    lang = template_language(f"mail/{{}}/{name}.html", str(get_locale()))
    return render_template(f"mail/{lang}/{name}.html", lang=lang, site=site, **context)


@bp.route("/unsubscribe/<token>/one-click", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: the mail client POSTs here without cookies; the signed token is the proof
def unsubscribe_one_click(token: str):
    if request.method == "GET":  # a person opened the List-Unsubscribe address: ask first
        return redirect(url_for(".unsubscribe", token=token), 303)
    try:
        readers.unsubscribe(token)
    except links.LinkError as error:
        return {"error": error.message}, error.status
    return {"status": "unsubscribed"}
