"""Editor accounts: signing in and out, sessions and their cookie (login.py, views.py),
passwords and emailed single-use links (service.py), and the accounts admins manage
(editors.py).

May import: models, notifications.outbox (invitation and reset emails), addresses, clients.
"""
