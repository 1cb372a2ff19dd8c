"""Languages and time zones: every interface string translated, the reader's choice followed."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask import render_template_string
from flask import session
from flask_babel import force_locale
from flask_babel import get_locale
from flask_babel import refresh

from exchange import i18n
from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.config import available_languages
from exchange.extensions import db

from .support.live import csrf_token

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "exchange" / "translations"


def source_messages() -> set[str]:
    """Every message id in the code and templates, as `make messages` extracts them (babel.cfg)."""
    from babel.messages.extract import DEFAULT_KEYWORDS
    from babel.messages.frontend import parse_mapping_cfg

    with open(ROOT / "babel.cfg", encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    keywords = {
        **DEFAULT_KEYWORDS,
        **{"_l": None, "lazy_gettext": None, "_nl": (1, 2), "lazy_ngettext": (1, 2)},
    }
    found = set()
    for _, _, message, _, _ in extract_from_dir(ROOT, method_map, options_map, keywords=keywords):
        if isinstance(message, tuple):
            found.update(part for part in message if part)
        else:
            found.add(message)
    return found


def catalogues() -> list[Path]:
    return sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))


def test_the_interface_has_its_strings_marked_for_translation():
    messages = source_messages()
    assert len(messages) > 200
    assert "Sign in" in messages and "Privacy notice" in messages


@pytest.mark.parametrize("catalogue", catalogues(), ids=lambda path: path.parts[-3])
def test_every_language_translates_every_message(catalogue):
    with open(catalogue, "rb") as fh:
        translated = {  # a plural entry answers for both its wordings
            wording: message
            for message in read_po(fh)
            if message.id
            for wording in (message.id if isinstance(message.id, tuple) else (message.id,))
        }
    missing = []
    for message_id in sorted(source_messages()):
        entry = translated.get(message_id)
        strings = (
            entry.string
            if entry is not None and isinstance(entry.string, tuple)
            else ([entry.string] if entry is not None else [])
        )
        if entry is None or entry.fuzzy or not all(strings) or not strings:
            missing.append(message_id)
    assert missing == [], f"{catalogue.parts[-3]}: {len(missing)} untranslated, e.g. {missing[:5]}"


#: The languages of the MULTIPLY countries, besides English.
LANGUAGES = ["de", "hu", "it", "pl", "sv"]


def test_every_language_of_the_multiply_countries_has_its_catalogue():
    assert [path.parts[-3] for path in catalogues()] == LANGUAGES
    assert available_languages(TRANSLATIONS) == ["en", *LANGUAGES]


PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@pytest.mark.parametrize("catalogue", catalogues(), ids=lambda path: path.parts[-3])
def test_translations_keep_every_placeholder(catalogue):
    """A translation that drops or renames %(name)s would fail, or lose a fact, when shown."""
    wrong = []
    with open(catalogue, "rb") as fh:
        for message in read_po(fh):
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            expected = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
            for string in strings:
                found = set(PLACEHOLDER.findall(string))
                # A plural form may leave out the number when the words say it ("one report").
                if string and (found - expected or expected - found - {"num"}):
                    wrong.append((ids[0], string))
    assert wrong == [], f"{catalogue.parts[-3]}: {wrong[:5]}"


@pytest.mark.parametrize("catalogue", catalogues(), ids=lambda path: path.parts[-3])
def test_every_compiled_catalogue_is_up_to_date(catalogue):
    from babel.messages.mofile import write_mo

    with open(catalogue, "rb") as fh:
        expected = io.BytesIO()
        write_mo(expected, read_po(fh))
    compiled = catalogue.with_suffix(".mo")
    assert compiled.exists(), f"run `make messages` to compile {catalogue}"
    assert compiled.read_bytes() == expected.getvalue(), f"{compiled} is stale: run `make messages`"


def test_adding_a_catalogue_adds_a_language(tmp_path):
    (tmp_path / "fr" / "LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "fr" / "LC_MESSAGES" / "messages.po").write_text("", encoding="utf-8")
    assert available_languages(tmp_path) == ["en", "fr"]


def save_preferences(client, **form):
    token = csrf_token(client.get("/account").get_data(as_text=True))
    return client.post("/account/preferences", data={"csrf_token": token, **form})


@pytest.fixture
def two_languages(app):
    app.config["LANGUAGES"] = ["en", "it"]
    return app


def test_the_browser_language_is_followed_until_the_reader_chooses(two_languages, client, event):
    page = client.get("/", headers={"Accept-Language": "it-IT,it;q=0.9,en;q=0.5"})
    assert 'lang="it"' in page.get_data(as_text=True)
    token = csrf_token(page.get_data(as_text=True))
    response = client.post("/language", data={"csrf_token": token, "language": "en", "next": "/"})
    assert response.headers["Location"] == "/"
    page = client.get("/", headers={"Accept-Language": "it-IT"}).get_data(as_text=True)
    assert 'lang="en"' in page


def test_an_unknown_language_changes_nothing(two_languages, client, event):
    token = csrf_token(client.get("/").get_data(as_text=True))
    client.post("/language", data={"csrf_token": token, "language": "xx"})
    assert 'lang="en"' in client.get("/").get_data(as_text=True)


def test_a_persons_choices_follow_them_to_their_next_sign_in(two_languages, client, make_user):
    from .accounts.test_views import post_form
    from .conftest import PASSWORD

    person = make_user(Role.DELEGATE)
    post_form(client, "/login", {"email": person.email, "password": PASSWORD})
    response = save_preferences(client, locale="it", timezone="Europe/Warsaw")
    assert response.status_code == 302
    with two_languages.app_context():
        saved = db.session.get(User, person.id)
        assert (saved.locale, saved.timezone) == ("it", "Europe/Warsaw")

    fresh = two_languages.test_client()
    post_form(fresh, "/login", {"email": person.email, "password": PASSWORD})
    page = fresh.get("/account").get_data(as_text=True)
    assert 'lang="it"' in page and 'data-timezone="Europe/Warsaw"' in page


def test_a_language_chosen_before_signing_in_survives_sign_in(two_languages, client, make_user):
    from .accounts.test_views import post_form
    from .conftest import PASSWORD

    person = make_user(Role.DELEGATE)
    token = csrf_token(client.get("/login").get_data(as_text=True))
    client.post("/language", data={"csrf_token": token, "language": "it", "next": "/login"})
    post_form(client, "/login", {"email": person.email, "password": PASSWORD})
    assert 'lang="it"' in client.get("/account").get_data(as_text=True)
    with two_languages.app_context():
        assert db.session.get(User, person.id).locale == "it"


def test_a_template_finds_its_words_once_per_language_and_follows_a_switch(app, monkeypatch):
    """A page asks for its translations once, yet a mail in its reader's language, or a
    language chosen during the request, gets that language's words."""
    found = []
    original = i18n.get_translations
    monkeypatch.setattr(
        i18n, "get_translations", lambda: found.append(str(get_locale())) or original()
    )
    words = "{{ _('Reply') }} {{ ngettext('%(num)d message', '%(num)d messages', 2) }}"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert [render_template_string(words) for _ in range(3)] == ["Reply 2 messages"] * 3
        with force_locale("it"):
            assert render_template_string(words) == "Rispondi 2 messaggi"
        assert render_template_string(words) == "Reply 2 messages"
        session["locale"] = "de"
        refresh()
        assert render_template_string(words) == "Antworten 2 Nachrichten"
    assert found == ["en_GB", "it", "en_GB", "de"]


def test_times_are_shown_in_the_chosen_time_zone(client, login, make_user):
    person = make_user(Role.DELEGATE)
    with client.application.app_context():
        user = db.session.get(User, person.id)
        user.created_at = dt.datetime(2026, 12, 2, 20, 0, tzinfo=dt.UTC)
        db.session.commit()
    login(client, person)
    assert "2 December 2026" in client.get("/account").get_data(as_text=True)  # in Rome
    with client.session_transaction() as session:
        session["timezone"] = "Asia/Tokyo"  # as sign-in copies it from the account
    assert "3 December 2026" in client.get("/account").get_data(as_text=True)  # 05:00 there


def test_a_bad_time_zone_is_refused(client, login, make_user):
    login(client, make_user(Role.DELEGATE))
    response = save_preferences(client, locale="", timezone="Mars/Base")
    assert response.status_code == 422


DEMO_EVENT = ROOT / "examples" / "big-european-exchange.toml"
#: The languages of the exchange: its interface, and every text of its demo event.
EXCHANGE_LANGUAGES = {"en", *LANGUAGES}


def demo_event_texts():
    """Every text table of the demo event file, named by where it is."""
    import tomllib

    with open(DEMO_EVENT, "rb") as fh:
        data = tomllib.load(fh)
    texts = {f"event.{key}": data["event"][key] for key in ("name", "description", "location")}
    for room in data["rooms"]:
        texts |= {f"rooms.{room['slug']}.{key}": room[key] for key in ("name", "description")}
    return texts


@pytest.mark.parametrize(("where", "texts"), demo_event_texts().items())
def test_every_text_of_the_demo_event_is_in_the_six_languages(where, texts):
    assert isinstance(texts, dict), f"{where}: a table of languages"
    assert set(texts) == EXCHANGE_LANGUAGES, where
    assert all(text.strip() for text in texts.values()), where


def test_the_demo_event_is_translated_not_copied():
    """Only the event's own name stays the same in every language."""
    for where, texts in demo_event_texts().items():
        if where != "event.name":
            assert len(set(texts.values())) >= 5, (where, texts)


@pytest.fixture
def every_language(app):
    app.config["LANGUAGES"] = ["en", *LANGUAGES]
    return app


def test_pages_say_once_when_the_organizers_left_a_language_out(every_language, client, event):
    import tomllib

    from exchange.event.services import load_event

    with open(DEMO_EVENT, "rb") as fh:
        data = tomllib.load(fh)
    german = {"Accept-Language": "de"}
    assert "content-language-note" not in client.get("/", headers=german).get_data(as_text=True)
    rooms = client.get("/", headers={"Accept-Language": "it"}).get_data(as_text=True)
    assert "Online e a Roma" in rooms and "Energie rinnovabili" in rooms

    for room in data["rooms"]:
        del room["description"]["de"]  # as an organizer who wrote only some of them
    with every_language.app_context():
        load_event(data)
    home = client.get("/", headers=german).get_data(as_text=True)
    assert home.count('class="content-language-note"') == 1
    assert "Erneuerbare Energien" in home  # what is given in German is shown in German
    assert "Solar, wind, biomass" in home  # the rest in English, and the page says so
    english = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "content-language-note" not in english
