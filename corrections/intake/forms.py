"""HTML forms. Validation rules live in the intake; forms carry CSRF, layout and the reader's typing."""
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
from wtforms.fields.choices import SelectChoice

from ..labels import KIND_LABELS
from .rules import LIMITS


def choices(pairs) -> list[SelectChoice]:
    """WTForms choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def _max(name: str) -> dict:
    return {"maxlength": LIMITS[name]}


class SuggestionForm(FlaskForm):
    # validate_choice=False: the intake checks choices, so there is one rule in one place.
    site = SelectField(_l("Newspaper or site"), choices=[], validate_choice=False)
    url = URLField(_l("Address (URL) of the article"), render_kw=_max("url") | {"inputmode": "url"})
    title = HiddenField()
    #: The reader's language, from the form link (?lang=); it keeps the pages in it.
    lang = HiddenField()
    prefix = HiddenField()
    suffix = HiddenField()
    quote = TextAreaField(_l("The passage as it stands"), render_kw=_max("exact") | {"rows": 3})
    kind = RadioField(_l("What is wrong?"), choices=choices((k.value, label) for k, label in KIND_LABELS.items()),
                      default="typo", validate_choice=False)
    suggestion = TextAreaField(_l("How it should read (optional)"), render_kw=_max("suggestion") | {"rows": 3})
    comment = TextAreaField(_l("Anything the editors should know (optional)"),
                            render_kw=_max("comment") | {"rows": 4})
    name = StringField(_l("Your name (optional)"), render_kw=_max("name") | {"autocomplete": "name"})
    email = EmailField(_l("Your email (optional)"), render_kw=_max("email") | {"autocomplete": "email"})
    notify = BooleanField(_l("Email me the outcome"))
    # The honeypot: hidden from people, tempting to bots.
    website = StringField(_l("Leave this field empty"), render_kw={"autocomplete": "off", "tabindex": "-1"})
    #: When the form was shown, signed (intake.form_started): a form sent sooner than
    #: FORM_MIN_SECONDS after is a bot's.
    started = HiddenField()

    def as_intake(self) -> dict:
        """The form's data in the shape of the JSON intake request."""
        return {
            "site": self.site.data, "url": self.url.data, "title": self.title.data,
            "quote": {"exact": self.quote.data, "prefix": self.prefix.data,
                      "suffix": self.suffix.data},
            "kind": self.kind.data, "suggestion": self.suggestion.data,
            "comment": self.comment.data, "name": self.name.data, "email": self.email.data,
            "notify": bool(self.notify.data), "website": self.website.data,
        }

    def show_errors(self, errors: dict[str, str]) -> None:
        """Put the intake's errors next to the fields they belong to."""
        for name, message in errors.items():
            target = "quote" if name.startswith(("quote", "position")) else name
            field = self[target] if target in self and target not in ("title", "prefix", "suffix") else None
            if field is None or isinstance(field, HiddenField):
                self.form_errors.append(message)
            else:
                field.errors = [*field.errors, message]
