"""Helpers shared by the forms of every feature."""

from __future__ import annotations

from flask_wtf import FlaskForm

from .errors import ExchangeError


def apply_error(form: FlaskForm, error: ExchangeError) -> None:
    """Show a service's error next to the field it names, or above the form."""
    field = getattr(form, str(error.details.get("field", "")), None)
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, str(error.message)]
    else:
        form.form_errors.append(str(error.message))


def form_status(error: ExchangeError) -> int:
    """The status of a page showing a refused form: 422 for mistakes, else the error's own."""
    return 422 if error.http_status == 400 else error.http_status
