"""The queue: tabs, filters and keyset pages, actions on many rows, and the CSV export."""
from flask import (
    Response,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from ..accounts import editors as accounts
from ..labels import ACTION_LABELS, STATE_LABELS
from ..sites import service as sites_service
from ..workflow import actions
from ..workflow.transitions import Action, MissingDetail, QueueError
from . import export, queries
from .blueprint import bp, current_editor
from .forms import BulkForm
from .presenters import word_diff

TABS = [("open", _l("Open")), *((s.value, STATE_LABELS[s]) for s in queries.STATE_ORDER),
        ("all", _l("All"))]

def _render_queue(filters: queries.Filters, *, bulk_form=None, error=None, status=200):
    page = queries.queue_page(filters, current_editor(), after=request.args.get("after", ""),
                             before=request.args.get("before", ""))
    return render_template(
        "dashboard/queue.html", filters=filters, page=page,
        counts=queries.state_counts(filters, current_editor()), sites=sites_service.all_sites(),
        editors=accounts.active_editors(), bulk_form=bulk_form or BulkForm(), error=error,
        sort_labels=queries.SORT_LABELS, tabs=TABS,
        diffs={item.id: word_diff(item.quote_exact, item.proposed) if item.proposed else None
               for item in page.items}), status


def _bad_filter(problem: queries.BadFilter):
    return render_template("dashboard/message.html", title=_("This queue address is not valid"),
                           message=problem.message, back=url_for(".index")), problem.status


@bp.get("/")
def index():
    try:
        return _render_queue(queries.parse_filters(request.args))
    except queries.BadFilter as problem:
        return _bad_filter(problem)


@bp.post("/bulk")
def bulk():
    try:
        filters = queries.parse_filters(request.args)
    except queries.BadFilter as problem:
        return _bad_filter(problem)
    form = BulkForm()
    form.validate_on_submit()  # CSRF is checked before any view runs; this only binds the data
    try:
        action = Action(form.action.data) if form.action.data else None
        if action is None:
            raise MissingDetail(_("Choose what to do with the selected requests."))
        selection = actions.parse_selection(request.form.getlist("select"))
        events = actions.act_on_many(selection, action, editor=current_editor(),
                                    given=actions.ActionInput(note=form.note.data or ""))
    except QueueError as problem:
        return _render_queue(filters, bulk_form=form, error=problem.message, status=problem.status)
    flash(ngettext("%(action)s: done for "
                   "%(num)d request.", "%(action)s: done for %(num)d requests.",
                   len(events), action=ACTION_LABELS[action]), "success")
    return redirect(url_for(".index", **filters.args()), 303)


@bp.get("/export.csv", endpoint="export")
def export_csv():
    try:
        filters = queries.parse_filters(request.args)
    except queries.BadFilter as problem:
        return _bad_filter(problem)
    lines = export.export_csv(filters, current_editor())
    return Response(stream_with_context(lines), mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="corrections-queue.csv"',
        "Cache-Control": "no-store"})
