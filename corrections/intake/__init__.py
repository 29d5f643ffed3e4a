"""Taking a reader's suggestion: the rules (rules.py), the spam guards and block list
(spam.py), the service that groups and stores it in a few statements (suggestions.py), the
JSON API for the widget (api.py) and the no-JavaScript form (forms.py, views.py).

May import: models, sites (the cached site look-up), addresses, clients, rate_limits, text,
urls, problem. The intake writes an event; it never writes email.
"""
