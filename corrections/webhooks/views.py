"""/dashboard/webhooks: admins add and remove endpoints, see each one's delivery log, retry."""
from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, SelectMultipleField, URLField

from ..dashboard.blueprint import admin_required
from ..dashboard.blueprint import bp as dashboard
from ..intake.forms import choices
from ..notifications.forms import ButtonForm
from ..sites import service as sites
from ..text import is_number
from . import service
from .models import WebhookFormat

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
dashboard.register_blueprint(bp)  # /dashboard/webhooks, behind the dashboard's gate


class EndpointForm(FlaskForm):
    site = SelectField(_l("Site"), choices=[], validate_choice=False)
    url = URLField(_l("URL"), render_kw={"maxlength": service.MAX_URL_LENGTH,
                                         "autocomplete": "off", "spellcheck": "false"})
    events = SelectMultipleField(_l("Events"), choices=choices(service.EVENTS.items()),
                                 validate_choice=False)
    format = RadioField(_l("Format"), choices=choices((f.value, label) for f, label
                                                      in service.FORMATS.items()),
                        validate_choice=False, default=WebhookFormat.JSON.value)


@bp.get("")
@admin_required
def index():
    return render_template("webhooks/index.html", endpoints=service.endpoints(),
                           sites=sites.all_sites(), form=ButtonForm())


def _render_form(form: EndpointForm, status: int = 200):
    form.site.choices = [(str(site.id), site.name) for site in sites.all_sites()]
    return render_template("webhooks/form.html", form=form, labels=service.EVENTS), status


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def new():
    form = EndpointForm()
    if not form.is_submitted():
        form.events.data = list(service.EVENTS)
        return _render_form(form)
    if not form.validate():  # only the CSRF token can fail here
        return _render_form(form, 400)
    site = sites.by_id(int(form.site.data)) if is_number(form.site.data) else None
    if site is None:
        form.site.errors = [_("Choose a site.")]
        return _render_form(form, 422)
    try:
        endpoint = service.add_endpoint(site, form.url.data or "", form.events.data or [],
                                        form.format.data or "")
    except service.WebhookError as problem:
        getattr(form, problem.field or "url").errors = [problem.message]
        return _render_form(form, problem.status)
    # The only page that ever shows the secret; it must not be kept by a cache.
    response = make_response(render_template("webhooks/added.html", endpoint=endpoint), 201)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<int:endpoint_id>")
@admin_required
def endpoint(endpoint_id: int):
    found = service.endpoint(endpoint_id) or abort(404)
    return render_template("webhooks/endpoint.html", endpoint=found, labels=service.EVENTS,
                           deliveries=service.deliveries(found), form=ButtonForm())


@bp.post("/<int:endpoint_id>/remove")
@admin_required
def remove(endpoint_id: int):
    found = service.endpoint(endpoint_id) or abort(404)
    url = found.url
    service.remove_endpoint(found)
    flash(_("Removed the endpoint %(url)s and its delivery log.", url=url), "success")
    return redirect(url_for(".index"), 303)


@bp.post("/deliveries/<int:delivery_id>/retry")
@admin_required
def retry(delivery_id: int):
    delivery = service.delivery(delivery_id) or abort(404)
    if service.retry(delivery):
        flash(_("Delivery #%(id)s will be tried again on the worker's next round.",
                id=delivery_id), "success")
    else:
        flash(_("Delivery #%(id)s was delivered already; nothing to retry.", id=delivery_id))
    return redirect(url_for(".endpoint", endpoint_id=delivery.endpoint_id), 303)
