"""Email as a transport that knows nothing of the desk: claiming outbox rows under a lease
and sending them (delivery.py) over one SMTP connection (smtp.py) as MIME written by hand
(mime.py), the outbox page's queries (failures.py), the worker loop (worker.py), and the
local SMTP sink for `make run` (sink.py).

May import: models (the outbox row), extensions, operations (heartbeats), errors.
"""
