"""Admins' page for the block list and what the spam guards refused."""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ..intake import spam
from .blueprint import admin_required, bp, current_editor
from .forms import BlockForm


def _render_spam(form=None, *, error=None, status=200):
    return render_template("dashboard/spam.html", entries=spam.entries(),
                           form=form or BlockForm(formdata=None), error=error,
                           refusals=spam.refusal_summary(), days=spam.SUMMARY_DAYS,
                           kind_labels=spam.KIND_LABELS, reason_labels=spam.REASON_LABELS), status


@bp.get("/spam")
@admin_required
def spam_guards():
    return _render_spam()


@bp.post("/spam/entries")
@admin_required
def add_block():
    form = BlockForm()
    form.validate_on_submit()
    try:
        entry = spam.add_entry(form.kind.data or "", form.value.data or "", form.note.data or "",
                               by=current_editor())
    except spam.BlockError as problem:
        for name, message in problem.fields.items():
            form[name].errors = [message]
        return _render_spam(form, error=_("The entry was not added."), status=problem.status)
    flash(_("Blocked: %(kind)s “%(value)s”.", kind=spam.KIND_LABELS[entry.kind].lower(), value=entry.value), "success")
    return redirect(url_for(".spam_guards"), 303)


@bp.post("/spam/entries/<int:entry_id>/delete")
@admin_required
def remove_block(entry_id: int):
    entry = spam.entry(entry_id) or abort(404)
    spam.remove_entry(entry)
    flash(_("Removed the entry from the block list."), "success")
    return redirect(url_for(".spam_guards"), 303)
