"""Adding and removing a practice's pictures and documents: plain forms, no script needed."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import current_app
from flask import flash
from flask import redirect
from flask import request
from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..errors import Invalid
from ..files.models import StoredFile
from ..forms import flash_refusal
from ..permissions import acting_user
from ..permissions import Action
from ..permissions import requires
from . import attachments
from . import services
from .models import Practice

bp = Blueprint("practice_files", __name__)


@bp.app_template_global()
def practice_files(practice: Practice) -> list[StoredFile]:
    """The practice's files as the reader of the page may see them."""
    return attachments.files_shown(practice, current_user)


def _files_step(practice: Practice) -> ResponseReturnValue:
    return redirect(
        url_for("practices.edit", practice_id=practice.id, step_name="files", _anchor="files")
    )


@bp.post("/practices/<int:practice_id>/files")
@requires(Action.EDIT_PRACTICE)
def add(practice_id: int) -> ResponseReturnValue:
    """Attach one picture or document (multipart ``file``, ``alt``, ``caption``, ``credit``)."""
    practice = services.readable_practice(practice_id, current_user)
    uploads = request.files.getlist("file")
    with flash_refusal(_l("The file was not added: %(reason)s")) as attempt:
        if len(uploads) != 1 or not uploads[0].filename:
            raise Invalid(_l("Choose a file first."), field="file")
        upload: Any = uploads[0]
        stored = attachments.add_file(
            practice,
            acting_user(),
            upload.stream.read(current_app.config["UPLOAD_MAX_BYTES"] + 1),
            upload.filename,
            alt=request.form.get("alt"),
            caption=request.form.get("caption"),
            credit=request.form.get("credit"),
            declared_type=upload.mimetype,
        )
    if attempt.succeeded:
        flash(_("“%(name)s” is added to the practice.", name=stored.name), "success")
    return _files_step(practice)


@bp.post("/practices/<int:practice_id>/files/<int:file_id>/remove")
@requires(Action.EDIT_PRACTICE)
def remove(practice_id: int, file_id: int) -> ResponseReturnValue:
    """Take a picture or document off the practice."""
    practice = services.readable_practice(practice_id, current_user)
    with flash_refusal(_l("Not done: %(reason)s")) as attempt:
        removed = attachments.remove_file(practice, acting_user(), file_id)
    if attempt.succeeded:
        flash(_("“%(name)s” is removed from the practice.", name=removed.name), "success")
    return _files_step(practice)
