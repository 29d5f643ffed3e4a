"""Text from outside: what can be stored, what XML allows, and article titles."""
import re
import unicodedata

from flask_babel import gettext as _
from markupsafe import Markup

#: Characters XML 1.0 forbids (its Char production), lone surrogates included: they make an
#: Atom feed invalid, and some cannot even be encoded for the database.
XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# C0 and C1 controls (tab, newline and carriage return included): never part of a header value.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")
#: The separators pages put between a headline and the site's name in document.title.
TITLE_SEPARATORS = (" | ", " · ", " – ", " — ", " - ")


def unstorable(value: str) -> str | None:
    """Why `value` cannot be stored as text, or None: a NUL (PostgreSQL refuses it) or a lone
    surrogate (half of a character, which no encoding can write)."""
    if "\x00" in value:
        return _("This contains a NUL character, which is not allowed.")
    if _SURROGATE.search(value):
        return _("This contains an invalid character (a lone surrogate), which is not allowed.")
    return None


def strip_xml_invalid(value: str) -> str:
    return XML_INVALID.sub("", value)


def xml_safe(value):
    """Jinja's finalize: every value a template prints loses what XML 1.0 forbids, so no page,
    feed or email can carry it whatever was stored."""
    if isinstance(value, str) and XML_INVALID.search(value):
        cleaned = XML_INVALID.sub("", value)
        return Markup(cleaned) if isinstance(value, Markup) else cleaned
    return value


def clean_header(value: str, limit: int) -> str:
    """A request header's value as it may be stored: no controls, nothing XML forbids, at most
    `limit` characters."""
    return strip_xml_invalid(_CONTROLS.sub("", value)).strip()[:limit]


def _squashed(text: str) -> str:
    folded = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
    return folded.removeprefix("the ")


def clean_title(title: str, site_name: str) -> str:
    """The article's title for the record: nothing XML forbids, and without the site's name
    that most pages add to document.title ("Story · The Daily Demo", "Site | Story").

    Only a first or last part that is the site's own name goes (ignoring case, spaces and a
    leading "The"), so a headline with a dash of its own keeps it.
    """
    title = " ".join(strip_xml_invalid(title).split())
    wanted = _squashed(site_name)
    if not wanted:
        return title
    for separator in TITLE_SEPARATORS:
        head, found, tail = title.rpartition(separator)
        if found and head.strip() and _squashed(tail) == wanted:
            return head.strip()
        head, found, tail = title.partition(separator)
        if found and tail.strip() and _squashed(head) == wanted:
            return tail.strip()
    return title


#: The largest value of an INTEGER column (32 bits on PostgreSQL): ids, versions, counts.
MAX_INT = 2**31 - 1
_NUMBER = re.compile("[0-9]{1,10}")


def is_number(value) -> bool:
    """Whether `value` is a whole number in ASCII digits that an INTEGER column can hold, so
    comparing it with one is no database error. (str.isdigit() is no test: it takes "²",
    which int() refuses.)"""
    return (isinstance(value, str) and _NUMBER.fullmatch(value) is not None
            and int(value) <= MAX_INT)


_LINK = re.compile(r"https?://|\bwww\.", re.IGNORECASE)


def count_links(text: str) -> int:
    """How many web links the text holds (a spam guard caps them in comments)."""
    return len(_LINK.findall(text))
