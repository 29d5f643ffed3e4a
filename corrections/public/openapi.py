"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json.

The tests check every /api/v1 answer they produce against it, so it says what the code does.
"""
from __future__ import annotations

from ..intake.rules import LIMITS
from ..models import Kind, PublicationType, PublicStatus

ERROR_CODES = ["malformed", "invalid", "origin_not_allowed", "forbidden", "not_found",
               "method_not_allowed", "too_large", "unsupported_media_type", "rate_limited",
               "unavailable", "internal_error"]


def _error(description: str, code: str, message: str, fields: dict | None = None,
           retry_after: bool = False) -> dict:
    example = {"error": {"code": code, "message": message}}
    if fields:
        example["error"]["fields"] = fields
    answer = {"description": description,
              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"},
                                               "example": example}}}
    if retry_after:
        answer["headers"] = {"Retry-After": {"$ref": "#/components/headers/Retry-After"}}
    return answer


UNAVAILABLE = _error("The database cannot be used just now; nothing was kept. Retry after the "
                     "given seconds.", "unavailable", "The desk cannot store or show this just "
                     "now. Nothing you sent was kept: please try again in a minute.",
                     retry_after=True)


def _text(limit: int, description: str, **extra) -> dict:
    return {"type": "string", "maxLength": limit, "description": description, **extra}


def document(server_url: str) -> dict:
    entry_example = {
        "id": 42, "type": "correction", "state": "published",
        "note": "An earlier version of this article gave the wrong opening hours.",
        "published_at": "2026-11-30T09:12:00Z", "updated_at": "2026-12-01T10:00:00Z",
        "withdrawn_at": None, "withdrawal_reason": None,
        "quote": {"exact": "open from 10 to 4", "prefix": "The library is ", "suffix": " on weekdays"},
        "position": {"start": 120, "end": 137},
        "article": {"url": "https://news.example.org/2026/11/city-library-reopens",
                    "title": "City library reopens"},
        "link": f"{server_url}/corrections/news/articles/7#correction-42"}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Corrections API", "version": "1",
            "description": "Readers' suggestions in (the widget's intake) and a site's public "
                           "record of corrections out (the read API). Every refusal has the "
                           "error shape, with a message a person can read in the request's "
                           "language.",
        },
        # Relative: the API is wherever this document is served.
        "servers": [{"url": "/"}],
        "paths": {
            "/api/v1/suggestions": {
                "options": {
                    "operationId": "suggestionsPreflight",
                    "summary": "CORS preflight: only origins of a known site may send.",
                    "responses": {
                        "204": {"description": "The origin may send suggestions."},
                        "403": _error("The origin belongs to no site.", "origin_not_allowed",
                                      "This origin may not send suggestions."),
                    },
                },
                "post": {
                    "operationId": "createSuggestion",
                    "summary": "A reader's suggestion about a passage of an article.",
                    "description": "Sent by the widget from the site's own pages (CORS for the "
                                   "site's origins only). A repeat of the same suggestion is "
                                   "grouped with the first and gets the same answer shape.",
                    "requestBody": {"required": True, "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Suggestion"},
                        "example": {
                            "site": "news",
                            "url": "https://news.example.org/2026/11/city-library-reopens",
                            "title": "City library reopens", "lang": "en",
                            "quote": {"exact": "more then two hundred",
                                      "prefix": "Monday morning, and ",
                                      "suffix": " readers were waiting"},
                            "position": {"start": 120, "end": 141}, "kind": "typo",
                            "suggestion": "more than two hundred", "email": "ada@example.net",
                            "notify": True, "elapsed_ms": 5400}}}},
                    "responses": {
                        "201": {"description": "Received (or grouped with an earlier report).",
                                "content": {"application/json": {
                                    "schema": {"$ref": "#/components/schemas/Receipt"},
                                    "example": {"id": 1234, "reference": "K7QM-3XVD",
                                                "status": "received"}}}},
                        "400": _error("The body is not a JSON object in UTF-8.", "malformed",
                                      "The request body is not valid JSON."),
                        "403": _error("The page's origin is not one of the site's.",
                                      "origin_not_allowed", "Suggestions for this site are not "
                                      "accepted from this page's origin."),
                        "405": _error("Only POST (and the OPTIONS preflight).",
                                      "method_not_allowed",
                                      "This address does not accept this kind of request."),
                        "413": _error("The body is larger than 64 KiB.", "too_large",
                                      "The request is too large."),
                        "415": _error("The body is not sent as application/json.",
                                      "unsupported_media_type", "Send the suggestion as JSON "
                                      "(Content-Type: application/json)."),
                        "422": _error("Some fields break the rules; `fields` names each with why.",
                                      "invalid", "Some fields need attention.",
                                      {"quote.exact": "This field is required.",
                                       "email": "This is not a valid email address."}),
                        "429": _error("Too many suggestions from this network or for this site.",
                                      "rate_limited", "Too many suggestions from your network. "
                                      "Please try again later.", retry_after=True),
                        "503": UNAVAILABLE,
                    },
                },
            },
            "/api/v1/corrections": {
                "get": {
                    "operationId": "listCorrections",
                    "summary": "A site's public record of corrections, newest change first.",
                    "description": "Public data: open to any origin, cacheable for a minute, "
                                   "revalidated with its ETag. Never holds a reader's name, "
                                   "email or comment. Withdrawn corrections stay listed with "
                                   "`state: withdrawn`.",
                    "parameters": [
                        {"name": "site", "in": "query", "required": True,
                         "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
                         "description": "The site's key.", "example": "news"},
                        {"name": "url", "in": "query", "required": False,
                         "schema": {"type": "string", "format": "uri"},
                         "description": "Only this article (normalised as at intake: tracking "
                                        "parameters and the fragment do not matter).",
                         "example": "https://news.example.org/2026/11/city-library-reopens"},
                        {"name": "since", "in": "query", "required": False,
                         "schema": {"type": "string", "format": "date-time"},
                         "description": "Only corrections published, amended or withdrawn at "
                                        "or after this time (ISO 8601; UTC if no offset).",
                         "example": "2026-11-30T00:00:00Z"},
                        {"name": "cursor", "in": "query", "required": False,
                         "schema": {"type": "string"},
                         "description": "The `next` of the previous page, as given."},
                        {"name": "format", "in": "query", "required": False,
                         "schema": {"type": "string", "enum": ["json", "jsonld"],
                                    "default": "json"},
                         "description": "`jsonld`: the schema.org block (NewsArticle with its "
                                        "`correction` list) for a page to embed."},
                        {"name": "If-None-Match", "in": "header", "required": False,
                         "schema": {"type": "string"}},
                    ],
                    "responses": {
                        "200": {
                            "description": "A page of the record.",
                            "headers": {"ETag": {"schema": {"type": "string"}},
                                        "Cache-Control": {"schema": {
                                            "type": "string", "const": "public, max-age=60"}},
                                        "Access-Control-Allow-Origin": {"schema": {
                                            "type": "string", "const": "*"}}},
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/CorrectionPage"},
                                    "example": {"corrections": [entry_example], "next": None}},
                                "application/ld+json": {
                                    "schema": {"$ref": "#/components/schemas/JsonLd"},
                                    "example": {
                                        "@context": "https://schema.org", "@type": "NewsArticle",
                                        "url": entry_example["article"]["url"],
                                        "headline": "City library reopens",
                                        "publisher": {"@type": "NewsMediaOrganization",
                                                      "name": "The Example News",
                                                      "correctionsPolicy":
                                                          "https://news.example.org/corrections"},
                                        "correction": [{"@type": "CorrectionComment",
                                                        "url": entry_example["link"],
                                                        "text": entry_example["note"],
                                                        "datePublished": "2026-11-30T09:12:00Z"}]}},
                            },
                        },
                        "304": {"description": "Unchanged since the ETag given in If-None-Match."},
                        "400": _error("A parameter cannot be used; `fields` names it.",
                                      "malformed", "This cursor is not one this API gave. Start "
                                      "again without it and follow the answers' next.",
                                      {"cursor": "This cursor is not one this API gave. Start "
                                                 "again without it and follow the answers' next."}),
                        "404": _error("No site has this key.", "not_found",
                                      "There is no site with this key."),
                        "405": _error("Only GET.", "method_not_allowed",
                                      "This address does not accept this kind of request."),
                        "503": UNAVAILABLE,
                    },
                },
                "options": {
                    "operationId": "correctionsPreflight",
                    "summary": "CORS preflight: any origin may read.",
                    "responses": {"200": {"description": "Any origin may read.",
                                          "headers": {"Access-Control-Allow-Origin": {
                                              "schema": {"type": "string", "const": "*"}}}}},
                },
            },
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document.",
                    "responses": {"200": {"description": "OpenAPI 3.1.",
                                          "content": {"application/json": {
                                              "schema": {"type": "object"}}}}},
                },
            },
        },
        "components": {
            "headers": {
                "Retry-After": {"description": "Seconds to wait before trying again.",
                                "schema": {"type": "string", "pattern": "^[0-9]+$"}},
            },
            "schemas": {
                "Error": {
                    "type": "object", "required": ["error"], "additionalProperties": False,
                    "properties": {"error": {
                        "type": "object", "required": ["code", "message"],
                        "additionalProperties": False,
                        "properties": {
                            "code": {"type": "string", "enum": ERROR_CODES},
                            "message": {"type": "string",
                                        "description": "For a person, in the request's language."},
                            "fields": {"type": "object",
                                       "additionalProperties": {"type": "string"},
                                       "description": "Each field at fault (dotted for nested "
                                                      "ones, like quote.exact) and why."}}}},
                },
                "Suggestion": {
                    "type": "object", "required": ["site", "url", "quote", "kind"],
                    "properties": {
                        "site": {"type": "string", "description": "A known site key."},
                        "url": {"type": "string", "format": "uri",
                                "description": "http(s) URL on one of the site's origins."},
                        "title": _text(LIMITS["title"], "Used only for an article not seen before."),
                        "lang": {"type": "string", "description": "The language of the messages."},
                        "quote": {"type": "object", "required": ["exact"], "properties": {
                            "exact": _text(LIMITS["exact"], "The passage.", minLength=1),
                            "prefix": _text(LIMITS["prefix"], "Text just before it."),
                            "suffix": _text(LIMITS["suffix"], "Text just after it.")}},
                        "position": {"$ref": "#/components/schemas/Position"},
                        "kind": {"type": "string", "enum": [k.value for k in Kind]},
                        "suggestion": _text(LIMITS["suggestion"], "Proposed wording."),
                        "comment": _text(LIMITS["comment"], "For the editors only."),
                        "name": _text(LIMITS["name"], "For the editors only."),
                        "email": {"type": "string", "format": "email"},
                        "notify": {"type": "boolean",
                                   "description": "Hear the outcome (needs email; confirmed first)."},
                        "website": {"type": "string", "maxLength": 0,
                                    "description": "Honeypot: leave empty."},
                        "elapsed_ms": {"type": "integer", "minimum": 0},
                    },
                },
                "Receipt": {
                    "type": "object", "required": ["id", "reference", "status"],
                    "additionalProperties": False,
                    "properties": {"id": {"type": "integer"},
                                   "reference": {"type": "string", "pattern": "^[A-Z0-9]{4}-[A-Z0-9]{4}$"},
                                   "status": {"type": "string", "const": "received"}},
                },
                "Position": {
                    "type": ["object", "null"], "required": ["start", "end"],
                    "properties": {"start": {"type": "integer", "minimum": 0},
                                   "end": {"type": "integer", "minimum": 0}},
                },
                "Correction": {
                    "type": "object", "additionalProperties": False,
                    "required": ["id", "type", "state", "note", "published_at", "updated_at",
                                 "withdrawn_at", "withdrawal_reason", "quote", "position",
                                 "article", "link"],
                    "properties": {
                        "id": {"type": "integer"},
                        "type": {"type": "string", "enum": [t.value for t in PublicationType]},
                        "state": {"type": "string", "enum": [s.value for s in PublicStatus]},
                        "note": {"type": "string", "description": "The public note."},
                        "published_at": {"type": "string", "format": "date-time",
                                         "description": "First publication."},
                        "updated_at": {"type": ["string", "null"], "format": "date-time",
                                       "description": "The latest amendment or republication."},
                        "withdrawn_at": {"type": ["string", "null"], "format": "date-time"},
                        "withdrawal_reason": {"type": ["string", "null"]},
                        "quote": {"type": "object", "additionalProperties": False,
                                  "required": ["exact", "prefix", "suffix"],
                                  "properties": {"exact": {"type": "string"},
                                                 "prefix": {"type": "string"},
                                                 "suffix": {"type": "string"}}},
                        "position": {"$ref": "#/components/schemas/Position"},
                        "article": {"type": "object", "additionalProperties": False,
                                    "required": ["url", "title"],
                                    "properties": {"url": {"type": "string"},
                                                   "title": {"type": "string"}}},
                        "link": {"type": "string", "format": "uri",
                                 "description": "The entry on the public record."},
                    },
                },
                "CorrectionPage": {
                    "type": "object", "required": ["corrections", "next"],
                    "additionalProperties": False,
                    "properties": {
                        "corrections": {"type": "array",
                                        "items": {"$ref": "#/components/schemas/Correction"}},
                        "next": {"type": ["string", "null"],
                                 "description": "The cursor of the next page; null on the last."},
                    },
                },
                "JsonLd": {
                    "type": "object", "required": ["@context"],
                    "description": "schema.org: one NewsArticle, or an @graph of them.",
                    "properties": {"@context": {"const": "https://schema.org"},
                                   "@type": {"const": "NewsArticle"},
                                   "@graph": {"type": "array"},
                                   "correction": {"type": "array", "items": {
                                       "type": "object",
                                       "required": ["@type", "text", "datePublished"],
                                       "properties": {"@type": {"const": "CorrectionComment"},
                                                      "text": {"type": "string"},
                                                      "datePublished": {"type": "string"}}}}},
                },
            },
        },
    }
