"""Dashboard pages: the queue, one request and its actions, export, and the admin pages.

Views parse the request, call triage/admin, and render; every state change is in the services.
"""
import re
from functools import wraps

from babel.units import format_unit
from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import format_datetime, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import languages
from ..accounts import editors as admin
from ..extensions import db
from ..intake import spam
from ..intake.forms import choices
from ..models import BlockEntry, Editor, Site, utcnow
from ..text import is_number
from ..workflow.transitions import (
    Action,
    MissingDetail,
    QueueError,
    StaleVersion,
    allowed_actions,
    public_entry,
)
from . import bp, queries
from .forms import (
    ACTION_LABELS,
    EVENT_LABELS,
    ROLE_CHOICES,
    AccountForm,
    ActionForm,
    BlockForm,
    BulkForm,
    InviteForm,
    RoleForm,
    SiteForm,
    TitleForm,
)


@bp.before_request
def require_editor():
    """Every dashboard page needs a signed-in, active editor."""
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()


def admin_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)
    return wrapped


def _editor() -> Editor:
    return current_user._get_current_object()


@bp.app_context_processor
def _labels():
    return {"STATE_LABELS": queries.STATE_LABELS, "KIND_NAMES": queries.KIND_NAMES,
            "ACTION_LABELS": ACTION_LABELS, "EVENT_LABELS": EVENT_LABELS,
            "PUBLICATION_LABELS": queries.PUBLICATION_LABELS}


# --- the queue ------------------------------------------------------------------------------

TABS = [("open", _l("Open")), *((s.value, queries.STATE_LABELS[s]) for s in queries.STATE_ORDER),
        ("all", _l("All"))]

def _render_queue(filters: queries.Filters, *, bulk_form=None, error=None, status=200):
    page = queries.queue_page(filters, _editor(), after=request.args.get("after", ""),
                             before=request.args.get("before", ""))
    return render_template(
        "dashboard/queue.html", filters=filters, page=page,
        counts=queries.state_counts(filters, _editor()), sites=queries.sites(),
        editors=queries.active_editors(), bulk_form=bulk_form or BulkForm(), error=error,
        sort_labels=queries.SORT_LABELS, tabs=TABS,
        diffs={item.id: queries.word_diff(item.quote_exact, item.proposed) if item.proposed else None
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
        selection = queries.parse_selection(request.form.getlist("select"))
        events = queries.act_on_many(selection, action, editor=_editor(),
                                    given=queries.ActionInput(note=form.note.data or ""))
    except QueueError as problem:
        return _render_queue(filters, bulk_form=form, error=problem.message, status=problem.status)
    flash(ngettext("%(action)s: done for "
                   "%(num)d request.", "%(action)s: done for %(num)d requests.",
                   len(events), action=ACTION_LABELS[action]), "success")
    return redirect(url_for(".index", **filters.args()), 303)


@bp.get("/export.csv")
def export():
    try:
        filters = queries.parse_filters(request.args)
    except queries.BadFilter as problem:
        return _bad_filter(problem)
    lines = queries.export_csv(filters, _editor())
    return Response(stream_with_context(lines), mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="corrections-queue.csv"',
        "Cache-Control": "no-store"})


# --- one request ----------------------------------------------------------------------------

#: The likely next step first: accept a new request, publish an accepted one.
ACTION_ORDER = (Action.ACCEPT, Action.PUBLISH, Action.AMEND, Action.CLAIM, Action.REOPEN,
                Action.ASSIGN, Action.REJECT, Action.DUPLICATE, Action.WITHDRAW, Action.SPAM)


def _render_request(item, *, status=200, error=None, failed_action=None, failed_form=None,
                    seen=None, title_form=None, title_error=None):
    """The request's page; after a refused action, the editor's typing is kept in its form."""
    editors = queries.active_editors()
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
        diff=queries.word_diff(item.quote_exact, item.proposed) if item.proposed else None,
        article_link=queries.safe_link(queries.text_fragment_url(
            item.article.url, item.quote_exact, item.quote_prefix, item.quote_suffix)),
        same_client=queries.open_requests_from_same_clients(item)), status


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
        events = queries.act(item, action, editor=_editor(), version=int(version),
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
        event = queries.retitle(item, form.title.data or "", shown=form.shown.data or "",
                               editor=_editor())
    except QueueError as problem:
        item = queries.get_request(request_id)
        return _render_request(item, status=problem.status, title_form=form,
                               title_error=problem.message)
    flash(_("Saved the title.") if event else _("The title is unchanged."), "success")
    return redirect(url_for(".request_detail", request_id=request_id), 303)


# --- admin: the block list and what the spam guards refused --------------------------------

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
                               by=_editor())
    except spam.BlockError as problem:
        form[problem.field].errors = [problem.message]
        return _render_spam(form, error=_("The entry was not added."), status=problem.status)
    flash(_("Blocked: %(kind)s “%(value)s”.", kind=spam.KIND_LABELS[entry.kind].lower(), value=entry.value), "success")
    return redirect(url_for(".spam_guards"), 303)


@bp.post("/spam/entries/<int:entry_id>/delete")
@admin_required
def remove_block(entry_id: int):
    entry = db.session.get(BlockEntry, entry_id) or abort(404)
    spam.remove_entry(entry)
    flash(_("Removed the entry from the block list."), "success")
    return redirect(url_for(".spam_guards"), 303)


# --- admin: sites ---------------------------------------------------------------------------

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
            saved = admin.save_site(site, admin.SiteInput(
                key=form.key.data or "", name=form.name.data or "",
                origins=form.origins.data or "", notify_emails=form.notify_emails.data or "",
                language=form.language.data or "", notify_mode=form.notify_mode.data or "",
                corrections_policy_url=form.corrections_policy_url.data or ""))
        except admin.AdminError as problem:
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
    return render_template("dashboard/sites.html", sites=queries.sites())


@bp.route("/sites/new", methods=["GET", "POST"])
@admin_required
def new_site():
    return _save_site(None)


@bp.route("/sites/<int:site_id>", methods=["GET", "POST"])
@admin_required
def edit_site(site_id: int):
    return _save_site(db.session.get(Site, site_id) or abort(404))


# --- the editor's own account -----------------------------------------------------------

@bp.route("/account", methods=["GET", "POST"])
def account():
    editor = _editor()
    form = AccountForm(formdata=request.form if request.method == "POST" else None)
    form.set_choices()
    status, error = 200, None
    if request.method == "GET":
        form.language.data, form.time_zone.data = editor.language, editor.time_zone
    elif form.validate_on_submit():
        try:
            admin.set_preferences(editor, form.language.data or "", form.time_zone.data or "")
        except admin.AdminError as problem:
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


# --- admin: editors -------------------------------------------------------------------------

def _render_editors(invite_form=None, *, error=None, status=200):
    invite_form = invite_form or InviteForm(formdata=None)
    invite_form.set_language_choices()
    return render_template("dashboard/editors.html", editors=admin.editors(),
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
        editor = admin.invite_editor(form.email.data or "", form.role.data or "",
                                     invited_by=_editor(), language=form.language.data or None)
    except admin.AdminError as problem:
        for name, message in problem.fields.items():
            form[name].errors = [message]
        return _render_editors(form, error=problem.message, status=problem.status)
    flash(_("Invited %(email)s. They will get an email with a link to "
            "choose a password.", email=editor.email),
          "success")
    return redirect(url_for(".editors"), 303)


def _change_editor(editor_id: int, change) -> Response:
    editor = db.session.get(Editor, editor_id) or abort(404)
    try:
        message = change(editor)
    except admin.AdminError as problem:
        return _render_editors(error=problem.message, status=problem.status)
    flash(message, "success")
    return redirect(url_for(".editors"), 303)


@bp.post("/editors/<int:editor_id>/role")
@admin_required
def change_role(editor_id: int):
    form = RoleForm()
    form.validate_on_submit()

    def change(editor):
        admin.change_role(editor, form.role.data or "", by=_editor())
        return (_("%(email)s is now an admin.", email=editor.email) if editor.is_admin
                else _("%(email)s is now an editor.", email=editor.email))
    return _change_editor(editor_id, change)


@bp.post("/editors/<int:editor_id>/deactivate")
@admin_required
def deactivate_editor(editor_id: int):
    def change(editor):
        admin.set_active(editor, False, by=_editor())
        return _("%(email)s can no longer sign in.", email=editor.email)
    return _change_editor(editor_id, change)


@bp.post("/editors/<int:editor_id>/reactivate")
@admin_required
def reactivate_editor(editor_id: int):
    def change(editor):
        admin.set_active(editor, True, by=_editor())
        return _("%(email)s can sign in again.", email=editor.email)
    return _change_editor(editor_id, change)


@bp.post("/editors/<int:editor_id>/invite")
@admin_required
def resend_invitation(editor_id: int):
    def change(editor):
        admin.resend_invitation(editor, invited_by=_editor())
        return _("Sent %(email)s a new invitation.", email=editor.email)
    return _change_editor(editor_id, change)


@bp.app_template_filter("age")
def age(moment) -> str:
    """How long ago, briefly and in the page's language: "5 min", "3 hr", "2 days" / "5 хв"."""
    seconds = max(0, int((utcnow() - moment).total_seconds()))
    if seconds < 3600:
        value, unit = max(1, seconds // 60), "duration-minute"
    elif seconds < 86400:
        value, unit = seconds // 3600, "duration-hour"
    else:
        value, unit = seconds // 86400, "duration-day"
    return format_unit(value, unit, length="short", locale=get_locale())


#: Notes the app writes into the audit trail (in English, as data), and how pages show them.
SYSTEM_NOTES = {
    "Reported by a reader.": _l("Reported by a reader."),
    "Accepted from the email notification.": _l("Accepted from the email notification."),
    "Not an error (rejected from the email notification).":
        _l("Not an error (rejected from the email notification)."),
    "Marked as spam from the email notification.": _l("Marked as spam from the "
                                                      "email notification."),
}
ASSIGNED = re.compile(r"Assigned to (\S+)\.(?: (.*))?", re.DOTALL)
MARKED_SPAM = re.compile(r"Marked as spam: request #(\d+)")


@bp.app_template_filter("audit_note")
def audit_note(note: str) -> str:
    """A note for display: the app's own notes in the reader's language, editors' as written."""
    if note in SYSTEM_NOTES:
        return str(SYSTEM_NOTES[note])
    if found := ASSIGNED.fullmatch(note):
        who = _("nobody") if found.group(1) == "nobody" else found.group(1)
        said = _("Assigned to %(who)s.", who=who)
        return f"{said} {found.group(2)}" if found.group(2) else said
    if found := MARKED_SPAM.fullmatch(note):
        return _("Marked as spam: request #%(id)s", id=found.group(1))
    return note


@bp.app_template_filter("when")
def when(moment) -> str:
    """A moment (stored in UTC) in the editor's time zone and language, with the zone named."""
    return format_datetime(moment, "d MMM y, HH:mm zzz")

