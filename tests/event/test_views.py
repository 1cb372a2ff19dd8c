"""The public pages: home and the directory of administrations."""

from exchange.accounts.models import Role


def test_home_shows_the_event_and_its_rooms_to_everyone(client, event):
    page = client.get("/").get_data(as_text=True)
    assert "Big European Exchange" in page
    assert "Energy communities" in page
    assert 'href="/rooms/plenary"' in page
    assert "Sign in to chat" in page
    assert "Who is here" not in page  # names are for signed-in people only


def test_room_names_follow_the_reader_language(app, client, event):
    app.config["LANGUAGES"] = ["en", "it"]
    page = client.get("/", headers={"Accept-Language": "it-IT,it;q=0.9"}).get_data(as_text=True)
    assert "Energie rinnovabili" in page


def test_home_tells_signed_in_people_who_is_here(client, make_user, login, connect):
    elena = make_user(Role.DELEGATE, name="Elena Conti", administration="campi-bisenzio")
    connect(elena)
    login(client, make_user(Role.ATTENDEE))
    page = client.get("/").get_data(as_text=True)
    assert "Who is here" in page
    assert "Elena Conti" in page


def test_administrations_are_listed_by_country_with_demo_data_marked(client, event):
    page = client.get("/administrations").get_data(as_text=True)
    assert page.index("Germany") < page.index("Italy") < page.index("Sweden")
    assert "Campi Bisenzio" in page and "Montechiarugolo" in page
    assert "Demo data" in page
    assert "Union of municipalities" in page


def test_an_administration_has_its_own_page(client, event):
    response = client.get("/administrations/ferla")
    assert response.status_code == 200
    assert "Ferla" in response.get_data(as_text=True)
    assert client.get("/administrations/atlantis").status_code == 404


def test_home_without_an_event_explains_how_to_load_one(client):
    page = client.get("/").get_data(as_text=True)
    assert "load-event" in page
