"""Command-line tasks for organizers: thin wrappers that call services.

Run them as ``flask --app wsgi COMMAND``; each command's ``--help`` is its docstring.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click
from flask import Flask
from flask.cli import with_appcontext

from . import schema
from .accounts import services as accounts
from .accounts.models import Role
from .accounts.privacy import purge_ended_login_sessions
from .demo import seed_demo as seed
from .errors import ExchangeError
from .errors import NotFound
from .event.phases import now
from .event.services import get_administration
from .event.services import get_room
from .event.services import list_rooms
from .event.services import load_event_file
from .extensions import db
from .files.services import delete_unattached_files
from .mail import services as mail
from .mail.services import deliver_due
from .moderation.services import confirm_address
from .moderation.services import set_role as change_role
from .practices.ebook import export
from .practices.services import rerender_practices as rerender
from .retention.services import apply_retention as apply
from .rooms.services import announce as post_announcement


def register_commands(app: Flask) -> None:
    for command in (
        init_db,
        load_event,
        create_user,
        create_invite,
        set_role,
        announce,
        seed_demo,
        purge_expired,
        apply_retention,
        rerender_practices,
        export_ebook,
        send_mail,
        send_test_mail,
        confirm_email,
    ):
        app.cli.add_command(command)


def _fail(error: ExchangeError) -> NoReturn:
    raise click.ClickException(str(error.message))


@click.command("confirm-email")
@with_appcontext
@click.argument("email")
def confirm_email(email: str) -> None:
    """Mark the address EMAIL as confirmed: its holder may write without following the link."""
    try:
        user = confirm_address(accounts.get_user_by_email(email), None)
    except ExchangeError as error:
        _fail(error)
    click.echo(f"The address of {user.name} ({user.email}) is confirmed.")


@click.command("send-mail")
@with_appcontext
def send_mail() -> None:
    """Deliver the mail that is due now (serving processes do it by themselves)."""
    taken = total = deliver_due()
    while taken:
        taken = deliver_due()
        total += taken
    click.echo(f"Took {total} mails from the outbox.")


@click.command("send-test-mail")
@with_appcontext
@click.argument("address")
def send_test_mail(address: str) -> None:
    """Send a test mail to ADDRESS now, and say whether the mail server took it."""
    try:
        queued = mail.send_test_mail(address)
    except ExchangeError as error:
        _fail(error)
    mail.deliver_due()
    db.session.refresh(queued)
    if queued.sent_at is None:
        raise click.ClickException(f"The mail server did not take the mail: {queued.last_error}")
    click.echo(f"Sent {queued.message_id} to {queued.recipient}.")


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create the database schema, or upgrade it to the latest version.

    Practices whose HTML an older Markdown renderer made are then rendered again.
    """
    before = schema.current_revision()
    schema.upgrade()
    after = schema.current_revision()
    if before == after:
        click.echo(f"Database schema is up to date ({after}).")
    else:
        click.echo(f"Database schema upgraded from {before or 'empty'} to {after}.")
    rendered = rerender()
    if rendered:
        click.echo(f"Rendered {rendered} practices again with the current Markdown rules.")


@click.command("rerender-practices")
@with_appcontext
@click.option(
    "--all", "everything", is_flag=True, help="Render every practice, not only stale ones."
)
def rerender_practices(everything: bool) -> None:
    """Render the Markdown of stored practices again with the current allowlist.

    Needed after the sanitizer's rules change (sanitize.MARKDOWN_VERSION); init-db
    does it too. It can be stopped and run again: what is done stays done.
    """
    click.echo(f"Rendered {rerender(everything=everything)} practices.")


@click.command("export-ebook")
@with_appcontext
@click.option(
    "--format",
    "edition",
    type=click.Choice(["epub", "pdf"]),
    default="epub",
    show_default=True,
    help="EPUB 3, or PDF.",
)
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
def export_ebook(edition: str, file: str) -> None:
    """Write the e-book of every published practice, grouped by theme, to FILE."""
    book = export(edition)
    Path(file).write_bytes(book.data)
    click.echo(f"Wrote {file} ({len(book.data):,} bytes).")


@click.command("load-event")
@with_appcontext
@click.argument("file", type=click.Path(dir_okay=False))
def load_event(file: str) -> None:
    """Load or update the event, its rooms and administrations from a TOML FILE.

    Running it again with an edited file updates what changed and never
    duplicates anything. See examples/big-european-exchange.toml.
    """
    try:
        report = load_event_file(file)
    except ExchangeError as error:
        _fail(error)
    for line in report.lines():
        click.echo(line)


@click.command("create-user")
@with_appcontext
@click.option("--email", required=True, help="Sign-in address of the new account.")
@click.option("--name", required=True, help="Name shown to other participants.")
@click.option(
    "--role",
    type=click.Choice([role.value for role in Role]),
    default=Role.ATTENDEE.value,
    show_default=True,
)
@click.option(
    "--administration", "administration_slug", help="Slug of the administration (delegates)."
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user(
    email: str, name: str, role: str, administration_slug: str | None, password_stdin: bool
) -> None:
    """Create an account; the password is prompted for unless --password-stdin is given."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        administration = get_administration(administration_slug) if administration_slug else None
        user = accounts.create_user(
            email=email,
            name=name,
            password=password,
            role=Role(role),
            administration=administration,
        )
    except ExchangeError as error:
        if administration_slug and error.code == "not_found":
            raise click.ClickException(
                f"No administration has the slug {administration_slug!r}."
            ) from None
        _fail(error)
    click.echo(f"Created {user.role.value} {user.email} (id {user.id}).")


@click.command("create-invite")
@with_appcontext
@click.option(
    "--administration", "administration_slug", required=True, help="Slug of the administration."
)
@click.option(
    "--max-uses",
    type=click.IntRange(min=1),
    help="How many people may use the code (default: no limit).",
)
def create_invite(administration_slug: str, max_uses: int | None) -> None:
    """Create an invitation code that registers delegates of one administration."""
    try:
        invitation = accounts.create_invitation(
            get_administration(administration_slug), max_uses=max_uses
        )
    except ExchangeError as error:
        if error.code == "not_found":
            raise click.ClickException(
                f"No administration has the slug {administration_slug!r}."
            ) from None
        _fail(error)
    click.echo(
        f"Invitation code for {invitation.administration.name}: "
        f"{accounts.format_invitation_code(invitation.code)}"
    )


@click.command("set-role")
@with_appcontext
@click.argument("email")
@click.argument("role", type=click.Choice([role.value for role in Role]))
@click.option("--reason", default="", help="Recorded in the moderation log.")
def set_role(email: str, role: str, reason: str) -> None:
    """Give the account EMAIL another ROLE (e.g. make someone a moderator).

    This is also how organizers are made. The change is in the moderation
    log, and the person's open pages reconnect with their new role.
    """
    try:
        user = change_role(accounts.get_user_by_email(email), Role(role), actor=None, reason=reason)
    except ExchangeError as error:
        _fail(error)
    click.echo(f"{user.email} is now {user.role.value}.")


@click.command("announce")
@with_appcontext
@click.option("--as", "email", required=True, help="The organizer or moderator who speaks.")
@click.option("--room", "slugs", multiple=True, help="A room's slug; repeat it for several rooms.")
@click.option("--all-rooms", is_flag=True, help="Post in every open room.")
@click.argument("text")
def announce(email: str, slugs: tuple[str, ...], all_rooms: bool, text: str) -> None:
    """Post TEXT as an announcement of an organizer or moderator, live in the rooms.

    For example: announce --as organizer@example.org --room plenary "We start in 10 minutes".
    It is an ordinary message of that account: kept in the history, and shown at
    once to everyone in the room, whichever server process they are connected to.
    """
    if all_rooms == bool(slugs):
        raise click.UsageError("Give --room SLUG (one or more), or --all-rooms.")
    rooms = list_rooms() if all_rooms else []
    for slug in slugs:
        try:
            rooms.append(get_room(slug))
        except NotFound:
            raise click.ClickException(f"There is no open room {slug!r}.") from None
    try:
        messages = post_announcement(accounts.get_user_by_email(email), rooms, text)
    except ExchangeError as error:
        _fail(error)
    for message in messages:
        click.echo(f"Posted in {message.room.slug} (message {message.id}).")


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Load the demo event, one demo account per role and the demo practices; list the accounts.

    Passwords are drawn at random on first creation and kept in
    instance/demo-accounts.json, so they are never the same on two machines.
    """
    try:
        demo = seed()
    except ExchangeError as error:
        _fail(error)
    click.echo(f"Demo practices published: {demo.practices} (browse them at /practices)")
    click.echo("Demo accounts (sign in at /login):")
    for account in demo.accounts:
        where = f", {account.administration}" if account.administration else ""
        click.echo(
            f"  {account.role:<10} {account.email:<28} {account.password}   ({account.name}{where})"
        )


@click.command("apply-retention")
@click.option("--dry-run", is_flag=True, help="List what would go, and change nothing.")
@with_appcontext
def apply_retention(dry_run: bool) -> None:
    """Erase room messages older than EXCHANGE_RETENTION_ROOM_MESSAGES_DAYS, with their files.

    Their text, attached files and the excerpts notices quoted go; the rows stay,
    hidden, for the moderation log. The server also does this every hour.
    """
    report = apply(now(), dry_run=dry_run)
    if dry_run:
        click.echo("Dry run: nothing was changed.")
    for line in report.lines():
        click.echo(line)


@click.command("purge-expired")
@with_appcontext
def purge_expired() -> None:
    """Delete records of sign-in sessions that ended over 30 days ago, and files never attached.

    Files uploaded but never attached to a message (or anything else) are
    deleted a day after their upload. The server also does this every hour;
    this command is for deployments that want to run it on their own schedule.
    """
    click.echo(f"Deleted {purge_ended_login_sessions()} ended sign-in session record(s).")
    click.echo(f"Deleted {delete_unattached_files()} file(s) never attached.")
