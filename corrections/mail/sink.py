"""A local SMTP server for `make run`: keeps every email as a readable .eml file.

    python -m corrections.mail.sink --port 8025 --directory instance/mail

Needs aiosmtpd (the `dev` extra). Nothing is relayed anywhere; open the files in a text
editor or a mail program.
"""
import argparse
import asyncio
import itertools
import os
import re
import signal
import sys
import threading
from datetime import datetime
from email import message_from_bytes, policy
from pathlib import Path


class SaveToDirectory:
    """aiosmtpd handler: write each message to `directory` as <time>-<n>-<recipient>.eml."""

    def __init__(self, directory: Path, announce=print):
        self.directory = directory
        self.announce = announce
        self.counter = itertools.count(1)
        directory.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope):
        number = next(self.counter)
        recipient = re.sub(r"[^A-Za-z0-9@._-]+", "_", (envelope.rcpt_tos or ["nobody"])[0])[:80]
        path = self.directory / f"{datetime.now():%Y%m%d-%H%M%S}-{number:04d}-{recipient}.eml"
        data = envelope.original_content or envelope.content
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
        subject = message_from_bytes(path.read_bytes(), policy=policy.default).get("Subject", "")
        self.announce(f"Mail to {', '.join(envelope.rcpt_tos)}: {subject}\n    saved as {path}")
        return "250 Message accepted for delivery"


def main(argv=None) -> None:
    from aiosmtpd.controller import Controller

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--directory", type=Path, default=Path("instance/mail"))
    options = parser.parse_args(argv)

    def announce(line: str) -> None:
        print(line, flush=True)

    handler = SaveToDirectory(options.directory.resolve(), announce)
    controller = Controller(handler, hostname=options.host, port=options.port,
                            loop=asyncio.new_event_loop())
    try:
        controller.start()
    except OSError as error:
        print(f"Mail sink: cannot listen on {options.host}:{options.port} ({os.strerror(error.errno).lower() if error.errno else error}). "
              "Is another sink or mail server using it? Choose another port, "
              "e.g. make run SMTP_PORT=8026.", file=sys.stderr, flush=True)
        raise SystemExit(1) from None
    announce(f"Mail sink: SMTP on {options.host}:{options.port}; every email is saved "
             f"under {handler.directory}/")
    stop = threading.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signal_number, lambda *_: stop.set())
    while not stop.wait(3600):
        pass
    controller.stop()


if __name__ == "__main__":
    main()
