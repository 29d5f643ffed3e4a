"""Dashboard forms. They carry CSRF and what was typed; the rules live in the services."""
from flask_babel import get_locale
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

from .. import languages
from ..intake import spam
from ..intake.forms import choices
from ..labels import ACTION_LABELS, PUBLICATION_LABELS, ROLE_LABELS
from ..languages import language_names
from ..models import NotifyMode
from ..workflow.actions import (
    BULK_ACTIONS,
    NOTE_LIMIT,
    PUBLIC_NOTE_LIMIT,
    TITLE_LIMIT,
    ActionInput,
)


class ActionForm(FlaskForm):
    """One action on one request; rendered with the action as prefix so ids stay unique."""
    version = HiddenField()
    #: The newest audit event the editor saw, to show what changed if they were too late.
    seen = HiddenField()
    note = TextAreaField(_l("Note"), render_kw={"maxlength": NOTE_LIMIT, "rows": 3})
    assignee = SelectField(_l("Assign to"), choices=[], validate_choice=False)
    duplicate_of = StringField(_l("Duplicate of request number"),
                               render_kw={"inputmode": "numeric", "maxlength": 20,
                                          "autocomplete": "off"})
    publication_type = RadioField(_l("Type"), choices=choices((t.value, label) for t, label
                                                          in PUBLICATION_LABELS.items()),
                                  validate_choice=False)
    public_note = TextAreaField(_l("Public note"), render_kw={"maxlength": PUBLIC_NOTE_LIMIT, "rows": 4})
    same_client = BooleanField(_l("Also mark every open request from the same sender as spam"))
    block_client = BooleanField(_l("Block the sender’s network: refuse its next suggestions"))
    block_email = BooleanField(_l("Block the sender’s email address"))

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
    title = StringField(_l("Article title"), render_kw={"maxlength": TITLE_LIMIT, "autocomplete": "off"})
    #: The title the editor saw, so a change made meanwhile by someone else is not overwritten.
    shown = HiddenField()


class BlockForm(FlaskForm):
    kind = SelectField(_l("What to block"), validate_choice=False, choices=choices(
        (kind.value, label) for kind, label in spam.KIND_LABELS.items()))
    value = StringField(_l("Value"), render_kw={"maxlength": 254, "autocomplete": "off"})
    note = StringField(_l("Note (optional)"), render_kw={"maxlength": 200, "autocomplete": "off"})


class BulkForm(FlaskForm):
    action = SelectField(_l("With the selected requests"),
                         choices=choices([("", _l("Choose an action…"))]
                                         + [(a.value, ACTION_LABELS[a]) for a in BULK_ACTIONS]),
                         validate_choice=False)
    note = StringField(_l("Reason (for rejecting)"), render_kw={"maxlength": NOTE_LIMIT})


class SiteForm(FlaskForm):
    key = StringField(_l("Key"), render_kw={"maxlength": 64, "autocomplete": "off",
                                        "pattern": "[A-Za-z0-9_\\-]{1,64}"})
    name = StringField(_l("Name"), render_kw={"maxlength": 200})
    origins = TextAreaField(_l("Origins"), render_kw={"rows": 3})
    notify_emails = TextAreaField(_l("Notification addresses"), render_kw={"rows": 3})
    language = SelectField(_l("Language"), choices=[], validate_choice=False)
    corrections_policy_url = URLField(_l("Corrections policy page"),
                                      render_kw={"maxlength": 2000, "autocomplete": "off"})
    notify_mode = RadioField(_l("Tell editors"), validate_choice=False, choices=choices([
        (NotifyMode.IMMEDIATE.value, _l("At once, one email per new request")),
        (NotifyMode.HOURLY.value, _l("In an hourly digest")),
        (NotifyMode.DAILY.value, _l("In a daily digest"))]))

    def set_language_choices(self) -> None:
        self.language.choices = choices(language_names().items())


ROLE_CHOICES = [(role.value, label) for role, label in ROLE_LABELS.items()]


class InviteForm(FlaskForm):
    email = EmailField(_l("Email address"), render_kw={"maxlength": 254, "autocomplete": "off"})
    role = SelectField(_l("Role"), choices=choices(ROLE_CHOICES), validate_choice=False)
    #: The language of their invitation, dashboard and emails; preset from the browser's.
    language = SelectField(_l("Language"), choices=[], validate_choice=False)

    def set_language_choices(self) -> None:
        self.language.choices = choices(language_names().items())
        if not self.language.data:
            self.language.data = languages.choose(browser=languages.from_browser())


class AccountForm(FlaskForm):
    language = SelectField(_l("Language of the dashboard and your emails"), choices=[],
                           validate_choice=False)
    time_zone = SelectField(_l("Time zone for dates and times"), choices=[],
                            validate_choice=False)

    def set_choices(self) -> None:
        self.language.choices = choices(language_names().items())
        self.time_zone.choices = choices(languages.time_zone_names(str(get_locale())))


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=choices(ROLE_CHOICES), validate_choice=False)
