"""GET /healthz tells whether the process and its database work."""

from exchange import create_app


def test_health_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["database"]["dialect"] in {"sqlite", "postgresql"}


def test_health_reports_an_unreachable_database_without_details(tmp_path):
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'missing' / 'dir' / 'db.sqlite3'}",
            "INSTANCE_PATH": str(tmp_path),
            "SECRET_KEY": "x",
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "error",
        "database": {"status": "unreachable", "error": "OperationalError"},
    }
