"""A banner announced on one server process reaches open pages on another, through Redis."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from exchange.accounts.models import Role

from ..conftest import PASSWORD
from ..support.live import csrf_token
from ..support.services import REDIS_URL
from ..support.services import require
from ..test_message_queue import connect
from ..test_message_queue import start_pair


@pytest.mark.live
@pytest.mark.redis
def test_a_banner_from_one_process_shows_and_closes_on_the_other(database_url, tmp_path, make_user):
    require("Redis", REDIS_URL, 6379)
    olga = make_user(Role.ORGANIZER, email="olga@example.org", name="Olga")
    kasia = make_user(Role.DELEGATE, email="kasia@example.org")
    a, b = start_pair(database_url, tmp_path, REDIS_URL)
    try:
        page_on_b = connect(b, kasia)  # any page: no room joined
        organizer = a.login(olga.email, PASSWORD)
        token = csrf_token(organizer.get(a.url + "/announcements", timeout=10).text)
        tomorrow = dt.datetime.now(ZoneInfo("Europe/Rome")) + dt.timedelta(days=1)
        response = organizer.post(
            a.url + "/announcements",
            data={
                "csrf_token": token,
                "body": "Lunch is served in the foyer.",
                "banner_until": tomorrow.strftime("%Y-%m-%dT%H:%M"),
            },
            allow_redirects=False,
            timeout=10,
        )
        assert response.status_code == 302
        assert page_on_b.wait_for(lambda: page_on_b.events("banner"), timeout=10)
        [banner] = page_on_b.events("banner")
        assert banner["body_html"] == "Lunch is served in the foyer."

        # Closed in a tab served by process A: the page on process B lets it go too.
        tab_on_a = a.login(kasia.email, PASSWORD)
        token = csrf_token(tab_on_a.get(a.url + "/", timeout=10).text)
        closed = tab_on_a.post(
            f"{a.url}/announcements/{banner['id']}/dismiss",
            headers={"Accept": "application/json", "X-CSRFToken": token},
            timeout=10,
        )
        assert closed.status_code == 204
        assert page_on_b.wait_for(lambda: page_on_b.events("banner_ended"), timeout=10)
        assert page_on_b.events("banner_ended") == [{"id": banner["id"]}]
    finally:
        for server in (a, b):
            server.stop()
