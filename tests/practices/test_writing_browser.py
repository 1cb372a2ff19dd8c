"""Writing a practice in a real browser (Debian's chromium), step by step, in Italian."""

from __future__ import annotations

import pytest

from exchange.accounts.models import Role

from ..conftest import sign_in
from ..support.accessibility import assert_accessible
from .test_browser import database_url  # noqa: F401 (the pages are the same on either database)
from .test_browser import fits_the_screen
from .test_browser import SCREENS
from .test_browser import SCREENSHOTS

pytestmark = [pytest.mark.live, pytest.mark.browser]


def in_italian(page, live_server):
    page.goto(live_server.url + "/practices")
    page.locator("#language-select").select_option("it")
    page.locator(".language-picker button").click()
    page.wait_for_selector("html[lang=it]")


def look(page, name, screen):
    """Check that the page fits and is accessible, and picture it for people to look at."""
    assert fits_the_screen(page), f"{name} is wider than the {screen} screen"
    assert_accessible(page, f"{name} ({screen})")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"practice-form-{name}-{screen}-it.png"), full_page=True)


@pytest.mark.parametrize("screen", list(SCREENS))
def test_a_delegate_writes_a_practice_step_by_step_and_submits_it_when_complete(
    live_server, make_user, new_page, screen
):
    elena = make_user(Role.DELEGATE, email="elena@example.org", administration="ferla")
    page = new_page(width=SCREENS[screen][0], height=SCREENS[screen][1])
    sign_in(page, live_server, elena.email)
    in_italian(page, live_server)

    page.goto(live_server.url + "/practices/new")
    assert page.inner_text(".step-count") == "Passo 1 di 6"
    look(page, "empty", screen)
    page.get_by_role("button", name="Salva e continua").click()
    page.wait_for_selector(".form-errors")
    look(page, "errors", screen)
    # The refused step is answered 422, which the browser notes in its console.
    assert [line for line in page.watch.console if "422" not in line] == []
    page.watch.console.clear()

    page.get_by_label("Titolo").fill("Tetti solari sulle scuole")
    page.get_by_label("Tema").select_option(label="Energie rinnovabili")
    page.get_by_label("Dal (anno)").fill("2024")
    page.get_by_label("Al (anno)", exact=True).fill("2022")
    page.get_by_role("button", name="Salva e continua").click()
    error = page.locator("#year_to-error")
    assert error.inner_text() == (
        "La buona pratica non può finire prima di iniziare: finisce nel 2022 ma inizia nel 2024."
    )
    assert page.get_by_label("Al (anno)", exact=True).get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Titolo").input_value() == "Tetti solari sulle scuole"
    assert [line for line in page.watch.console if "422" not in line] == []
    page.watch.console.clear()
    page.get_by_label("Dal (anno)").fill("")
    page.get_by_label("Al (anno)", exact=True).fill("")
    page.get_by_role("button", name="Salva e continua").click()
    page.wait_for_selector("text=Passo 2 di 6")
    page.get_by_label("La sfida").fill("Le scuole erano la voce più alta della **bolletta**.")
    page.get_by_role("button", name="Salva e continua").click()
    page.wait_for_selector("text=Passo 3 di 6")

    page.get_by_role("link", name="Verifica e invia").click()
    submit = page.get_by_role("button", name="Invia per la revisione")
    assert submit.is_disabled()
    missing = page.locator(".missing-fields li a").all_inner_texts()
    assert missing == ["Sintesi", "Dal (anno)", "Cosa è stato fatto", "Risultati"], missing
    look(page, "missing", screen)

    page.get_by_role("link", name="Sintesi").click()
    page.wait_for_selector("text=Passo 1 di 6")
    page.get_by_label("Sintesi").fill("Sei scuole producono la loro elettricità.")
    page.get_by_label("Dal (anno)").fill("2021")
    page.get_by_role("button", name="Salva e continua").click()
    # Each step is written once its page has loaded, as a person would.
    page.wait_for_selector("text=Passo 2 di 6")
    page.wait_for_load_state()
    page.get_by_label("Cosa è stato fatto").fill("Pannelli su sei tetti.")
    page.get_by_role("button", name="Salva e continua").click()
    page.wait_for_selector("text=Passo 3 di 6")
    page.wait_for_load_state()
    page.get_by_label("Risultati (obbligatorio)", exact=True).fill("Metà dell'elettricità è loro.")
    look(page, "results", screen)
    page.get_by_role("button", name="Salva e continua").click()
    page.wait_for_selector("text=Passo 4 di 6")
    page.get_by_role("button", name="Salva e continua").click()
    page.wait_for_selector("text=Passo 5 di 6")
    page.get_by_role("link", name="Continua").click()
    page.wait_for_selector("text=Passo 6 di 6")
    assert page.locator(".missing-fields").count() == 0, page.inner_text(".missing-fields")
    look(page, "complete", screen)
    page.get_by_role("button", name="Invia per la revisione").click()
    page.wait_for_selector("h1:text('Tetti solari sulle scuole')")
    assert page.inner_text(".badge-submitted") == "Inviata per la revisione"
    page.watch.assert_clean()


@pytest.mark.parametrize("screen", list(SCREENS))
def test_typed_text_survives_a_reload_and_the_preview_shows_the_markdown(
    live_server, make_user, write, new_page, screen
):
    elena = make_user(Role.DELEGATE, email="elena@example.org", administration="ferla")
    practice = write(elena, title="Tetti solari sulle scuole")
    page = new_page(width=SCREENS[screen][0], height=SCREENS[screen][1])
    sign_in(page, live_server, elena.email)
    in_italian(page, live_server)
    story = f"{live_server.url}/practices/{practice.id}/edit/story"
    page.goto(story)
    challenge = page.get_by_label("La sfida")
    challenge.fill("Le scuole pagavano **il doppio**.\n\n- sei tetti\n- 1,2 MW")
    page.wait_for_selector("#autosave-status[data-state=saved]")
    assert page.inner_text("#autosave-status").startswith("Salvato ")

    page.get_by_role("button", name="Mostra l'anteprima").first.click()
    preview = page.locator("#challenge-preview .preview-body")
    preview.locator("strong").wait_for()
    assert preview.locator("strong").inner_text() == "il doppio"
    assert preview.locator("li").all_inner_texts() == ["sei tetti", "1,2 MW"]
    challenge.press("End")
    challenge.type("\n\n# Risultati")
    preview.locator("h3").wait_for()  # live: the preview follows the text
    look(page, "preview", screen)

    page.reload()  # a closed tab, a crash: the text is still there
    assert (
        page.get_by_label("La sfida").input_value().startswith("Le scuole pagavano **il doppio**")
    )
    assert page.locator(".autosave-restored").count() == 1
    page.watch.assert_clean()


def test_a_message_becomes_a_draft_that_says_where_it_came_from(live_server, make_user, new_page):
    make_user(Role.DELEGATE, email="elena@example.org", name="Elena Conti", administration="ferla")
    speaker = live_server.socket(
        live_server.login("elena@example.org", "correct horse battery staple")
    )
    body = "Guten Tag zusammen! Elena hier. Zwölf Betriebe teilen sich den Strom ihrer Dächer."
    sent = {"room": "energy-communities", "body": body, "client_id": "develop-1"}
    assert speaker.call("send", sent, timeout=10)["ok"]
    speaker.disconnect()
    page = new_page()
    sign_in(page, live_server, "elena@example.org")
    page.goto(live_server.url + "/practices")
    page.locator("#language-select").select_option("de")
    page.locator(".language-picker button").click()
    page.wait_for_selector("html[lang=de]")
    page.goto(live_server.url + "/rooms/energy-communities")
    page.wait_for_selector("#connection-status[data-state=connected]")
    page.get_by_role("button", name="Zu einem Praxisbeispiel ausarbeiten").click()
    page.wait_for_selector(".practice-source")
    title = page.get_by_label("Titel").input_value()
    assert title == "Zwölf Betriebe teilen sich den Strom ihrer Dächer"
    assert "Elena Conti" in page.inner_text(".practice-source")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for screen, (width, height) in SCREENS.items():
        page.set_viewport_size({"width": width, "height": height})
        assert fits_the_screen(page), screen
        assert_accessible(page, f"a draft from a message ({screen})")
        shot = SCREENSHOTS / f"practice-from-message-{screen}-de.png"
        page.screenshot(path=str(shot), full_page=True)
    page.watch.assert_clean()
