"""The editor's own account: language and time zone."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import languages
from ..accounts import editors as accounts
from ..problem import Problem
from .blueprint import bp, current_editor
from .forms import AccountForm


@bp.route("/account", methods=["GET", "POST"])
def account():
    editor = current_editor()
    form = AccountForm(formdata=request.form if request.method == "POST" else None)
    form.set_choices()
    status, error = 200, None
    if request.method == "GET":
        form.language.data, form.time_zone.data = editor.language, editor.time_zone
    elif form.validate_on_submit():
        try:
            accounts.set_preferences(editor, form.language.data or "", form.time_zone.data or "")
        except Problem as problem:
            for name, message in problem.fields.items():
                form[name].errors = [message]
            status, error = problem.status, problem.message
        else:
            languages.use_editor(editor.language)  # the confirmation in the new language
            flash(_("Saved your settings."), "success")
            return redirect(url_for(".account"), 303)
    else:
        status, error = 400, _("The form had expired. Try again.")
    return render_template("dashboard/account.html", form=form, error=error), status
