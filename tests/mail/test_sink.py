"""The local SMTP sink of `make run`: every email becomes a readable .eml file."""
import signal
import subprocess
import sys
from email import message_from_bytes, policy

from corrections.mail import delivery
from tests.mail.conftest import queue_messages
from tests.mail_fixtures import PATIENCE, ROOT, free_port


def test_the_sink_keeps_each_email_as_a_readable_eml_file(app_factory, tmp_path):
    port, directory = free_port(), tmp_path / "mail"
    sink = subprocess.Popen([sys.executable, "-m", "corrections.mail.sink", "--port", str(port),
                             "--directory", str(directory)], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        banner = sink.stdout.readline()
        assert f"127.0.0.1:{port}" in banner and str(directory) in banner, banner
        app = app_factory(MAIL_PORT=port, MAIL_SUPPRESS_SEND=False)
        [message_id] = queue_messages(app, 1, subject="Опечатка: “more then”",
                                      body_text="Привіт — the passage reads “more then”.")
        with app.app_context():
            assert delivery.send_due().sent == 1
        saved = sink.stdout.readline() + sink.stdout.readline()
    finally:
        sink.send_signal(signal.SIGTERM)
        output, _ = sink.communicate(timeout=PATIENCE)
    assert sink.returncode == 0, output
    [eml] = directory.glob("*.eml")
    assert str(eml) in saved and "Опечатка" in saved
    raw = eml.read_bytes()
    assert "Привіт — the passage reads “more then”.".encode() in raw  # readable as it is
    email = message_from_bytes(raw, policy=policy.default)
    assert str(email["Message-ID"]).strip() == message_id
    assert email["Subject"] == "Опечатка: “more then”"


def test_the_sink_says_clearly_when_it_cannot_listen(tmp_path):
    import socket
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        sink = subprocess.run([sys.executable, "-m", "corrections.mail.sink", "--port", str(port),
                               "--directory", str(tmp_path / "mail")], cwd=ROOT, text=True,
                              capture_output=True, timeout=PATIENCE)
    assert sink.returncode == 1
    assert sink.stderr.strip().splitlines() == [
        f"Mail sink: cannot listen on 127.0.0.1:{port} (address already in use). Is another sink "
        "or mail server using it? Choose another port, e.g. make run SMTP_PORT=8026."]
