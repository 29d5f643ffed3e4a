"""Signed webhooks: per-site endpoints that hear of requests created, published, amended, withdrawn.

This package owns the endpoints and their delivery log (models), adding and removing endpoints
and queuing deliveries in the transaction of the event (service), signing and the receivers'
verification recipe (signing), delivery by the mail worker (delivery), the admins' dashboard
pages (views) and `flask --app corrections webhook …` (cli). docs/webhooks.md is the receivers'
side. It listens to the workflow's request_changed signal, is called by notifications.events for new
requests, and adds a step to the mail worker; its pages sit under the dashboard's gate.
"""
