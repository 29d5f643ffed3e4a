"""The outbox: every email is first a row written in the transaction that caused it."""
from email.utils import make_msgid
from urllib.parse import urlsplit

from flask import current_app, render_template

from .extensions import db
from .models import CorrectionRequest, OutboxMessage


def one_line(text: str, limit: int = 300) -> str:
    """Collapse whitespace, CR and LF included, so reader text cannot add mail headers."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def enqueue(*, kind: str, recipient: str, subject: str, template: str, context: dict,
            request: CorrectionRequest | None = None,
            headers: dict[str, str] | None = None) -> OutboxMessage:
    """Render templates/email/<template>.txt and .html and add the message to the session."""
    domain = urlsplit(current_app.config["PUBLIC_URL"]).hostname or "localhost"
    message = OutboxMessage(
        kind=kind, recipient=recipient, subject=one_line(subject),
        body_text=render_template(f"email/{template}.txt", **context),
        body_html=render_template(f"email/{template}.html", **context),
        message_id=make_msgid(idstring=kind.replace("_", "-"), domain=domain),
        headers=headers or {}, request=request)
    db.session.add(message)
    return message
