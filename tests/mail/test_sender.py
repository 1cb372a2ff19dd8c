"""The serving processes' senders: a burst of mail, two processes, each mail delivered once."""

import time
from collections import Counter

import pytest

from exchange import create_app
from exchange.extensions import db
from exchange.mail import services as mail

from ..conftest import test_config
from ..support import databases
from ..support.live import LiveServer


@pytest.mark.postgresql
def test_two_serving_processes_deliver_a_burst_of_200_mails_exactly_once_each(
    postgresql_url, mail_server, tmp_path
):
    databases.empty_tables(postgresql_url)
    settings = {
        "EXCHANGE_SMTP_URL": mail_server.url,
        "EXCHANGE_MAIL_POLL_SECONDS": "0.05",
        "EXCHANGE_MAIL_BATCH_SIZE": "7",  # small batches: both processes take turns
    }
    servers = [LiveServer(postgresql_url, tmp_path, env=settings).start() for _ in range(2)]
    try:
        app = create_app(test_config(postgresql_url, tmp_path))
        with app.app_context():
            for number in range(200):
                mail.queue_mail(
                    kind="test",
                    to=f"person{number}@example.org",
                    template="test",
                    subject="Burst",
                    site="",
                )
            db.session.commit()  # one transaction: the whole burst is due at once
            db.engine.dispose()
        received = mail_server.wait_for(200, timeout=60)
        time.sleep(1)  # a duplicate would have the time to arrive
    finally:
        for server in servers:
            server.stop()
    ids = Counter(message["Message-ID"] for message in mail_server.received())
    assert len(received) >= 200
    assert len(ids) == 200 and max(ids.values()) == 1
    sent_by = [server.log_path.read_text().count("(test) sent") for server in servers]
    assert all(sent_by), f"both processes should have sent some of the burst: {sent_by}"
