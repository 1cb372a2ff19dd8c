"""Saving a practice through the real server: its Markdown is rendered in a child process."""

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from exchange.extensions import db
from exchange.practices.models import Practice

from ..conftest import PASSWORD
from ..support.live import csrf_token

pytestmark = pytest.mark.live


def _children(pid):
    """The command lines of the processes whose parent is ``pid``."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append((stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except (OSError, IndexError, ValueError):
            continue
    return found


def test_a_served_save_renders_in_a_child_process_and_refuses_too_many_parts(
    app, live_server, make_user
):
    make_user(email="writer@example.org")
    session = live_server.login("writer@example.org", PASSWORD)
    token = csrf_token(session.get(f"{live_server.url}/practices/new", timeout=10).text)
    started = session.post(
        f"{live_server.url}/practices/new",
        data={"csrf_token": token, "title": "Solar roofs", "theme": "funding",
              "summary": "Schools make their own power."},
        allow_redirects=False,
        timeout=10,
    )  # fmt: skip
    assert started.status_code == 302, live_server.log_tail()
    practice_id = int(re.search(r"/practices/(\d+)/edit", started.headers["Location"])[1])
    story = f"{live_server.url}/practices/{practice_id}/edit/story"

    saved = session.post(
        story,
        data={"csrf_token": token, "challenge": "**Flat** roofs", "actions": "- audit\n- tender"},
        allow_redirects=False,
        timeout=30,
    )
    assert saved.status_code == 302, live_server.log_tail()
    with app.app_context():
        practice = db.session.scalar(sa.select(Practice).where(Practice.id == practice_id))
        assert practice.challenge_html == "<p><strong>Flat</strong> roofs</p>\n"
        assert "<li>tender</li>" in practice.actions_html
    assert any("exchange.offload" in line for line in _children(live_server.process.pid))

    refused = session.post(
        story,
        data={"csrf_token": token, "challenge": "- a\n" * 4_900, "actions": "fine"},
        allow_redirects=False,
        timeout=30,
    )
    assert refused.status_code == 422
    assert "too many parts" in refused.text
