"""The OpenAPI 3.1 description of every ``/api`` route, served at ``/api/openapi.json``.

Written by hand beside the code it describes: the JSON shapes come from
``practices/schemas.py``, ``rooms/schemas.py`` and ``files/schemas.py``. The test
suite runs a property-based client (schemathesis) against the application with
this document, so a shape that drifts from it fails there.
"""

from __future__ import annotations

from typing import Any

from ..i18n import CONTENT_LANGUAGES
from ..practices.licences import LICENCES
from ..practices.models import MARKDOWN_FIELDS
from ..practices.models import STANDARD_INDICATORS

JSON = "application/json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict[str, Any], *, optional: tuple[str, ...] = ()) -> dict[str, Any]:
    """A JSON object with exactly these properties, all required but the ``optional`` ones."""
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
    }


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"oneOf": [schema, {"type": "null"}]}


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
NUMBER = {"type": "number"}
TIMESTAMP = {"type": "string", "format": "date-time"}
#: Text of a query or path: any, but no database stores NUL, so the edge refuses it (400).
TEXT = {"type": "string", "pattern": "^[^\\u0000]*$"}


def _schemas() -> dict[str, Any]:
    administration = _object(
        {"slug": STRING, "name": STRING, "country": {"type": "string", "pattern": "^[A-Z]{2}$"}}
    )
    practice: dict[str, Any] = {
        "id": INTEGER,
        "slug": STRING,
        "url": {"type": "string", "format": "uri"},
        "status": {"enum": ["draft", "submitted", "published"]},
        "title": STRING,
        "summary": STRING,
        "language": _nullable({"enum": list(CONTENT_LANGUAGES)}),
        "theme": _object({"slug": STRING, "name": STRING}),
        "administration": _ref("Administration"),
        "tags": {"type": "array", "items": STRING},
        "period": _object({"from": _nullable(INTEGER), "to": _nullable(INTEGER)}),
    }
    for name in MARKDOWN_FIELDS:
        practice[name] = {**STRING, "description": "Markdown, as its writers typed it."}
        practice[f"{name}_html"] = {**STRING, "description": "Sanitized HTML of the Markdown."}
    practice |= {
        "indicators": _object({name: _nullable(NUMBER) for name in STANDARD_INDICATORS}),
        "other_indicators": {
            "type": "array",
            "items": _object({"name": STRING, "value": NUMBER, "unit": STRING}),
        },
        "links": {"type": "array", "items": {"type": "string", "format": "uri"}},
        "contact": _object({"name": STRING, "email": _nullable(STRING)}),
        "licence": _ref("Licence"),
        "is_demo": {"type": "boolean"},
        "published_at": _nullable(TIMESTAMP),
        "updated_at": TIMESTAMP,
    }
    user = _object(
        {
            "id": INTEGER,
            "name": STRING,
            "role": {"enum": ["attendee", "delegate", "moderator", "organizer"]},
            "administration": _nullable(_ref("Administration")),
        }
    )
    message = _object(
        {
            "id": INTEGER,
            "room": STRING,
            "body": STRING,
            "body_html": STRING,
            "client_id": STRING,
            "language": _nullable(STRING),
            "created_at": TIMESTAMP,
            "author": _ref("User"),
            "practice": _nullable(_object({"id": INTEGER, "title": STRING, "url": STRING})),
            "reply_to": _nullable(
                _object({"id": INTEGER, "author": _ref("User"), "excerpt": _nullable(STRING)})
            ),
            "edited_at": _nullable(TIMESTAMP),
            "reactions": {
                "type": "array",
                "items": _object(
                    {
                        "emoji": STRING,
                        "count": INTEGER,
                        "user_ids": {"type": "array", "items": INTEGER},
                    }
                ),
            },
            "attachments": {"type": "array", "items": _ref("File")},
            "mentions": {"type": "array", "items": INTEGER},
            "mentions_room": {"type": "boolean"},
            "hidden": _nullable(
                _object(
                    {
                        "at": TIMESTAMP,
                        "by": _nullable(_ref("User")),
                        "reason": STRING,
                        "by_author": {"type": "boolean"},
                    }
                )
            ),
        },
        optional=("hidden",),
    )
    message["properties"]["hidden"]["description"] = "Moderators and organizers only."
    room = _object(
        {
            "slug": STRING,
            "name": STRING,
            "description": STRING,
            "online_count": INTEGER,
            "unread": INTEGER,
            "mentions": INTEGER,
        },
        optional=("online_count", "unread", "mentions"),
    )
    return {
        "Error": _object(
            {
                "ok": {"const": False},
                "error": {
                    "type": "object",
                    "properties": {"code": STRING, "message": STRING},
                    "required": ["code", "message"],
                    "description": "Other members name the field at fault, limits, waits.",
                },
            }
        ),
        "Licence": _object(
            {
                "id": {"enum": list(LICENCES)},
                "name": STRING,
                "url": {"type": "string", "format": "uri"},
            }
        ),
        "Administration": administration,
        "Practice": _object(practice),
        "PracticePage": _object(
            {
                "practices": {"type": "array", "items": _ref("Practice")},
                "total": INTEGER,
                "total_exact": {"type": "boolean"},
                "page": INTEGER,
                "pages": INTEGER,
                "per_page": INTEGER,
            }
        ),
        "User": user,
        "Message": message,
        "Revision": _object(
            {
                "body": STRING,
                "language": _nullable(STRING),
                "written_at": TIMESTAMP,
                "replaced_at": TIMESTAMP,
            }
        ),
        "Question": _object(
            {
                "id": INTEGER,
                "room": STRING,
                "hidden": {"type": "boolean"},
                "session": _nullable(STRING),
                "body": STRING,
                "body_html": STRING,
                "client_id": STRING,
                "author": _ref("User"),
                "created_at": TIMESTAMP,
                "votes": INTEGER,
                "approved": {"type": "boolean"},
                "answered": {"type": "boolean"},
                "pinned": {"type": "boolean"},
            },
            # A hidden question (moderators and organizers only) says no more than that.
            optional=(
                "session",
                "body",
                "body_html",
                "client_id",
                "author",
                "created_at",
                "votes",
                "approved",
                "answered",
                "pinned",
            ),
        ),
        "Room": room,
        "File": _object(
            {
                "id": INTEGER,
                "name": STRING,
                "size": INTEGER,
                "content_type": STRING,
                "kind": {"enum": ["image", "document"]},
                "url": STRING,
                "thumbnail_url": _nullable(STRING),
                "width": _nullable(INTEGER),
                "height": _nullable(INTEGER),
                "alt": _nullable(STRING),
                "hidden": {
                    "type": "boolean",
                    "description": "In a Message, to moderators and organizers only.",
                },
            },
            optional=("hidden",),
        ),
    }


def _whole_number(digits: str, description: str) -> dict[str, Any]:
    """A whole number in a query string, as ASCII digits in the range ``digits`` matches.

    Empty, as a form sends it, means not given. (A JSON Schema integer would allow
    "2.0", which the exchange refuses.)
    """
    return {"type": "string", "pattern": f"^(0*({digits}))?$", "description": description}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema, "description": description}


def _path(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _answers(status: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    """One success, and the JSON error every ``/api`` route gives for a client's mistake."""
    return {
        status: {"description": description, "content": {JSON: {"schema": schema}}},
        "4XX": {
            "description": "Refused: invalid input, not signed in, not allowed, not found, "
            "too large or too fast (the error's code says which).",
            "content": {JSON: {"schema": _ref("Error")}},
        },
    }


SIGNED_IN: list[dict[str, list[str]]] = [{"session": []}]


def openapi_document(server_url: str) -> dict[str, Any]:
    """Describe every ``/api`` route of the exchange served at ``server_url``."""
    filters = [
        _query("q", TEXT, "Words, all of which must be found (at most 200 characters read)."),
        _query("theme", TEXT, "Slug of a theme (room)."),
        _query("country", TEXT, "ISO 3166-1 alpha-2 code of the administration's country."),
        _query("administration", TEXT, "Slug of an administration."),
        _query("tag", TEXT, "A tag."),
        _query(
            "year", _whole_number("19[0-9]{2}|20[0-9]{2}|2100", "1900 to 2100."), "Going on then."
        ),
        _query("language", TEXT, "ISO 639-1 code of the language practices are written in."),
        _query("page", _whole_number("[1-9][0-9]{0,4}|100000", "1 to 100,000."), "From 1."),
        _query("per_page", _whole_number("[1-9]|[1-4][0-9]|50", "1 to 50."), "Default 20."),
    ]
    # Ids of 18 digits and fewer; 19 from 1 up to 2**63 - 1 are accepted too.
    message_id = _whole_number("[0-9]{1,18}|[1-8][0-9]{18}", "A message id.")
    room_slug = _path("slug", TEXT)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Spazio Virtuale API",
            "version": "1",
            "description": "The library of best practices (public, open data under each "
            "practice's licence) and the rooms of the exchange (signed-in people). "
            "docs/practices.md and docs/protocol.md tell the rest.",
            "license": {"name": "Practices: each under its own licence (see Licence)"},
        },
        "servers": [{"url": server_url}],
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "exchange_session",
                    "description": "The session cookie of a sign-in at /login.",
                }
            },
        },
        "paths": {
            "/api/openapi.json": {
                "get": {
                    "operationId": "describeApi",
                    "summary": "This description.",
                    "responses": _answers("200", {"type": "object"}, "OpenAPI 3.1."),
                }
            },
            "/api/practices": {
                "get": {
                    "operationId": "listPractices",
                    "summary": "Published practices matching the filters, as the library lists.",
                    "parameters": filters,
                    "responses": _answers("200", _ref("PracticePage"), "One page."),
                }
            },
            "/api/practices/{practice_id}": {
                "get": {
                    "operationId": "getPractice",
                    "summary": "One practice (unpublished ones only for those who may edit them).",
                    "parameters": [_path("practice_id", {"type": "integer", "minimum": 0})],
                    "responses": _answers(
                        "200", _object({"practice": _ref("Practice")}), "The practice."
                    ),
                }
            },
            "/api/rooms": {
                "get": {
                    "operationId": "listRooms",
                    "summary": "The open rooms, with how many people are in each.",
                    "security": SIGNED_IN,
                    "responses": _answers(
                        "200",
                        _object({"rooms": {"type": "array", "items": _ref("Room")}}),
                        "The rooms.",
                    ),
                }
            },
            "/api/rooms/{slug}/messages": {
                "get": {
                    "operationId": "roomHistory",
                    "summary": "A room's messages, oldest first, before or after a message id.",
                    "security": SIGNED_IN,
                    "parameters": [
                        room_slug,
                        _query("after", message_id, "Messages with a greater id."),
                        _query("before", message_id, "Messages with a smaller id."),
                        _query(
                            "limit",
                            _whole_number("[1-9][0-9]?|[1-4][0-9]{2}|500", "1 to 500."),
                            "Default 50.",
                        ),
                    ],
                    "responses": _answers(
                        "200",
                        _object(
                            {
                                "room": _ref("Room"),
                                "messages": {"type": "array", "items": _ref("Message")},
                                "has_more": {"type": "boolean"},
                            }
                        ),
                        "The messages.",
                    ),
                }
            },
            "/api/mentions": {
                "get": {
                    "operationId": "listMentions",
                    "summary": "The visible messages that mention the reader, newest first.",
                    "security": SIGNED_IN,
                    "parameters": [
                        _query("before", message_id, "Mentions in messages with a smaller id."),
                        _query(
                            "limit",
                            _whole_number("[1-9]|[1-4][0-9]|50", "1 to 50."),
                            "Default 50.",
                        ),
                    ],
                    "responses": _answers(
                        "200",
                        _object(
                            {
                                "mentions": {
                                    "type": "array",
                                    "items": _object(
                                        {"message": _ref("Message"), "unread": {"type": "boolean"}}
                                    ),
                                },
                                "has_more": {"type": "boolean"},
                            }
                        ),
                        "The mentions.",
                    ),
                }
            },
            "/api/people/suggest": {
                "get": {
                    "operationId": "suggestPeople",
                    "summary": "A few people whose name or administration starts with q (for @).",
                    "security": SIGNED_IN,
                    "parameters": [_query("q", TEXT, "The start of a word (100 characters read).")],
                    "responses": _answers(
                        "200",
                        _object({"people": {"type": "array", "items": _ref("User")}}),
                        "The people (attendees, who write nothing, get 403).",
                    ),
                }
            },
            "/api/messages": {
                "get": {
                    "operationId": "searchMessages",
                    "summary": "Visible messages of every room with the words of q, best first.",
                    "security": SIGNED_IN,
                    "parameters": [
                        {
                            **_query("q", TEXT, "Words (letters and digits), each as a prefix."),
                            "required": True,
                        },
                        _query("room", TEXT, "Only this room's (its slug)."),
                        _query("author", message_id, "Only this person's (their id)."),
                        _query("before", TEXT, "Written before this ISO 8601 date or moment."),
                        _query("after", TEXT, "Written at or after this ISO 8601 date or moment."),
                        _query(
                            "page", _whole_number("[1-9]|[1-4][0-9]|50", "1 to 50."), "Default 1."
                        ),
                    ],
                    "responses": _answers(
                        "200",
                        _object(
                            {
                                "messages": {"type": "array", "items": _ref("Message")},
                                "total": INTEGER,
                                "total_exact": {"type": "boolean"},
                                "page": INTEGER,
                                "has_more": {"type": "boolean"},
                            }
                        ),
                        "A page of 20 messages; total is a floor when total_exact is false.",
                    ),
                }
            },
            "/api/messages/{message_id}/revisions": {
                "get": {
                    "operationId": "messageRevisions",
                    "summary": "The earlier words of an edited message (for moderators).",
                    "security": SIGNED_IN,
                    "parameters": [_path("message_id", {"type": "integer", "minimum": 0})],
                    "responses": _answers(
                        "200",
                        _object(
                            {
                                "message": _ref("Message"),
                                "revisions": {"type": "array", "items": _ref("Revision")},
                            }
                        ),
                        "The message as it reads now, and its earlier words, oldest first.",
                    ),
                }
            },
            "/api/rooms/{slug}/online": {
                "get": {
                    "operationId": "roomPresence",
                    "summary": "Who is in a room now.",
                    "security": SIGNED_IN,
                    "parameters": [room_slug],
                    "responses": _answers(
                        "200",
                        _object(
                            {
                                "room": STRING,
                                "online": {"type": "array", "items": _ref("User")},
                                "online_count": INTEGER,
                            }
                        ),
                        "Who is online.",
                    ),
                }
            },
            "/api/rooms/{slug}/questions": {
                "get": {
                    "operationId": "roomQuestions",
                    "summary": "A room's questions as the reader sees them, pinned first.",
                    "security": SIGNED_IN,
                    "parameters": [
                        room_slug,
                        _query(
                            "order",
                            {"enum": ["votes", "time"]},
                            "Most votes first (default), or newest first.",
                        ),
                    ],
                    "responses": _answers(
                        "200",
                        _object(
                            {
                                "room": STRING,
                                "order": {"enum": ["votes", "time"]},
                                "questions": {"type": "array", "items": _ref("Question")},
                                "voted": {"type": "array", "items": INTEGER},
                            }
                        ),
                        "The questions, and those the reader votes for.",
                    ),
                }
            },
            "/api/rooms/{slug}/polls": {
                "get": {
                    "operationId": "roomPolls",
                    "summary": "A room's polls, open ones first, with the reader's choices.",
                    "security": SIGNED_IN,
                    "parameters": [room_slug],
                    "responses": _answers(
                        "200",
                        _object(
                            {
                                "room": STRING,
                                "polls": {"type": "array", "items": {"type": "object"}},
                                "mine": {"type": "object"},
                            }
                        ),
                        "The polls (docs/protocol.md, poll), and what the reader chose.",
                    ),
                }
            },
            "/api/conversations": {
                "get": {
                    "operationId": "conversations",
                    "summary": "The reader's conversations, with unread counts.",
                    "security": SIGNED_IN,
                    "responses": _answers(
                        "200",
                        _object(
                            {
                                "conversations": {"type": "array", "items": {"type": "object"}},
                                "unread_total": INTEGER,
                            }
                        ),
                        "Each conversation: room, address, members, unread count, latest message.",
                    ),
                }
            },
            "/api/attachments": {
                "post": {
                    "operationId": "uploadFile",
                    "summary": "Upload one file to attach to a message (docs/files.md).",
                    "security": SIGNED_IN,
                    "parameters": [
                        {
                            "name": "X-CSRFToken",
                            "in": "header",
                            "required": True,
                            "schema": STRING,
                            "description": "The CSRF token of the signed-in session.",
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "multipart/form-data": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "file": {"type": "string", "format": "binary"},
                                        "alt": {"type": "string"},
                                    },
                                    "required": ["file"],
                                }
                            }
                        },
                    },
                    "responses": _answers("201", _ref("File"), "The stored file."),
                }
            },
            "/api/attachments/{file_id}": {
                "post": {
                    "operationId": "describeFile",
                    "summary": "Describe a picture one uploaded and has not attached yet.",
                    "security": SIGNED_IN,
                    "parameters": [
                        _path("file_id", {"type": "integer", "minimum": 0}),
                    ],
                    "description": "Like every POST, it needs the session's CSRF token "
                    "in the X-CSRFToken header.",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/x-www-form-urlencoded": {
                                "schema": {
                                    "type": "object",
                                    "properties": {"alt": {"type": "string"}},
                                    "additionalProperties": False,
                                }
                            }
                        },
                    },
                    "responses": _answers("200", _ref("File"), "The file, described."),
                }
            },
        },
    }
