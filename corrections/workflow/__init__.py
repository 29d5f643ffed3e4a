"""The queue's workflow: states, the transitions between them (as data), the one writer that
checks the version, audits and announces each change (`transitions.request_changed`), and
editors' actions as the dashboard sends them.

May import: models, extensions, text, problem, intake.spam (marking spam can block a sender).
Knows nothing of email: notifications listen to its signal.
"""
