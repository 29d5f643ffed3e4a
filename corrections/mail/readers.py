"""Readers' addresses, confirmed before any outcome email (double opt-in).

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
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .. import clients, outbox
from ..extensions import db
from ..models import Site, Submission, utcnow
from ..urls import public_url_for
from .links import LinkError
from .models import ReaderAddress

CONFIRM_SALT = "corrections.mail.confirm"
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
    if (clients.over_limit(config["CONFIRM_EMAIL_RATE_LIMIT"], "confirm-address", address.email)
            or clients.over_limit(config["CONFIRM_EMAIL_CLIENT_RATE_LIMIT"], "confirm-client",
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


def confirm(signed: str) -> ReaderAddress:
    """Confirm the link's address (again is harmless) and tell it the outcomes already
    decided for its reports; commit."""
    from .. import notifications  # notifications imports this module

    address = address_for_link(signed)
    # Compare-and-set: of two clicks at once, one confirms and tells.
    first = db.session.execute(
        sa.update(ReaderAddress).where(ReaderAddress.id == address.id,
                                       ReaderAddress.confirmed_at.is_(None))
        .values(confirmed_at=utcnow()), execution_options={"synchronize_session": False}).rowcount
    db.session.refresh(address)
    if first:
        notifications.address_confirmed(address)
    db.session.commit()
    return address


def language_of(site: Site, email: str) -> str:
    """The language `email` last wrote to `site` in ("" if unknown)."""
    return db.session.scalar(sa.select(ReaderAddress.language).where(
        ReaderAddress.site_id == site.id, ReaderAddress.email == email.lower())) or ""


def address_for_token(token: str) -> ReaderAddress | None:
    return db.session.scalar(sa.select(ReaderAddress).where(ReaderAddress.token == token))
