"""The outbox: every email is first a row written in the transaction that caused it."""
from email.utils import make_msgid
from urllib.parse import urlsplit

from flask import current_app, g
from flask_babel import force_locale
from jinja2 import TemplateNotFound

from ..extensions import db
from ..models import CorrectionRequest, OutboxMessage

#: Templates live in a folder per language (templates/email/<language>/, and
#: templates/mail/<language>/ for the pages readers reach from an email); a language without
#: the template falls back to this.
FALLBACK_LANGUAGE = "en"


def one_line(text: str, limit: int = 300) -> str:
    """Collapse whitespace, CR and LF included, so reader text cannot add mail headers."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def template_language(path: str, language: str) -> str:
    """`language` if the template at `path` ("{}" standing for the language) exists in it,
    else the fallback language."""
    try:
        current_app.jinja_env.get_template(path.format(language))
    except TemplateNotFound:  # no such language folder, or a code that is no folder name
        return FALLBACK_LANGUAGE
    return language


def _render(name: str, context: dict) -> str:
    return current_app.jinja_env.get_template(name).render(context)


def _processed_context(language: str) -> dict:
    """What the app's context processors add to a template, for emails in `language`: worked
    out once per language in this application context (a request, or the mail worker's
    pass), not once per email, for a worker writes thousands."""
    made = g.setdefault("_email_context_by_language", {})
    if language not in made:
        context: dict = {}
        current_app.update_template_context(context)
        made[language] = context
    return made[language]


def enqueue(*, kind: str, recipient: str, template: str, context: dict, language: str = "en",
            subject: str | None = None, request: CorrectionRequest | None = None,
            headers: dict[str, str] | None = None) -> OutboxMessage:
    """Render templates/email/<language>/<template>.subject.txt, .txt and .html into an
    outbox row and add it to the session (the caller's transaction commits it)."""
    language = template_language(f"email/{{}}/{template}.txt", language)
    context = {**context, "lang": language, "recipient": recipient}
    folder = f"email/{language}/{template}"
    with force_locale(language):  # shared pieces and formatted dates follow the email's language
        context = {**_processed_context(language), **context}
        if subject is None:
            subject = _render(f"{folder}.subject.txt", context)
        body_text = _render(f"{folder}.txt", context)
        body_html = _render(f"{folder}.html", context)
    headers = {"Auto-Submitted": "auto-generated", "Content-Language": language, **(headers or {})}
    domain = urlsplit(current_app.config["PUBLIC_URL"]).hostname or "localhost"
    message = OutboxMessage(
        kind=kind, recipient=recipient, subject=one_line(subject),
        body_text=body_text, body_html=body_html,
        message_id=make_msgid(idstring=kind.replace("_", "-"), domain=domain),
        # Header values are ours (URLs, codes), but a stray newline must never reach SMTP.
        headers={name: one_line(value, 2000) for name, value in headers.items()},
        request=request)
    db.session.add(message)
    return message
