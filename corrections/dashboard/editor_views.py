"""Admins' pages for editor accounts: invitations, roles, deactivation."""
from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ..accounts import editors as accounts
from ..problem import Problem
from .blueprint import admin_required, bp, current_editor
from .forms import ROLE_CHOICES, InviteForm, RoleForm


def _render_editors(invite_form=None, *, error=None, status=200):
    invite_form = invite_form or InviteForm(formdata=None)
    invite_form.set_language_choices()
    return render_template("dashboard/editors.html", editors=accounts.editors(),
                           invite_form=invite_form,
                           role_choices=ROLE_CHOICES, error=error), status


@bp.get("/editors")
@admin_required
def editors():
    return _render_editors()


@bp.post("/editors/invite")
@admin_required
def invite_editor():
    form = InviteForm()
    form.validate_on_submit()
    try:
        editor = accounts.invite_editor(form.email.data or "", form.role.data or "",
                                     invited_by=current_editor(), language=form.language.data or None)
    except Problem as problem:
        for name, message in problem.fields.items():
            form[name].errors = [message]
        return _render_editors(form, error=problem.message, status=problem.status)
    flash(_("Invited %(email)s. They will get an email with a link to "
            "choose a password.", email=editor.email),
          "success")
    return redirect(url_for(".editors"), 303)


def _change_editor(editor_id: int, change) -> Response:
    editor = accounts.by_id(editor_id) or abort(404)
    try:
        message = change(editor)
    except Problem as problem:
        return _render_editors(error=problem.message, status=problem.status)
    flash(message, "success")
    return redirect(url_for(".editors"), 303)


@bp.post("/editors/<int:editor_id>/role")
@admin_required
def change_role(editor_id: int):
    form = RoleForm()
    form.validate_on_submit()

    def change(editor):
        accounts.change_role(editor, form.role.data or "")
        return (_("%(email)s is now an admin.", email=editor.email) if editor.is_admin
                else _("%(email)s is now an editor.", email=editor.email))
    return _change_editor(editor_id, change)


@bp.post("/editors/<int:editor_id>/deactivate")
@admin_required
def deactivate_editor(editor_id: int):
    def change(editor):
        accounts.set_active(editor, False, by=current_editor())
        return _("%(email)s can no longer sign in.", email=editor.email)
    return _change_editor(editor_id, change)


@bp.post("/editors/<int:editor_id>/reactivate")
@admin_required
def reactivate_editor(editor_id: int):
    def change(editor):
        accounts.set_active(editor, True, by=current_editor())
        return _("%(email)s can sign in again.", email=editor.email)
    return _change_editor(editor_id, change)


@bp.post("/editors/<int:editor_id>/invite")
@admin_required
def resend_invitation(editor_id: int):
    def change(editor):
        accounts.resend_invitation(editor, invited_by=current_editor())
        return _("Sent %(email)s a new invitation.", email=editor.email)
    return _change_editor(editor_id, change)
