"""Who is told what: editors' and readers' emails built from events and state changes
(notify.py, events.py, digests.py), written into the outbox (outbox.py), signed one-click
links (links.py), readers' confirmation and unsubscribing (readers.py), the pages behind
the links (views.py), and the `mail` commands (cli.py). listeners.py connects it to the
workflow's signal and to the mail transport.

May import: workflow, mail, models and the shared modules. Nothing imports notifications
but create_app and the command line.
"""
