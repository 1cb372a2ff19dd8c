"""Authors hear by mail what the review of their practice decided."""

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.db import utcnow
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


def test_a_submitted_practice_mails_every_reviewer_in_their_language(
    mail_app, mail_server, deliver, make_user, write
):
    mail_app.config["LANGUAGES"] = ["en", "it", "de"]
    marco = make_user(Role.MODERATOR, name="Marco Rossi")
    giulia = make_user(Role.ORGANIZER, name="Giulia Bianchi")
    banned = make_user(Role.MODERATOR, name="Banned Moderator")
    colleague = make_user(Role.DELEGATE, name="Paolo Neri")
    with mail_app.app_context():
        db.session.get(User, marco.id).locale = "it"
        db.session.get(User, giulia.id).locale = "de"
        db.session.get(User, banned.id).banned_at = utcnow()
        db.session.commit()
    author = make_user(Role.DELEGATE, name="Elena Conti", administration="ferla")
    practice = write(
        author, submitted=True, title="Tetti solari", summary="Sei scuole fanno la loro energia."
    )
    deliver()
    mails = {mail["To"]: mail for mail in mail_server.wait_for(2)}
    assert set(mails) == {marco.email, giulia.email}  # not the banned one, nor delegates
    assert colleague.email not in mails
    italian, german = mails[marco.email], mails[giulia.email]
    assert italian["Subject"] == "Una buona pratica attende la tua revisione"
    assert german["Subject"] == "Ein Praxisbeispiel wartet auf Ihre Prüfung"
    text = text_of(italian)
    assert "Elena Conti ha inviato per la revisione la buona pratica «Tetti solari»" in text
    assert "«Tetti solari» di Ferla." in text
    assert "Sei scuole fanno la loro energia." in text
    assert f"https://exchange.example.eu/practices/{practice.id}" in text
    assert "https://exchange.example.eu/practices/review" in text
    assert "Tetti solari" in text_of(german) and "zur Prüfung eingereicht" in text_of(german)


def test_a_reviewer_who_submits_is_not_mailed_about_it(
    mail_app, mail_server, deliver, make_user, write
):
    marco = make_user(Role.MODERATOR, name="Marco Rossi")
    giulia = make_user(Role.ORGANIZER, name="Giulia Bianchi")
    author = make_user(Role.DELEGATE)
    practice = write(author, title="Open budgets")
    with mail_app.app_context():
        practices.submit_practice(
            db.session.get(Practice, practice.id), db.session.get(User, marco.id)
        )
    deliver()
    [mail] = mail_server.wait_for(1)
    assert mail["To"] == giulia.email and "Marco Rossi submitted" in text_of(mail)
