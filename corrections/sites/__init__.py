"""Sites that may send suggestions: their settings as admins change them and look-ups by
key (service.py), and the per-process copy the intake reads (cache.py).

May import: models, notifications.digests (a change of notify mode sends the last digest).
"""
