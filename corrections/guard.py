"""Input no page could store or look up, refused before any view sees it."""
from flask import Flask, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter, ValidationError

from .errors import problem
from .text import MAX_INT as MAX_ID

#: Endpoints that check their form fields themselves and name the field at fault.
CHECKS_ITS_OWN_FORM = frozenset({"public.suggest"})


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: a number beyond any id is no page (404), never a database
    error. Long digit strings are refused before they are converted."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None,  # noqa: A002
                 max: int | None = MAX_ID, signed: bool = False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str):
        if len(value) > len(str(MAX_ID)) + 1:
            raise ValidationError()
        return super().to_python(value)


def _with_nul(values) -> list[str]:
    """The names of the parameters whose name or value holds a NUL."""
    return [key for key in values
            if "\x00" in key or any("\x00" in value for value in values.getlist(key))]


def refuse_nul_characters():
    """A NUL in the address, the query or a form: PostgreSQL cannot store or even compare
    text with one, so it is refused here, in one place, with a 400 that says why."""
    where, names = None, []
    if "\x00" in request.path:
        where = "address"
    elif names := _with_nul(request.args):
        where = "address"
    elif (request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data")
          and request.endpoint not in CHECKS_ITS_OWN_FORM and (names := _with_nul(request.form))):
        where = "form"
    if where is None:
        return None
    names = [name.replace("\x00", "\ufffd") for name in names]
    if len(names) == 1:
        message = (_("The parameter “%(name)s” contains a NUL character, which is not allowed.",
                     name=names[0]) if where == "address" else
                   _("The field “%(name)s” contains a NUL character, which is not allowed.",
                     name=names[0]))
    else:
        message = (_("The address contains a NUL character, which is not allowed.")
                   if where == "address" else
                   _("The form contains a NUL character, which is not allowed."))
    return problem(400, "malformed", message, {name: message for name in names} or None)


def init_app(app: Flask) -> None:
    """Before any blueprint adds its routes, so that they all use IdConverter."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_nul_characters)
