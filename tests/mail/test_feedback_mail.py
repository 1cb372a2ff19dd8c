"""Organizers hear by mail when accessibility feedback arrives."""

from exchange.about.services import send_accessibility_feedback
from exchange.accounts.models import Role

from ..support.smtp import text_of


def test_organizers_get_a_mail_when_accessibility_feedback_arrives(
    mail_app, mail_server, deliver, make_user
):
    organizer = make_user(Role.ORGANIZER)
    make_user(Role.MODERATOR)
    with mail_app.app_context():
        send_accessibility_feedback(
            message="The map has no text alternative.", page="/rooms/plenary", address="192.0.2.1"
        )
    deliver()
    [mail] = mail_server.wait_for(1)
    assert mail["To"] == organizer.email
    assert mail["Subject"] == "Accessibility feedback arrived"
    assert "The map has no text alternative." in text_of(mail)
    assert "https://exchange.example.eu/organizer/accessibility-feedback" in text_of(mail)
