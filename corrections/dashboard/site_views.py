"""Admins' pages for the sites that may send suggestions."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..models import Site
from ..problem import Problem
from ..sites import service as sites_service
from .blueprint import admin_required, bp
from .forms import SiteForm


def _site_form(site: Site | None) -> SiteForm:
    form = SiteForm()
    form.set_language_choices()
    if request.method == "GET":
        if site is not None:
            form.key.data, form.name.data = site.key, site.name
            form.origins.data = "\n".join(site.origins)
            form.notify_emails.data = "\n".join(site.notify_emails)
            form.language.data, form.notify_mode.data = site.language, site.notify_mode.value
            form.corrections_policy_url.data = site.corrections_policy_url
        else:
            form.language.data, form.notify_mode.data = "en", "immediate"
    return form


def _save_site(site: Site | None):
    form = _site_form(site)
    status = 200
    if form.validate_on_submit():
        try:
            saved = sites_service.save_site(site, sites_service.SiteInput(
                key=form.key.data or "", name=form.name.data or "",
                origins=form.origins.data or "", notify_emails=form.notify_emails.data or "",
                language=form.language.data or "", notify_mode=form.notify_mode.data or "",
                corrections_policy_url=form.corrections_policy_url.data or ""))
        except Problem as problem:
            for name, message in problem.fields.items():
                form[name].errors = [message]
            status = problem.status
        else:
            flash(_("Saved the site “%(name)s”.", name=saved.name), "success")
            return redirect(url_for(".sites"), 303)
    return render_template("dashboard/site_form.html", form=form, site=site), status


@bp.get("/sites")
@admin_required
def sites():
    return render_template("dashboard/sites.html", sites=sites_service.all_sites())


@bp.route("/sites/new", methods=["GET", "POST"])
@admin_required
def new_site():
    return _save_site(None)


@bp.route("/sites/<int:site_id>", methods=["GET", "POST"])
@admin_required
def edit_site(site_id: int):
    return _save_site(sites_service.by_id(site_id) or abort(404))
