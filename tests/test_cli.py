"""The organizers' commands, as they run them."""

import json

import sqlalchemy as sa
from alembic import command

from exchange import schema
from exchange.accounts.models import Invitation
from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.extensions import db
from exchange.rooms.models import Message

from .conftest import DEMO_EVENT
from .conftest import PASSWORD


def test_load_event_reports_what_it_created_then_that_nothing_changed(runner):
    first = runner.invoke(args=["load-event", str(DEMO_EVENT)])
    assert first.exit_code == 0, first.output
    assert "created: event big-european-exchange, room plenary" in first.output
    second = runner.invoke(args=["load-event", str(DEMO_EVENT)])
    assert (
        "created" not in second.output and "unchanged: 61" in second.output
    )  # the event, 11 rooms, 42 administrations, 7 sessions of the agenda


def test_load_event_explains_mistakes(runner, tmp_path):
    broken = tmp_path / "event.toml"
    broken.write_text('[event]\nslug = "Bad Slug"\n', encoding="utf-8")
    result = runner.invoke(args=["load-event", str(broken)])
    assert result.exit_code == 1
    assert "event.slug: 'Bad Slug' is not a valid slug" in result.output
    assert "at least one room" in result.output


def test_create_user_reads_the_password_from_stdin(runner, app, event):
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "Mod@Example.org",
            "--name",
            "Mo",
            "--role",
            "moderator",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created moderator mod@example.org" in result.output
    with app.app_context():
        user = db.session.scalars(sa.select(User)).one()
        assert user.role is Role.MODERATOR


def test_create_user_prompts_for_the_password(runner, app, event):
    result = runner.invoke(
        args=["create-user", "--email", "a@example.org", "--name", "A"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output


def test_create_user_explains_a_bad_administration_and_a_weak_password(runner, event):
    bad_admin = runner.invoke(
        args=[
            "create-user",
            "--email",
            "d@example.org",
            "--name",
            "D",
            "--role",
            "delegate",
            "--administration",
            "atlantis",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )
    assert (
        bad_admin.exit_code == 1 and "No administration has the slug 'atlantis'" in bad_admin.output
    )
    weak = runner.invoke(
        args=["create-user", "--email", "d@example.org", "--name", "D", "--password-stdin"],
        input="short\n",
    )
    assert weak.exit_code == 1 and "at least 10 characters" in weak.output


def test_create_invite_prints_a_readable_code(runner, app, event):
    result = runner.invoke(
        args=["create-invite", "--administration", "montechiarugolo", "--max-uses", "3"]
    )
    assert result.exit_code == 0, result.output
    code = result.output.strip().rsplit(" ", 1)[-1]
    assert len(code) == 14 and code.count("-") == 2
    with app.app_context():
        invitation = db.session.scalars(sa.select(Invitation)).one()
        assert invitation.max_uses == 3 and invitation.code == code.replace("-", "")


def test_seed_demo_creates_one_account_per_role_once(runner, app):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    for role in Role:
        assert role.value in first.output
    passwords = json.loads(
        (
            app.instance_path
            and __import__("pathlib").Path(app.instance_path) / "demo-accounts.json"
        ).read_text()
    )
    assert len(passwords) == 5
    second = runner.invoke(args=["seed-demo"])
    assert second.output == first.output  # same accounts, same passwords, nothing new
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 5


def test_seed_demo_publishes_demo_practices_in_several_themes_once(runner, app):
    first = runner.invoke(args=["seed-demo"])
    assert "Demo practices published: 6" in first.output
    assert runner.invoke(args=["seed-demo"]).output == first.output
    with app.app_context():
        from exchange.practices.models import Practice

        practices = list(db.session.scalars(sa.select(Practice)))
        assert len(practices) == 6
        assert all(p.is_demo and p.is_published and p.title.endswith("(demo)") for p in practices)
        assert len({p.theme_id for p in practices}) >= 3
        assert all(p.results_html and p.failures_html for p in practices)
        assert sum(len(p.indicators) for p in practices) >= 4


def test_export_ebook_writes_the_chosen_format(runner, app, tmp_path):
    runner.invoke(args=["seed-demo"])
    for edition, magic in (("epub", b"PK"), ("pdf", b"%PDF-")):
        target = tmp_path / f"book.{edition}"
        result = runner.invoke(args=["export-ebook", "--format", edition, str(target)])
        assert result.exit_code == 0, result.output
        assert f"Wrote {target}" in result.output
        assert target.read_bytes().startswith(magic)


def test_practices_are_rendered_again_when_the_markdown_rules_change(runner, app, monkeypatch):
    runner.invoke(args=["seed-demo"])
    assert runner.invoke(args=["rerender-practices"]).output == "Rendered 0 practices.\n"
    monkeypatch.setattr("exchange.practices.services.MARKDOWN_VERSION", 2)
    with app.app_context(), db.engine.begin() as connection:
        config = schema.alembic_config()  # built by create_all: tell Alembic it is current
        config.attributes["connection"] = connection
        command.stamp(config, "head")
    result = runner.invoke(args=["init-db"])
    assert "Rendered 6 practices again with the current Markdown rules." in result.output
    assert runner.invoke(args=["rerender-practices"]).output == "Rendered 0 practices.\n"
    assert runner.invoke(args=["rerender-practices", "--all"]).output == "Rendered 6 practices.\n"


def test_announce_posts_in_the_rooms_named_as_an_organizer(runner, app, make_user):
    make_user(Role.ORGANIZER, email="olga@example.org", name="Olga")
    result = runner.invoke(
        args=["announce", "--as", "olga@example.org", "--room", "plenary", "--room", "funding"]
        + ["The plenary starts at ten."]
    )
    assert result.exit_code == 0, result.output
    assert "Posted in plenary" in result.output and "Posted in funding" in result.output
    with app.app_context():
        messages = db.session.scalars(sa.select(Message).order_by(Message.id)).all()
        assert [(m.room.slug, m.body, m.author.name) for m in messages] == [
            ("plenary", "The plenary starts at ten.", "Olga"),
            ("funding", "The plenary starts at ten.", "Olga"),
        ]


def test_announce_in_every_room_or_explain_what_is_missing(runner, app, make_user):
    make_user(Role.MODERATOR, email="marco@example.org")
    everywhere = runner.invoke(args=["announce", "--as", "marco@example.org", "--all-rooms", "Hi"])
    assert everywhere.exit_code == 0, everywhere.output
    assert everywhere.output.count("Posted in") == 11
    nowhere = runner.invoke(args=["announce", "--as", "marco@example.org", "Hi"])
    assert nowhere.exit_code == 2 and "--all-rooms" in nowhere.output
    unknown = runner.invoke(args=["announce", "--as", "marco@example.org", "--room", "x", "Hi"])
    assert unknown.exit_code == 1 and "There is no open room 'x'" in unknown.output


def test_only_staff_may_announce(runner, make_user):
    make_user(Role.DELEGATE, email="elena@example.org")
    result = runner.invoke(
        args=["announce", "--as", "elena@example.org", "--room", "plenary", "Hello all"]
    )
    assert result.exit_code == 1 and "not allowed" in result.output
