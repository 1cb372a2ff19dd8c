"""Configuration: defaults, EXCHANGE_* variables, overrides, and the generated secret key."""

import os
import stat

import pytest

from exchange import create_app


def test_secret_key_is_generated_once_and_kept_private(tmp_path):
    overrides = {"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": "sqlite://"}
    first = create_app(overrides).config["SECRET_KEY"]
    second = create_app(overrides).config["SECRET_KEY"]
    assert first == second and len(first) == 64
    mode = stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode)
    assert mode == 0o600


def test_environment_variables_override_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("EXCHANGE_PORT", "8123")
    monkeypatch.setenv("EXCHANGE_HOST", "0.0.0.0")
    monkeypatch.setenv("EXCHANGE_ALLOWED_ORIGINS", "https://a.example, https://b.example")
    monkeypatch.setenv("EXCHANGE_SECRET_KEY", "from-the-environment")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": "sqlite://"})
    assert app.config["PORT"] == 8123
    assert app.config["HOST"] == "0.0.0.0"
    assert app.config["ALLOWED_ORIGINS"] == ["https://a.example", "https://b.example"]
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()


def test_an_unknown_async_mode_is_refused(tmp_path):
    with pytest.raises(ValueError, match="EXCHANGE_ASYNC_MODE"):
        create_app({"INSTANCE_PATH": str(tmp_path), "ASYNC_MODE": "tornado"})


def test_session_cookie_is_http_only_and_same_site(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": "sqlite://"})
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
