"""A message whose writer does not say its language gets the one its words are in, if sure."""

import subprocess
import sys
import time

import pytest

from exchange.accounts.models import Role
from exchange.event.services import current_event
from exchange.event.services import get_room
from exchange.extensions import db
from exchange.rooms import languages
from exchange.rooms import services

GERMAN = "Wir haben letztes Jahr Wärmepumpen im Rathaus eingebaut, die Rechnung hat sich halbiert."
ITALIAN = "Abbiamo installato le pompe di calore nel municipio l'anno scorso."
SPANISH = "Hemos instalado bombas de calor en el ayuntamiento y la factura se redujo a la mitad."
FRENCH = "Nous avons installé des pompes à chaleur dans la mairie, la facture a baissé de moitié."


@pytest.fixture
def delegate(make_user):
    return make_user(Role.DELEGATE)


@pytest.fixture
def plenary(app_ctx, event):
    return get_room("plenary")


def post(room, author, body, client_id, **fields):
    return services.post_message(room, db.session.merge(author), body, client_id, **fields)


def test_german_words_are_stored_as_german(plenary, delegate):
    assert post(plenary, delegate, GERMAN, "de-1").language == "de"
    assert post(plenary, delegate, ITALIAN, "it-1").language == "it"


@pytest.mark.parametrize(
    "body", ["ok", "Danke!", "👍👍👍", "https://example.org/wir-haben-die-waermepumpen"]
)
def test_a_short_text_or_a_bare_link_stays_not_said(plenary, delegate, body):
    assert post(plenary, delegate, body, "short").language is None


def test_a_language_the_event_does_not_offer_is_never_chosen(plenary, delegate):
    # Spanish reads much like Italian, which the event offers: it stays "not said" instead.
    assert post(plenary, delegate, SPANISH, "es-1").language is None
    assert post(plenary, delegate, FRENCH, "fr-1").language is None


def test_a_language_the_event_file_gives_texts_in_is_offered(plenary, delegate):
    event = current_event()
    event.names = {**event.names, "fr": "Grand échange européen"}
    db.session.commit()
    assert "fr" in languages.offered_languages(plenary, current_event())
    assert post(plenary, delegate, FRENCH, "fr-2").language == "fr"


def test_the_interface_languages_and_the_event_s_are_offered_and_only_message_languages(
    plenary,
):
    event = current_event()
    assert languages.offered_languages(plenary, event) == {"en", "it", "de", "hu", "pl", "sv"}
    event.names = {**event.names, "la": "Magnum commercium"}  # Latin: no message language
    db.session.commit()
    assert "la" not in languages.offered_languages(plenary, event)
    assert languages.offered_languages(plenary, None) == {"en", "it", "de", "hu", "pl", "sv"}


def test_an_explicit_choice_is_kept(plenary, delegate):
    assert post(plenary, delegate, GERMAN, "chosen", language="it").language == "it"
    assert post(plenary, delegate, GERMAN, "not-said", language=None).language is None


def test_an_edit_that_does_not_say_keeps_the_language_or_reads_the_new_words(plenary, delegate):
    author = db.session.merge(delegate)
    short = post(plenary, delegate, "ok", "edit-1")
    assert short.language is None
    assert services.edit_message(short, author, GERMAN).language == "de"
    chosen = post(plenary, delegate, ITALIAN, "edit-2", language="en")
    assert services.edit_message(chosen, author, GERMAN).language == "en"
    detected = post(plenary, delegate, ITALIAN, "edit-3")
    edited = services.edit_message(detected, author, GERMAN, language=languages.DETECT_LANGUAGE)
    assert edited.language == "de"
    assert services.edit_message(detected, author, ITALIAN, language=None).language is None


def test_the_thresholds_are_settings(app, plenary, delegate):
    app.config["LANGUAGE_DETECTION_MIN_LETTERS"] = 200
    assert post(plenary, delegate, GERMAN, "long-enough").language is None
    app.config.update(LANGUAGE_DETECTION_MIN_LETTERS=15, LANGUAGE_DETECTION_MIN_CONFIDENCE=1.01)
    assert post(plenary, delegate, GERMAN, "sure-enough").language is None


def test_only_a_long_message_s_start_is_read_so_its_cost_is_bounded(app_ctx):
    # The cost is measured in make bench; here, that the words past the sample are not read.
    offered = {"en", "it", "de", "hu", "pl", "sv"}
    german_start = (GERMAN + " ") * (languages.SAMPLE_LENGTH // len(GERMAN) + 1)
    assert languages.detect_language(german_start + ITALIAN * 200, offered) == "de"
    assert languages.detect_language(ITALIAN * 40 + GERMAN * 200, offered) == "it"


def test_the_model_is_read_once_per_process_and_not_at_import(app_ctx):
    first = languages._identifier()
    assert languages._identifier() is first
    code = "import exchange.rooms.languages, sys; assert 'py3langid' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_an_edit_to_the_same_words_changes_nothing(plenary, delegate):
    message = post(plenary, delegate, "ok", "same")
    unchanged = services.edit_message(message, db.session.merge(delegate), "ok")
    assert unchanged.language is None and unchanged.edited_at is None


@pytest.mark.live
def test_a_serving_process_reads_the_model_as_it_starts(live_server):
    # Read on first use instead, it held a busy room's first messages for half a second.
    deadline = time.monotonic() + 20
    while "language detection model loaded" not in live_server.log_tail():
        assert time.monotonic() < deadline, live_server.log_tail()
        time.sleep(0.1)
