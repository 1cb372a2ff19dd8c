"""The JSON shape of a file (docs/files.md), built in one place."""

from __future__ import annotations

from typing import Any

from flask import current_app

from .models import StoredFile


def thumbnail_name(file: StoredFile) -> str:
    """The thumbnail's name: the file's, ending as what it is (WebP)."""
    return file.name.rsplit(".", 1)[0] + ".webp"


def _path(endpoint: str, **values: Any) -> str:
    """A path of this site, built in requests and outside them (a CLI, a background task)."""
    return current_app.url_map.bind("").build(endpoint, values)


def file_json(file: StoredFile) -> dict[str, Any]:
    """A file as the API and attachments show it; its URLs are paths of this site."""
    return {
        "id": file.id,
        "name": file.name,
        "size": file.size,
        "content_type": file.content_type,
        "kind": "image" if file.is_image else "document",
        "url": _path("files.download", file_id=file.id, name=file.name),
        "thumbnail_url": (
            _path("files.thumbnail", file_id=file.id, name=thumbnail_name(file))
            if file.is_image
            else None
        ),
        "width": file.width,
        "height": file.height,
        "alt": file.alt_text,
    }
