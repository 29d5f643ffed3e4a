"""Outbox rows as MIME messages, written by hand: one pass, no email package objects, lines
that no server will reject."""
from __future__ import annotations

import functools
import random
import sys
from email import quoprimime
from email.header import Header
from email.utils import formatdate

import flask_mail

MAX_LINE_BYTES = 998

def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")


def _text_part(text: str | None, subtype: str, eight_bit: bool) -> str:
    """One text/<subtype> part, headers and body: 8bit keeps mail readable as it is;
    quoted-printable when a line is too long for SMTP (a reader's long one-line comment), or
    when the text is not ASCII and the server did not offer 8BITMIME (RFC 6152)."""
    text = text or ""
    encoded = text.encode()
    if ((not eight_bit and not text.isascii()) or len(encoded) > MAX_LINE_BYTES
            and max(map(len, encoded.splitlines())) > MAX_LINE_BYTES):
        encoding, body = "quoted-printable", quoprimime.body_encode(
            encoded.decode("latin-1"), eol="\r\n")  # it encodes bytes held in a str
    else:
        encoding, body = "8bit", _crlf(text)
    return (f'Content-Type: text/{subtype}; charset="utf-8"\r\nMIME-Version: 1.0\r\n'
            f"Content-Transfer-Encoding: {encoding}\r\n\r\n{body}")


def _header(value: str) -> str:
    """A header value as 7-bit ASCII: RFC 2047 encoded when it is not ASCII already."""
    if value.isascii():
        return value
    return Header(value, "utf-8").encode(linesep="\r\n")


@functools.lru_cache(maxsize=1024)
def address(address: str) -> str:
    """An address as SMTP and a header want it (Flask-Mail's rules); few distinct ones recur."""
    return flask_mail.sanitize_address(address)


def render(row, sender: str, *, eight_bit: bool = True) -> bytes:
    """The message as SMTP data: multipart/alternative with a text and an HTML part.

    Written directly rather than through Flask-Mail's Message and the email generator, which
    cost more per message than sending it: the headers are few and known, the parts are text.
    """
    headers = {"Subject": row.subject, "To": row.recipient, **(row.headers or {})}
    if any("\r" in value or "\n" in value for value in headers.values()):
        raise flask_mail.BadHeaderError("a header contains a line break")
    text = _text_part(row.body_text, "plain", eight_bit)
    html = _text_part(row.body_html, "html", eight_bit)
    boundary = f"==============={random.randrange(sys.maxsize):019d}=="
    while boundary in text or boundary in html:
        boundary = f"==============={random.randrange(sys.maxsize):019d}=="
    extra = "".join(f"{name}: {_header(value)}\r\n" for name, value in (row.headers or {}).items())
    message = (f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n'
               f"MIME-Version: 1.0\r\n"
               f"Subject: {_header(row.subject)}\r\n"
               f"From: {sender}\r\n"
               f"To: {address(row.recipient)}\r\n"
               f"Date: {formatdate(localtime=True)}\r\n"
               # Stable: a repeated delivery is recognisably the same mail.
               f"Message-ID: {row.message_id}\r\n"
               f"{extra}\r\n"
               f"--{boundary}\r\n{text}\r\n--{boundary}\r\n{html}\r\n--{boundary}--\r\n")
    return message.encode()


