"""One request's page, the actions on it, and renaming its article."""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from ..accounts import editors as accounts
from ..intake import spam
from ..intake.forms import choices
from ..labels import ACTION_LABELS
from ..text import is_number
from ..urls import safe_link, text_fragment_url
from ..workflow import actions
from ..workflow.transitions import (
    Action,
    QueueError,
    StaleVersion,
    allowed_actions,
    public_entry,
)
from . import queries
from .blueprint import bp, current_editor
from .forms import ActionForm, TitleForm
from .presenters import word_diff

#: The likely next step first: accept a new request, publish an accepted one.
ACTION_ORDER = (Action.ACCEPT, Action.PUBLISH, Action.AMEND, Action.CLAIM, Action.REOPEN,
                Action.ASSIGN, Action.REJECT, Action.DUPLICATE, Action.WITHDRAW, Action.SPAM)


def _render_request(item, *, status=200, error=None, failed_action=None, failed_form=None,
                    seen=None, title_form=None, title_error=None):
    """The request's page; after a refused action, the editor's typing is kept in its form."""
    editors = accounts.active_editors()
    forms = {}
    entry = public_entry(item)
    allowed = allowed_actions(item)
    for action in [a for a in ACTION_ORDER if a in allowed]:
        form = failed_form if action is failed_action and failed_form is not None \
            else ActionForm(prefix=action.value, formdata=None)
        form.version.data = str(item.version)
        form.seen.data = str(item.events[-1].id if item.events else 0)
        form.assignee.choices = choices([("", _("Nobody"))] + [(str(e.id), e.email) for e in editors])
        if action is Action.ASSIGN and failed_form is None:
            form.assignee.data = str(item.assignee_id or "")
        if action is Action.AMEND and failed_form is None and entry is not None:
            form.publication_type.data = entry.publication_type.value
            form.public_note.data = entry.note
        if action is Action.PUBLISH and not form.publication_type.data:
            form.publication_type.data = ("clarification" if item.kind.value == "clarification"
                                          else "correction")
        forms[action] = form
    if title_form is None:
        title_form = TitleForm(formdata=None)
        title_form.title.data = item.article.title
    title_form.shown.data = item.article.title
    return render_template(
        "dashboard/request.html", item=item, forms=forms, error=error, seen=seen, entry=entry,
        title_form=title_form, title_error=title_error,
        senders=spam.senders_of(item.id) if Action.SPAM in forms else None,
        diff=word_diff(item.quote_exact, item.proposed) if item.proposed else None,
        article_link=safe_link(text_fragment_url(
            item.article.url, item.quote_exact, item.quote_prefix, item.quote_suffix)),
        same_client=actions.open_requests_from_same_clients(item)), status


@bp.get("/requests/<int:request_id>")
def request_detail(request_id: int):
    item = queries.get_request(request_id) or abort(404)
    return _render_request(item)


@bp.post("/requests/<int:request_id>/<action_name>")
def act(request_id: int, action_name: str):
    try:
        action = Action(action_name)
    except ValueError:
        abort(404)
    item = queries.get_request(request_id) or abort(404)
    form = ActionForm(prefix=action.value)
    form.validate_on_submit()  # binds the data; CSRF was checked before the view
    version = form.version.data or ""
    seen = int(form.seen.data) if is_number(form.seen.data) else None
    if not is_number(version):
        return _render_request(item, status=400, error=_("The form was incomplete. Reload the "
                                                         "page and try again."))
    try:
        events = actions.act(item, action, editor=current_editor(), version=int(version),
                            given=form.as_input())
    except StaleVersion as problem:
        item = queries.get_request(request_id)
        # What the editor typed is kept, now at the new version: they decide again.
        return _render_request(item, status=problem.status, error=problem.message,
                               seen=seen if seen is not None else 0, failed_action=action,
                               failed_form=form)
    except QueueError as problem:
        item = queries.get_request(request_id)
        return _render_request(item, status=problem.status, error=problem.message,
                               failed_action=action, failed_form=form)
    others = len(events) - 1
    done = _("%(action)s: done.", action=ACTION_LABELS[action])
    if others:
        done += " " + ngettext("%(num)d other request from the same sender marked as spam too.",
                               "%(num)d other requests from the same sender marked as spam too.",
                               others)
    flash(done, "success")
    return redirect(url_for(".request_detail", request_id=request_id), 303)


@bp.post("/requests/<int:request_id>/title")
def retitle(request_id: int):
    item = queries.get_request(request_id) or abort(404)
    form = TitleForm()
    form.validate_on_submit()  # binds the data; CSRF was checked before the view
    try:
        event = actions.retitle(item, form.title.data or "", shown=form.shown.data or "",
                               editor=current_editor())
    except QueueError as problem:
        item = queries.get_request(request_id)
        return _render_request(item, status=problem.status, title_form=form,
                               title_error=problem.message)
    flash(_("Saved the title.") if event else _("The title is unchanged."), "success")
    return redirect(url_for(".request_detail", request_id=request_id), 303)
