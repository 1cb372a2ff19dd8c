"""The systemd units of deploy/systemd, checked by systemd itself, and their settings file.

``systemd-analyze verify`` needs no running systemd: it loads the unit files as the
manager would, resolves their dependencies and checks their commands exist. It
reports a bad line as a warning and still succeeds, so its output is read too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from exchange import create_app

from ..support.services import require_program

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
#: Where the units expect the checkout and the settings; render_unit moves both here.
CHECKOUT, ENV_FILE = "/srv/spazio-virtuale", "/etc/spazio-virtuale/env"
SYSTEMD_ANALYZE = shutil.which("systemd-analyze") or "/usr/bin/systemd-analyze"
#: The template is checked through an instance, as systemctl starts it; that pulls in
#: spazio-virtuale-migrate.service, which it requires, from the same directory.
INSTANCES = ["spazio-virtuale@5001.service", "spazio-virtuale-migrate.service"]


def render_unit(text: str, env_file: Path) -> str:
    """A unit as installed on this machine: this checkout, and a settings file of the test."""
    assert CHECKOUT in text and ENV_FILE in text
    return text.replace(CHECKOUT, str(ROOT)).replace(ENV_FILE, str(env_file))


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=value lines, as systemd's EnvironmentFile= reads the simple ones."""
    settings = {}
    for line in path.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep and key == key.strip() and " #" not in value, f"not a plain setting: {line}"
        settings[key] = value
    return settings


@pytest.fixture
def installed(tmp_path: Path) -> Path:
    """The units rendered into a directory of their own, as in /etc/systemd/system."""
    require_program("systemd-analyze", SYSTEMD_ANALYZE)
    env_file = tmp_path / "env"
    shutil.copy(UNITS / "env.example", env_file)
    directory = tmp_path / "system"
    directory.mkdir()
    for unit in UNITS.glob("*.service"):
        (directory / unit.name).write_text(render_unit(unit.read_text(), env_file))
    return directory


@pytest.mark.parametrize("unit", INSTANCES)
def test_systemd_finds_nothing_wrong_with_the_unit(installed, unit):
    result = subprocess.run(
        [SYSTEMD_ANALYZE, "verify", "--man=no", str(installed / unit)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "SYSTEMD_LOG_LEVEL": "info", "SYSTEMD_LOG_COLOR": "0"},
    )
    output = (result.stdout + result.stderr).strip()
    about_ours = [line for line in output.splitlines() if "spazio-virtuale" in line]
    assert result.returncode == 0 and not about_ours, output


def test_the_example_settings_configure_the_app_for_production(monkeypatch, tmp_path):
    settings = read_env_file(UNITS / "env.example")
    # The instance's own port comes from its name; the file would override it.
    assert "EXCHANGE_PORT" not in settings
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("EXCHANGE_INSTANCE_PATH", str(tmp_path / "instance"))

    app = create_app()
    assert app.config["SECRET_KEY"] == settings["EXCHANGE_SECRET_KEY"]
    assert app.config["DATABASE_URL"].startswith("postgresql://")
    assert app.config["MESSAGE_QUEUE"] == "redis://127.0.0.1:6379/0"
    assert app.config["TRUSTED_PROXIES"] == 1
    assert app.config["SITE_URL_IS_SET"] and app.config["ALLOWED_HOSTS"] == ["exchange.example"]
    assert not (tmp_path / "instance" / "secret_key").exists()


@pytest.mark.parametrize("unit", INSTANCES)
def test_the_unit_keeps_its_sandbox(installed, unit):
    # systemd's own rating of what the process could do if compromised, 0 (nothing) to
    # 10; the units score 3.0 ("OK"). Above 4.0, some hardening line went missing.
    result = subprocess.run(
        [SYSTEMD_ANALYZE, "security", "--offline=true", "--threshold=40", "--no-pager"]
        + [str(installed / unit)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "SYSTEMD_LOG_COLOR": "0", "SYSTEMD_COLORS": "0"},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
