"""Email addresses: one normal form for storing, looking up, throttling and delivering."""
import unicodedata

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import ngettext

MAX_LENGTH = 254


class AddressError(ValueError):
    """An address that cannot be used; the message says why to a person."""


def normalise(value: str) -> str:
    """The address as it is stored and compared: NFKC, lower case, the domain in its ASCII
    (IDNA) form, so "Ed@ＥXAMPLE.org" and "ed@example.org" are one address, and
    "ed@bücher.de" is delivered as "ed@xn--bcher-kva.de".

    A local part (before the @) outside ASCII needs SMTPUTF8 from every server on the way,
    which many lack; such an address is refused here rather than accepted and never delivered.
    """
    text = unicodedata.normalize("NFKC", value).strip()
    if not text:
        raise AddressError(_("Give an email address."))
    if len(text) > MAX_LENGTH:
        raise AddressError(ngettext("An email address has at most %(num)d character.",
                                    "An email address has at most %(num)d characters.", MAX_LENGTH))
    local_part = text.rpartition("@")[0]
    if not local_part.isascii():
        raise AddressError(_("Use an address with only Latin letters, digits and punctuation "
                             "before the @: emails to other addresses cannot be delivered."))
    try:
        checked = validate_email(text, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        raise AddressError(_("This is not a valid email address.")) from None
    return f"{checked.local_part}@{checked.ascii_domain}".lower()


def normalise_or_none(value: str) -> str | None:
    try:
        return normalise(value)
    except AddressError:
        return None


def domain_of(address: str) -> str:
    return address.rpartition("@")[2]
