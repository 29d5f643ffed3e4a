"""The SMTP client: one connection for many messages, pipelined where the server allows,
and errors described for the outbox page."""
from __future__ import annotations

import functools
import ipaddress
import smtplib
import socket
import ssl
from urllib.parse import urlsplit

import flask_mail
from flask import current_app

#: Errors about one message; the connection stays usable for the next one.
MESSAGE_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)


class SMTPConnection(flask_mail.Connection):
    """Flask-Mail's connection with what it lacks: a timeout (MAIL_TIMEOUT, for connecting and
    for every answer, so a silent server cannot hang the worker) and TLS that checks the
    server's certificate (Flask-Mail's STARTTLS accepts any certificate)."""

    def configure_host(self) -> smtplib.SMTP:
        config = current_app.config
        # Our own name for EHLO: smtplib would otherwise look up the host's FQDN on every connect.
        options = {"local_hostname": _ehlo_name(config["PUBLIC_URL"]),
                   "timeout": config["MAIL_TIMEOUT"]}
        tls = (ssl.create_default_context(cafile=config.get("MAIL_TLS_CA_FILE"))
               if self.mail.use_ssl or self.mail.use_tls else None)
        if self.mail.use_ssl:
            host = smtplib.SMTP_SSL(self.mail.server, self.mail.port, context=tls, **options)
        else:
            host = smtplib.SMTP(self.mail.server, self.mail.port, **options)
        try:
            # Pipelined writes come in pairs (a body, then its end with the next envelope):
            # without this, Nagle's algorithm holds the second until the server's delayed ACK.
            host.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.mail.use_tls:
                host.starttls(context=tls)
            if self.mail.username and self.mail.password:
                host.login(self.mail.username, self.mail.password)
            host.ehlo_or_helo_if_needed()  # now, to know whether the server offers PIPELINING
        except BaseException:
            host.close()
            raise
        return host

    # --- PIPELINING (RFC 2920): a message costs one round trip -------------------------------
    # A message's data may open a group of commands, and DATA must close one: so a message's
    # end of data goes out with the next message's MAIL, RCPT and DATA, and only the body
    # waits for an answer (the 354).

    def start(self, sender: str, recipient: str, size: int, *, end_data: bool = False) -> None:
        """Write MAIL, RCPT and DATA in one go, after the open message's end of data when
        `end_data`. Read that message's answer with `reply()`, then `envelope_refusal()`."""
        host = self.host
        options = (f" SIZE={size}" if host.has_extn("size") else "") + (
            " BODY=8BITMIME" if self.eight_bit else "")
        host.send((".\r\n" if end_data else "")
                  + f"MAIL FROM:{_envelope_address(sender)}{options}\r\n"
                  f"RCPT TO:{_envelope_address(recipient)}\r\nDATA\r\n")

    def reply(self) -> tuple[int, bytes]:
        """The server's next answer; after a 421 the server is closing, and so do we."""
        answer = self.host.getreply()
        if answer[0] == 421:  # RFC 5321 3.8
            self.abandon()
        return answer

    def envelope_refusal(self, sender: str, recipient: str) -> smtplib.SMTPException | None:
        """Read the answers to MAIL, RCPT and DATA: None when the server waits for the data,
        else the refusal as smtplib raises it, with the transaction reset (or, after a 421,
        the connection closed)."""
        answers = [self.reply()]
        while len(answers) < 3 and not self.closed:
            answers.append(self.reply())
        mail, *rest = answers
        if mail[0] == 250 and rest[0][0] in (250, 251) and rest[1][0] == 354:
            return None
        if not self.closed:
            if answers[-1][0] == 354:  # a server that let DATA start anyway gets an empty one
                self.host.send(b".\r\n")
                self.host.getreply()
            self._reset()
        if mail[0] != 250:
            return smtplib.SMTPSenderRefused(*mail, sender)
        if rest[0][0] not in (250, 251):
            return smtplib.SMTPRecipientsRefused({recipient: rest[0]})
        return smtplib.SMTPDataError(*rest[1])

    @property
    def closed(self) -> bool:
        return self.host is None

    @property
    def eight_bit(self) -> bool:
        """Whether the server takes 8-bit text (8BITMIME); else messages are sent in 7 bits.
        Without a connection (sending suppressed) nothing is sent, so it does not matter."""
        return self.host is None or self.host.has_extn("8bitmime")

    def send_data(self, data: bytes) -> None:
        """The message body after a 354, all but the final dot: it ends with `end_data()` or
        with the next message's `start(…, end_data=True)`."""
        # SMTP's transparency rule: a line starting with "." gets another (RFC 5321 4.5.2).
        # `render` ends every line with CRLF, so a line starts at the data's start or after one.
        body = (b"." if data.startswith(b".") else b"") + data.replace(b"\r\n.", b"\r\n..")
        self.host.send(body if body.endswith(b"\r\n") else body + b"\r\n")

    def end_data(self) -> tuple[int, bytes]:
        self.host.send(b".\r\n")
        return self.reply()

    def abandon(self) -> None:
        """Drop the connection without a word: the only way out of DATA that sends nothing
        (a QUIT would be read as part of the message). The server discards what it has."""
        if self.host is not None:
            self.host.close()
            self.host = None

    def _reset(self) -> None:
        """RSET after a refusal, as `sendmail` does; a server gone by now shows on the next message."""
        try:
            self.host.rset()
        except smtplib.SMTPServerDisconnected:
            pass

    def __exit__(self, *exc_info) -> None:
        if self.host is None:
            return
        try:
            self.host.quit()
        except OSError:  # smtplib's errors included
            self.host.close()  # the server is gone already; nothing to be polite to
        self.host = None


def _ehlo_name(public_url: str) -> str:
    """The app's host name, or its address as an address literal (RFC 5321 4.1.3)."""
    host = urlsplit(public_url).hostname or "localhost"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    return f"[IPv6:{address}]" if address.version == 6 else f"[{address}]"


#: <address> for MAIL FROM and RCPT TO; the few addresses recur, and parsing them is not free.
_envelope_address = functools.lru_cache(maxsize=1024)(smtplib.quoteaddr)


def describe(error: BaseException) -> str:
    """One line an admin can act on: the SMTP code and answer when there is one."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{address}: {code} {_text(answer)}"
                         for address, (code, answer) in error.recipients.items())
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {_text(error.smtp_error)}"
    if isinstance(error.__context__, TimeoutError):  # smtplib reports a timeout as a disconnect
        error = error.__context__
    if isinstance(error, TimeoutError):
        return f"The SMTP server did not answer in time ({error or 'timed out'})."
    if isinstance(error, ConnectionRefusedError):
        return f"The SMTP server refused the connection ({error})."
    return f"{type(error).__name__}: {error}"


def _text(answer: bytes | str) -> str:
    return answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)


