"""Dashboard forms. They carry CSRF and what was typed; the rules live in triage and admin."""
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)

from .. import spam
from ..forms import choices
from ..models import NotifyMode, Role
from ..queue import Action
from ..triage import (
    BULK_ACTIONS,
    NOTE_LIMIT,
    PUBLIC_NOTE_LIMIT,
    PUBLICATION_LABELS,
    TITLE_LIMIT,
    ActionInput,
)

ACTION_LABELS = {
    Action.CLAIM: "Claim", Action.ASSIGN: "Assign", Action.ACCEPT: "Accept",
    Action.REJECT: "Reject", Action.SPAM: "Mark as spam", Action.DUPLICATE: "Mark as duplicate",
    Action.PUBLISH: "Publish", Action.AMEND: _l("Amend the public note"),
    Action.WITHDRAW: _l("Withdraw the correction"), Action.REOPEN: "Reopen",
}
#: What the audit trail calls each kind of event.
EVENT_LABELS = {"created": "Reported", "reported_again": "Reported again", "retitle": "Changed the title",
                **{action.value: label for action, label in ACTION_LABELS.items()}}


class ActionForm(FlaskForm):
    """One action on one request; rendered with the action as prefix so ids stay unique."""
    version = HiddenField()
    #: The newest audit event the editor saw, to show what changed if they were too late.
    seen = HiddenField()
    note = TextAreaField("Note", render_kw={"maxlength": NOTE_LIMIT, "rows": 3})
    assignee = SelectField("Assign to", choices=[], validate_choice=False)
    duplicate_of = StringField("Duplicate of request number",
                               render_kw={"inputmode": "numeric", "maxlength": 20,
                                          "autocomplete": "off"})
    publication_type = RadioField("Type", choices=choices((t.value, label) for t, label
                                                          in PUBLICATION_LABELS.items()),
                                  validate_choice=False)
    public_note = TextAreaField("Public note", render_kw={"maxlength": PUBLIC_NOTE_LIMIT, "rows": 4})
    same_client = BooleanField("Also mark every open request from the same sender as spam")
    block_client = BooleanField("Block the sender’s network: refuse its next suggestions")
    block_email = BooleanField("Block the sender’s email address")

    def as_input(self) -> ActionInput:
        return ActionInput(note=self.note.data or "", assignee=self.assignee.data or "",
                           duplicate_of=self.duplicate_of.data or "",
                           publication_type=self.publication_type.data or "",
                           public_note=self.public_note.data or "",
                           same_client=bool(self.same_client.data),
                           block_client=bool(self.block_client.data),
                           block_email=bool(self.block_email.data))


class TitleForm(FlaskForm):
    """The article's title, as editors confirm or change it."""
    title = StringField("Article title", render_kw={"maxlength": TITLE_LIMIT, "autocomplete": "off"})
    #: The title the editor saw, so a change made meanwhile by someone else is not overwritten.
    shown = HiddenField()


class BlockForm(FlaskForm):
    kind = SelectField("What to block", validate_choice=False, choices=choices(
        (kind.value, label) for kind, label in spam.KIND_LABELS.items()))
    value = StringField("Value", render_kw={"maxlength": 254, "autocomplete": "off"})
    note = StringField("Note (optional)", render_kw={"maxlength": 200, "autocomplete": "off"})


class BulkForm(FlaskForm):
    action = SelectField("With the selected requests",
                         choices=choices([("", "Choose an action…")]
                                         + [(a.value, ACTION_LABELS[a]) for a in BULK_ACTIONS]),
                         validate_choice=False)
    note = StringField("Reason (for rejecting)", render_kw={"maxlength": NOTE_LIMIT})


class SiteForm(FlaskForm):
    key = StringField("Key", render_kw={"maxlength": 64, "autocomplete": "off",
                                        "pattern": "[A-Za-z0-9_\\-]{1,64}"})
    name = StringField("Name", render_kw={"maxlength": 200})
    origins = TextAreaField("Origins", render_kw={"rows": 3})
    notify_emails = TextAreaField("Notification addresses", render_kw={"rows": 3})
    language = SelectField("Language", choices=[], validate_choice=False)
    corrections_policy_url = URLField(_l("Corrections policy page"),
                                      render_kw={"maxlength": 2000, "autocomplete": "off"})
    notify_mode = RadioField("Tell editors", validate_choice=False, choices=choices([
        (NotifyMode.IMMEDIATE.value, "At once, one email per new request"),
        (NotifyMode.HOURLY.value, "In an hourly digest"),
        (NotifyMode.DAILY.value, "In a daily digest")]))

    def set_language_choices(self) -> None:
        names = {"en": "English", "uk": "Українська"}
        self.language.choices = choices((code, names.get(code, code))
                                        for code in current_app.config["LANGUAGES"])


ROLE_CHOICES = [(Role.EDITOR.value, "Editor"), (Role.ADMIN.value, "Admin")]


class InviteForm(FlaskForm):
    email = EmailField("Email address", render_kw={"maxlength": 254, "autocomplete": "off"})
    role = SelectField("Role", choices=choices(ROLE_CHOICES), validate_choice=False)


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=choices(ROLE_CHOICES), validate_choice=False)
