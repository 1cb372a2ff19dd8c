"""GET /healthz: is this process serving, and can it reach its database?"""

from __future__ import annotations

import time

import sqlalchemy as sa
from flask import Blueprint
from flask import jsonify
from flask.typing import ResponseReturnValue

from .extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    started = time.perf_counter()
    try:
        db.session.execute(sa.text("SELECT 1"))
    except Exception as error:  # the point is to report it, not to fail
        db.session.rollback()
        body = {
            "status": "error",
            "database": {"status": "unreachable", "error": type(error).__name__},
        }
        return jsonify(body), 503
    elapsed_ms = round((time.perf_counter() - started) * 1000, 2)
    return jsonify(
        {
            "status": "ok",
            "database": {
                "status": "ok",
                "dialect": db.engine.dialect.name,
                "latency_ms": elapsed_ms,
            },
        }
    )
