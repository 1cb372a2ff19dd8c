"""Upload a file (``POST /api/attachments``) and serve files to those who may read them."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import current_app
from flask import jsonify
from flask import redirect
from flask import request
from flask import Response
from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.datastructures import ContentRange
from werkzeug.exceptions import RequestEntityTooLarge

from ..config import UPLOAD_FORM_OVERHEAD as FORM_OVERHEAD
from ..errors import Invalid
from ..errors import NotFound
from ..permissions import acting_user
from ..permissions import Action
from ..permissions import requires
from . import services
from .content import content_disposition
from .content import INLINE_TYPES
from .models import StoredFile
from .models import Variant
from .schemas import file_json
from .schemas import thumbnail_name

bp = Blueprint("files", __name__)

#: Files are never run, framed or sniffed, and only this site may embed them.
FILE_HEADERS = {
    "Content-Security-Policy": "sandbox; default-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Resource-Policy": "same-origin",
    # Kept by the browser but checked each time: a file hidden since is never shown again.
    "Cache-Control": "private, no-cache",
}


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error: RequestEntityTooLarge) -> ResponseReturnValue:
    """A body over the limit, refused while it was read (even before the CSRF check)."""
    refusal = services.too_large(current_app.config["UPLOAD_MAX_BYTES"])
    return {"ok": False, "error": refusal.to_dict()}, 413


@bp.post("/api/attachments")
@requires(Action.UPLOAD_FILE)
def upload() -> ResponseReturnValue:
    """Store one file (multipart ``file``, optional ``alt``); answer 201 with its JSON."""
    user = acting_user()
    maximum = current_app.config["UPLOAD_MAX_BYTES"]
    # Werkzeug already refused bodies over MAX_CONTENT_LENGTH; this holds if it was set higher.
    if request.content_length is not None and request.content_length > maximum + FORM_OVERHEAD:
        raise services.too_large(maximum)
    services.count_upload(user)
    uploads = request.files.getlist("file")
    if len(uploads) != 1:
        raise Invalid(_l("Send one file, in the form field “file”."), field="file")
    data = uploads[0].stream.read(maximum + 1)
    file = services.upload_file(user, data, uploads[0].filename, alt=request.form.get("alt"))
    return jsonify(file_json(file)), 201


@bp.post("/api/attachments/<int:file_id>")
@requires(Action.UPLOAD_FILE)
def describe(file_id: int) -> ResponseReturnValue:
    """Describe a picture one uploaded and has not attached yet (form field ``alt``)."""
    file = services.describe_file(acting_user(), file_id, request.form.get("alt"))
    return jsonify(file_json(file))


@bp.get("/files/<int:file_id>/<name>")
def download(file_id: int, name: str) -> ResponseReturnValue:
    """A file, to whoever may read it; 404 to everyone else."""
    file = services.readable_file(_reader(), file_id)
    return _serve(file, Variant.ORIGINAL, name, file.name)


@bp.get("/files/<int:file_id>/thumbnail/<name>")
def thumbnail(file_id: int, name: str) -> ResponseReturnValue:
    """An image's thumbnail (WebP, at most 480 pixels a side), to whoever may read the image."""
    file = services.readable_file(_reader(), file_id)
    if not file.is_image:
        raise NotFound()
    return _serve(file, Variant.THUMBNAIL, name, thumbnail_name(file))


def _reader() -> Any:
    return current_user._get_current_object() if current_user.is_authenticated else None


def _serve(file: StoredFile, variant: str, asked: str, name: str) -> ResponseReturnValue:
    """Stream a rendition with its safety headers, answering ETag checks and byte ranges."""
    if asked != name:  # one address per file, whatever name a link carried
        return redirect(url_for(request.endpoint or "files.download", file_id=file.id, name=name))
    size = services.variant_size(file, variant)
    etag = f"{file.sha256[:32]}-{variant}"
    content_type = file.content_type if variant == Variant.ORIGINAL else "image/webp"
    disposition = "inline" if content_type in INLINE_TYPES else "attachment"
    headers = {**FILE_HEADERS, "Content-Disposition": content_disposition(disposition, name)}
    if request.if_none_match.contains(etag):
        response = Response(status=304, headers=headers)
        response.set_etag(etag)
        return response
    start, stop, status = 0, size, 200
    wanted = request.range
    if wanted is not None and (
        request.if_range.etag in (None, etag) and request.if_range.date is None
    ):
        window = wanted.range_for_length(size)
        if window is None:
            response = Response(status=416, headers=headers)
            response.content_range = ContentRange("bytes", None, None, size)
            return response
        start, stop, status = window[0], window[1], 206
    response = Response(
        services.read_bytes(file, variant, start, stop),
        status=status,
        headers=headers,
        content_type=content_type,
        direct_passthrough=True,
    )
    response.content_length = stop - start
    if status == 206:
        response.content_range = ContentRange("bytes", start, stop, size)
    response.accept_ranges = "bytes"
    response.set_etag(etag)
    return response
