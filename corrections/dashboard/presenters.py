"""How dashboard pages show things: labels, ages, audit notes, dates, word diffs."""
import difflib
import re

from babel.units import format_unit
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import labels
from ..models import utcnow
from .blueprint import bp


@bp.app_context_processor
def _labels():
    return {"STATE_LABELS": labels.STATE_LABELS, "KIND_LABELS": labels.KIND_LABELS,
            "ACTION_LABELS": labels.ACTION_LABELS, "EVENT_LABELS": labels.EVENT_LABELS,
            "PUBLICATION_LABELS": labels.PUBLICATION_LABELS}


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


_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """The change from old to new wording, word by word: ("same"|"del"|"ins", text) pieces."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    pieces: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            pieces.append(("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(("del", "".join(a[i1:i2])))
        if j2 > j1:
            pieces.append(("ins", "".join(b[j1:j2])))
    return pieces
