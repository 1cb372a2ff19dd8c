"""/api/openapi.json describes every /api route, and the running app keeps to it.

A property-based client (schemathesis) reads the description, generates requests
from it, valid and invalid, and checks every answer: never a server error, and
always a status, content type and body the description allows.
"""

import re

import pytest
import schemathesis
from hypothesis import given
from hypothesis import HealthCheck
from hypothesis import settings
from schemathesis import checks
from schemathesis import GenerationMode

from exchange.event.services import get_room
from exchange.extensions import db
from exchange.moderation import services as moderation
from exchange.opendata.openapi import openapi_document
from exchange.rooms import services as rooms

from ..support.live import csrf_token

#: Examples per operation and per database: enough to reach every parameter's edges.
EXAMPLES = 40


def test_the_description_is_valid_openapi_3_1_and_names_every_api_route(app, client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    assert document["servers"] == [{"url": "http://localhost"}]
    schemathesis.openapi.from_dict(document).validate()
    routes = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
    }
    assert routes == set(document["paths"])


@pytest.fixture
def api_data(app, write, make_user, elena):
    """A library, and a room's history with a hidden message; return a moderator."""
    write(elena, published=True, tags=["solar"], language="it", links=["https://example.org"])
    write(elena, published=True, title="Heat pumps", year_to=2024, licence="CC0-1.0")
    moderator = make_user("moderator")
    with app.app_context():
        room = get_room("renewable-energy")
        author = db.session.merge(elena)
        first = rooms.post_message(room, author, "Hello **all**", "client-1", language="it")
        second = rooms.post_message(room, author, "Second", "client-2")
        reply = rooms.post_message(room, author, "Answer", "client-3", reply_to=second.id)
        rooms.edit_message(reply, author, "Answer, edited")
        moderation.hide_message(first, db.session.merge(moderator), "Off topic")
    return moderator


@pytest.fixture
def moderator_headers(client, login, api_data):
    """The session cookie and CSRF token of a signed-in moderator (who sees hidden messages)."""
    login(client, api_data)
    token = csrf_token(client.get("/rooms/renewable-energy").get_data(as_text=True))
    cookie = client.get_cookie("exchange_session").value
    return {"Cookie": f"exchange_session={cookie}", "X-CSRFToken": token}


@pytest.fixture
def api_schema(app, api_data):
    """The description, as the app serves it, for the property-based client to call the app."""
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


DOCUMENT = openapi_document("http://localhost")
OPERATIONS = [
    pytest.param(path, method, id=f"{method.upper()} {path}")
    for path, methods in DOCUMENT["paths"].items()
    for method in methods
]
#: Invalid requests too, for the operations that take any input.
NEGATIVE = [
    pytest.param(path, method, id=f"{method.upper()} {path}")
    for path, methods in DOCUMENT["paths"].items()
    for method, operation in methods.items()
    if operation.get("parameters") or operation.get("requestBody")
]
#: Whether an upload is accepted depends on what its bytes are (a picture, a PDF...),
#: which no schema can say: a well-formed upload of random bytes is rightly refused.
#: Describing an upload needs one's own unattached picture, which generated ids do not name;
#: its answers are checked in tests/files/test_views.py.
CONTENT_DECIDES = {("/api/attachments", "post"), ("/api/attachments/{file_id}", "post")}


def check_operation(schema, path, method, mode, examples, headers=None):
    """Call one operation with generated requests and check every answer against the schema."""

    @given(case=schema[path][method].as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
        ],
    )
    def run(case):
        excluded = [checks.positive_data_acceptance] if (path, method) in CONTENT_DECIDES else []
        case.call_and_validate(headers=headers, excluded_checks=excluded)

    run()


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_every_answer_to_a_moderator_keeps_to_the_description(
    api_schema, moderator_headers, path, method
):
    check_operation(api_schema, path, method, GenerationMode.POSITIVE, EXAMPLES, moderator_headers)


@pytest.mark.parametrize(("path", "method"), NEGATIVE)
def test_every_invalid_request_is_refused_as_the_description_says(
    api_schema, moderator_headers, path, method
):
    check_operation(api_schema, path, method, GenerationMode.NEGATIVE, EXAMPLES, moderator_headers)


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_every_answer_to_anonymous_callers_keeps_to_the_description(api_schema, path, method):
    check_operation(api_schema, path, method, GenerationMode.POSITIVE, EXAMPLES // 4)
