"""What email needs to remember besides the outbox: used action links, readers' addresses and
unsubscribed readers."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import Site, utcnow


class UsedActionToken(db.Model):
    """A one-click action link that has been used; its nonce can never act again."""
    __tablename__ = "used_action_token"

    nonce: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("correction_request.id"))
    editor_id: Mapped[int] = mapped_column(sa.ForeignKey("editor.id"))
    action: Mapped[str] = mapped_column(sa.String(32))
    used_at: Mapped[datetime] = mapped_column(default=utcnow)


class MailUnsubscribe(db.Model):
    """A reader who asked a site to send no more outcome emails to this address."""
    __tablename__ = "mail_unsubscribe"
    __table_args__ = (sa.UniqueConstraint("site_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"))
    #: Lower-cased, so the check does not depend on how the reader typed it.
    email: Mapped[str] = mapped_column(sa.String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReaderAddress(db.Model):
    """A reader's address as one site knows it: outcome emails go only to confirmed ones.

    `token` is random and opaque: confirmation and unsubscribe links name it, never the address.
    """
    __tablename__ = "reader_address"
    __table_args__ = (sa.UniqueConstraint("site_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"))
    #: In the normal form of corrections.addresses.
    email: Mapped[str] = mapped_column(sa.String(254))
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    confirmed_at: Mapped[datetime | None]
    #: When the last confirmation email was written, if any.
    confirmation_sent_at: Mapped[datetime | None]
    #: The `lang` of the reader's latest submission that named one ("" if none did): the
    #: pages behind their links use it.
    language: Mapped[str] = mapped_column(sa.String(8), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    site: Mapped[Site] = relationship()
