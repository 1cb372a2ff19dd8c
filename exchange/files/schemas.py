"""The JSON shape of a file (docs/files.md), built in one place."""

from __future__ import annotations

from typing import Any

from babel.units import format_unit
from flask import current_app
from flask_babel import get_locale

from .content import THUMBNAIL_SIDE
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


def type_label(file: StoredFile) -> str:
    """What the file is, as people name it ("PDF", "XLSX"): its name always ends so."""
    return file.name.rsplit(".", 1)[-1].upper()


def size_label(size: int) -> str:
    """A size in the reader's language ("481 kB", "1,2 MB"), counted as the limits are."""
    locale = get_locale() or "en"
    if size < 1024 * 1024:
        return format_unit(max(1, round(size / 1024)), "digital-kilobyte", "short", locale=locale)
    value = round(size / (1024 * 1024), 1)
    return format_unit(value, "digital-megabyte", "short", locale=locale, format="#,##0.#")


def thumbnail_box(file: StoredFile) -> tuple[int, int]:
    """The thumbnail's pixels (for the page's layout before it loads)."""
    width, height = file.width or THUMBNAIL_SIDE, file.height or THUMBNAIL_SIDE
    scale = min(1.0, THUMBNAIL_SIDE / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def file_view(file: StoredFile) -> dict[str, Any]:
    """What a page shows of a file: its JSON with its type, size and thumbnail box in words."""
    width, height = thumbnail_box(file)
    return {
        **file_json(file),
        "type_label": type_label(file),
        "size_label": size_label(file.size),
        "thumbnail_width": width,
        "thumbnail_height": height,
        "hidden": file.is_hidden,
    }
