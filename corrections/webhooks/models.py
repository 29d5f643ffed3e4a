"""Webhook endpoints and the delivery log (migration 0010)."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import Site, str_enum, utcnow


class WebhookFormat(enum.StrEnum):
    JSON = "json"     # the signed JSON event (docs/webhooks.md)
    SLACK = "slack"   # {"text": …}: a short readable message for a Slack-compatible hook


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class WebhookEndpoint(db.Model):
    """A URL that is sent a site's events.

    The secret is stored as it was shown: the worker needs it to sign every delivery, so it
    must be recoverable, and encrypting it with a key derived from SECRET_KEY would protect it
    only from someone who has the database but not the configuration, while making a key
    rotation (or a restore on another server) break every endpoint silently.
    """
    __tablename__ = "webhook_endpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"), index=True)
    url: Mapped[str] = mapped_column(sa.String(2000))
    #: Event names (service.EVENTS) this endpoint is sent.
    events: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    format: Mapped[WebhookFormat] = mapped_column(str_enum(WebhookFormat, "webhook_format"),
                                                  default=WebhookFormat.JSON)
    secret: Mapped[str] = mapped_column(sa.String(100))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    site: Mapped[Site] = relationship()


class WebhookDelivery(db.Model):
    """One event for one endpoint: written with the event, sent (and retried) by the worker."""
    __tablename__ = "webhook_delivery"
    __table_args__ = (sa.Index("ix_webhook_delivery_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webhook_endpoint.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(sa.String(40))
    #: The exact body sent on every try (JSON text), so a retry is the same message.
    payload: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[DeliveryStatus] = mapped_column(str_enum(DeliveryStatus, "delivery_status"),
                                                   default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: A worker owns the delivery until then; a crashed worker's lease simply expires.
    lease_until: Mapped[datetime | None]
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]

    endpoint: Mapped[WebhookEndpoint] = relationship()
