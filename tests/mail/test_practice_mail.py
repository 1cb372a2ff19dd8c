"""Authors hear by mail what the review of their practice decided."""

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.db import utcnow
from exchange.extensions import db
from exchange.practices import services as practices
from exchange.practices.models import Practice

from ..support.practices import content
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


def forget_earlier_mail(deliver, mail_server):
    """Deliver what is waiting (the author's mail that the practice is published) and forget it."""
    count = deliver()
    mail_server.wait_for(count)
    with mail_server.lock:
        mail_server.messages.clear()


def test_a_change_proposed_to_a_published_practice_mails_every_reviewer_once(
    mail_app, mail_server, deliver, make_user, write
):
    mail_app.config["LANGUAGES"] = ["en", "it", "de"]
    author = make_user(Role.DELEGATE, name="Elena Conti", administration="ferla")
    practice = write(author, published=True, title="Tetti solari")
    marco = make_user(Role.MODERATOR, name="Marco Rossi")
    giulia = make_user(Role.ORGANIZER, name="Giulia Bianchi")
    banned = make_user(Role.MODERATOR, name="Banned Moderator")
    with mail_app.app_context():
        db.session.get(User, marco.id).locale = "it"
        db.session.get(User, giulia.id).locale = "de"
        db.session.get(User, banned.id).banned_at = utcnow()
        db.session.commit()
    forget_earlier_mail(deliver, mail_server)

    with mail_app.app_context():
        writer = db.session.get(User, author.id)
        for title in ("Tetti solari su ogni scuola", "Tetti solari su tutte le scuole"):
            practices.update_practice(
                db.session.get(Practice, practice.id), writer, content(title=title)
            )
    # Marco, Giulia and the moderator who published it: once each, not the banned one.
    assert deliver() == 3
    mails = {mail["To"]: mail for mail in mail_server.wait_for(3)}
    assert len(mails) == 3 and {marco.email, giulia.email} <= set(mails)
    assert banned.email not in mails and author.email not in mails
    italian, german = mails[marco.email], mails[giulia.email]
    assert (
        italian["Subject"] == "Una modifica a una buona pratica pubblicata attende la tua revisione"
    )
    assert (
        german["Subject"]
        == "Eine Änderung an einem veröffentlichten Praxisbeispiel wartet auf Ihre Prüfung"
    )
    text = " ".join(text_of(italian).split())  # as read, whatever the line breaks
    assert (
        "Elena Conti ha proposto una modifica alla buona pratica pubblicata «Tetti solari»" in text
    )
    assert f"https://exchange.example.eu/practices/{practice.id}" in text
    assert "https://exchange.example.eu/practices/review" in text
    assert "List-Unsubscribe" not in italian  # like a submission, it cannot be turned off
    assert "Elena Conti" in text_of(german) and "Tetti solari" in text_of(german)


def test_a_change_proposed_again_after_it_was_sent_back_mails_the_reviewers_again(
    mail_app, mail_server, deliver, make_user, write
):
    author = make_user(Role.DELEGATE, administration="ferla")
    practice = write(author, published=True, title="Open budgets")
    marco = make_user(Role.MODERATOR, name="Marco Rossi")
    forget_earlier_mail(deliver, mail_server)
    with mail_app.app_context():
        writer, reviewer = db.session.get(User, author.id), db.session.get(User, marco.id)
        stored = db.session.get(Practice, practice.id)
        practices.update_practice(stored, writer, content(title="Open budgets, first try"))
        practices.return_change(stored, reviewer, "Say which year.")
        practices.update_practice(stored, writer, content(title="Open budgets of 2025"))
    assert deliver() == 4  # two reviewers (Marco, who published it), twice
    mails = mail_server.wait_for(4)
    to_marco = [mail for mail in mails if mail["To"] == marco.email]
    assert len(to_marco) == 2
    assert all("proposed a change" in text_of(mail) for mail in to_marco)


def test_a_reviewers_own_change_to_a_published_practice_mails_nobody(
    mail_app, mail_server, deliver, make_user, write
):
    author = make_user(Role.DELEGATE, administration="ferla")
    practice = write(author, published=True, title="Open budgets")
    marco = make_user(Role.MODERATOR, name="Marco Rossi")
    make_user(Role.ORGANIZER, name="Giulia Bianchi")
    forget_earlier_mail(deliver, mail_server)
    with mail_app.app_context():
        practices.update_practice(
            db.session.get(Practice, practice.id),
            db.session.get(User, marco.id),
            content(title="Open budgets, corrected"),
        )
    assert deliver() == 0
