"""Authors hear by mail what the review of their practice decided."""

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.extensions import db
from exchange.practices import services as practices
from exchange.practices.models import Practice

from ..support.smtp import text_of


def test_a_practice_sent_back_mails_its_author_the_comment(
    mail_app, mail_server, deliver, make_user, write
):
    author = make_user(Role.DELEGATE)
    practice = write(author, submitted=True, title="Shared heat pumps")
    reviewer = make_user(Role.MODERATOR)
    with mail_app.app_context():
        practices.return_practice(
            db.session.get(Practice, practice.id),
            db.session.get(User, reviewer.id),
            "Please add the yearly savings.",
        )
    deliver()
    [mail] = mail_server.wait_for(1)
    assert mail["To"] == author.email
    assert mail["Subject"] == "Your practice was sent back"
    assert "Shared heat pumps" in text_of(mail)
    assert "Please add the yearly savings." in text_of(mail)
    assert f"https://exchange.example.eu/practices/{practice.id}" in text_of(mail)


def test_a_published_practice_mails_its_author(mail_app, mail_server, deliver, make_user, write):
    author = make_user(Role.DELEGATE)
    write(author, published=True, title="Open budgets")
    deliver()
    [mail] = mail_server.wait_for(1)
    assert mail["To"] == author.email
    assert mail["Subject"] == "Your practice is published"
    assert "Open budgets" in text_of(mail)
