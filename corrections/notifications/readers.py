"""Readers' addresses: confirmed before any outcome email (double opt-in), and unsubscribing.

A reader who asks to hear the outcome gets one email asking to confirm the address: the
site's name, the reference and a signed link that expires, and nothing the reader typed, so
nobody can use the form to mail their text to someone else. Only confirmed addresses hear
outcomes; an address confirmed once for a site stays confirmed. Confirmation emails are
limited per address and per client (CONFIRM_EMAIL_RATE_LIMIT, CONFIRM_EMAIL_CLIENT_RATE_LIMIT).

Links name the address's random token, never the address.
"""
from __future__ import annotations

import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import (
    BadData,
    SignatureExpired,
    URLSafeSerializer,
    URLSafeTimedSerializer,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from .. import rate_limits
from ..extensions import db
from ..models import Site, Submission, utcnow
from ..text import MAX_INT
from ..urls import public_url_for
from . import outbox
from .links import LinkError
from .models import MailUnsubscribe, ReaderAddress

CONFIRM_SALT = "corrections.mail.confirm"
UNSUBSCRIBE_SALT = "corrections.mail.unsubscribe"
#: A reader who sends several suggestions in a row gets one confirmation email, not one each.
RESEND_AFTER = timedelta(hours=1)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=CONFIRM_SALT)


def address_of(site: Site, email: str) -> ReaderAddress:
    """The site's row for `email` (in normal form), made on first use."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(ReaderAddress)
                       .values(site_id=site.id, email=email, token=secrets.token_urlsafe(24),
                               created_at=utcnow())
                       .on_conflict_do_nothing(index_elements=["site_id", "email"]))
    return db.session.scalars(sa.select(ReaderAddress).where(
        ReaderAddress.site_id == site.id, ReaderAddress.email == email)).one()


def confirmed_address(site: Site, email: str) -> ReaderAddress | None:
    return db.session.scalar(sa.select(ReaderAddress).where(
        ReaderAddress.site_id == site.id, ReaderAddress.email == email.lower(),
        ReaderAddress.confirmed_at.is_not(None)))


def confirm_days() -> int:
    return max(1, current_app.config["READER_CONFIRM_MAX_AGE"] // 86400)


def ask_to_confirm(submission: Submission, *, client_key: str) -> bool:
    """Add a confirmation email for the submission's address to the session, unless the
    address is confirmed for the site already, was sent one within RESEND_AFTER, or a limit is
    reached. True if one was added."""
    site = submission.request.site
    address = address_of(site, submission.email)
    if submission.language:  # the pages behind this address's links speak it
        address.language = submission.language
    if address.confirmed_at is not None:
        return False
    sent = address.confirmation_sent_at
    if sent is not None and utcnow() - sent < RESEND_AFTER:
        return False
    config = current_app.config
    if (rate_limits.over_limit(config["CONFIRM_EMAIL_RATE_LIMIT"], "confirm-address", address.email)
            or rate_limits.over_limit(config["CONFIRM_EMAIL_CLIENT_RATE_LIMIT"], "confirm-client",
                                  client_key)):
        return False
    link = public_url_for("mail.confirm_address", token=_serializer().dumps(address.token))
    outbox.enqueue(kind="reader_confirm", recipient=address.email, template="reader_confirm",
                   language=site.language,
                   context={"site": site, "reference": submission.reference,
                            "confirm_url": link, "days": confirm_days()})
    address.confirmation_sent_at = utcnow()
    return True


def address_for_link(signed: str) -> ReaderAddress:
    """The address a confirmation link was made for, if it is genuine and fresh."""
    try:
        token = _serializer().loads(signed, max_age=current_app.config["READER_CONFIRM_MAX_AGE"])
    except SignatureExpired:
        raise LinkError(410, _("This confirmation link has expired. Send your suggestion again "
                               "with your address to get a new one.")) from None
    except BadData:
        raise LinkError(400, _("This confirmation link is not valid. Use the link from "
                               "the email as it is.")) from None
    address = (db.session.scalar(sa.select(ReaderAddress).where(ReaderAddress.token == token))
               if isinstance(token, str) else None)
    if address is None:
        raise LinkError(404, _("This address is no longer on record, so there is "
                               "nothing to confirm."))
    return address


def language_of(site: Site, email: str) -> str:
    """The language `email` last wrote to `site` in ("" if unknown)."""
    return db.session.scalar(sa.select(ReaderAddress.language).where(
        ReaderAddress.site_id == site.id, ReaderAddress.email == email.lower())) or ""


def address_for_token(token: str) -> ReaderAddress | None:
    return db.session.scalar(sa.select(ReaderAddress).where(ReaderAddress.token == token))


# --- unsubscribing readers ---------------------------------------------------------------
# A link names the reader's address by its random token (ReaderAddress.token), which reveals
# nothing. Links sent before there were such tokens carry the site and the address, signed;
# they keep working, since an unsubscribe link must work for as long as the email is kept.

def _unsubscribe_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token: str) -> tuple[Site, str]:
    address = address_for_token(token)
    if address is not None:
        return address.site, address.email
    try:
        data = _unsubscribe_serializer().loads(token)
        site_id, email = int(data["s"]), str(data["e"])
    except (BadData, KeyError, TypeError, ValueError, OverflowError):
        raise LinkError(400, _("This unsubscribe link is not valid. Use the link from "
                               "the email as it is.")) from None
    site = db.session.get(Site, site_id) if 0 < site_id <= MAX_INT else None
    if site is None:
        raise LinkError(404, _("This site no longer exists, so it will not email you."))
    return site, email


def is_unsubscribed(site: Site, email: str) -> bool:
    return db.session.scalar(sa.select(MailUnsubscribe.id).where(
        MailUnsubscribe.site_id == site.id, MailUnsubscribe.email == email.lower())) is not None


def unsubscribe(token: str) -> tuple[Site, str]:
    """Stop outcome emails from the token's site to its address. Doing it twice is harmless."""
    site, email = read_unsubscribe_token(token)
    if not is_unsubscribed(site, email):
        db.session.add(MailUnsubscribe(site_id=site.id, email=email))
        try:
            db.session.commit()
        except IntegrityError:  # unsubscribed by a simultaneous click: the outcome is the same
            db.session.rollback()
    return site, email
