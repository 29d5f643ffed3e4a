"""The public record: the log grouped by article, article pages and the Atom feed
(record.py, views.py), schema.org markup (schema_org.py), the read API (read_api.py,
answers.py, read_cache.py) and its OpenAPI description (openapi.py).

May import: models, sites, intake.rules (limits for the OpenAPI document), urls, errors.
"""
