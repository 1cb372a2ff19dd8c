"""The demo practices (examples/demo-practices.toml) as `seed-demo` loads them."""

import sqlalchemy as sa

from exchange.extensions import db
from exchange.practices.models import Practice


def demo_languages(app):
    with app.app_context():
        return list(db.session.scalars(sa.select(Practice.language).order_by(Practice.id)))


def test_the_demo_practices_say_the_language_they_are_written_in(runner, app):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert demo_languages(app) == ["en"] * 6


def test_demo_practices_seeded_before_they_said_their_language_learn_it(runner, app):
    runner.invoke(args=["seed-demo"])
    with app.app_context():
        db.session.execute(sa.update(Practice).values(language=None))
        db.session.commit()
    result = runner.invoke(args=["seed-demo"])
    assert "Demo practices published: 6" in result.output
    assert demo_languages(app) == ["en"] * 6
