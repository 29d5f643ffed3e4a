"""What email needs to remember besides the outbox: used action links and unsubscribed readers."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models import utcnow


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
