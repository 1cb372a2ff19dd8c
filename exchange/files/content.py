"""What an uploaded file really is, judged by its content, and what of it is kept.

The client's name and type are never believed: the bytes decide. Accepted are
JPEG, PNG, GIF and WebP images; PDF; office documents (OOXML, OpenDocument and
the older OLE formats) without macros or passwords; and CSV (UTF-8 text).
Images are decoded under a pixel limit, turned upright by their EXIF
orientation, scaled down when very large and encoded again without any
metadata (EXIF with its GPS position, XMP, comments), and get a thumbnail.
Office archives are read through, every entry, with their sizes bounded, so
that a zip bomb is refused here rather than opened by a reader's office suite.

:func:`examine` is CPU-heavy and pure: it takes bytes and returns bytes, never
touching the request or the database, so that it can run off the event loop.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import struct
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import olefile
from flask_babel import lazy_gettext as _l
from PIL import Image
from PIL import ImageOps
from PIL import ImageSequence

from ..errors import Invalid

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FileType:
    """One accepted type: its media type and the file name endings it may have."""

    key: str
    content_type: str
    #: The first one is added to a name that has none of them.
    extensions: tuple[str, ...]
    image: bool = False


_OOXML = "application/vnd.openxmlformats-officedocument"
_ODF = "application/vnd.oasis.opendocument"
TYPES = {
    file_type.key: file_type
    for file_type in (
        FileType("jpeg", "image/jpeg", (".jpg", ".jpeg"), image=True),
        FileType("png", "image/png", (".png",), image=True),
        FileType("gif", "image/gif", (".gif",), image=True),
        FileType("webp", "image/webp", (".webp",), image=True),
        FileType("pdf", "application/pdf", (".pdf",)),
        FileType("docx", f"{_OOXML}.wordprocessingml.document", (".docx",)),
        FileType("xlsx", f"{_OOXML}.spreadsheetml.sheet", (".xlsx",)),
        FileType("pptx", f"{_OOXML}.presentationml.presentation", (".pptx",)),
        FileType("odt", f"{_ODF}.text", (".odt",)),
        FileType("ods", f"{_ODF}.spreadsheet", (".ods",)),
        FileType("odp", f"{_ODF}.presentation", (".odp",)),
        FileType("doc", "application/msword", (".doc",)),
        FileType("xls", "application/vnd.ms-excel", (".xls",)),
        FileType("ppt", "application/vnd.ms-powerpoint", (".ppt",)),
        FileType("csv", "text/csv; charset=utf-8", (".csv", ".txt", ".tsv")),
    )
}
#: The only types a browser is ever allowed to show itself (never SVG, never HTML).
INLINE_TYPES = frozenset(t.content_type for t in TYPES.values() if t.image)

#: Longest side of a thumbnail, in pixels.
THUMBNAIL_SIDE = 480
#: An office archive may hold at most this many entries and this many bytes once
#: unpacked; an entry larger than ARCHIVE_GRACE may unpack to at most ARCHIVE_MAX_RATIO
#: times its packed size (Apache POI's rule for the same documents).
ARCHIVE_MAX_ENTRIES = 10_000
ARCHIVE_MAX_UNPACKED = 512 * 1024 * 1024
ARCHIVE_GRACE = 100 * 1024
ARCHIVE_MAX_RATIO = 100

_PIL_FORMATS = {"jpeg": "JPEG", "png": "PNG", "gif": "GIF", "webp": "WEBP"}
#: Image information that describes the pixels, not the picture's circumstances.
_PIXEL_INFO = ("transparency", "duration", "loop", "background")
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: Markup a browser would run, looked for at the start of anything not re-encoded.
_MARKUP = re.compile(
    rb"<\s*(?:!doctype|html|head|body|script|svg|iframe|object|embed|meta|style|xsl)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Limits:
    max_pixels: int
    max_side: int


@dataclass(frozen=True)
class Examined:
    """A file found acceptable: what to store of it."""

    type: FileType
    content: bytes
    sha256: str
    width: int | None = None
    height: int | None = None
    thumbnail: bytes | None = None


def refuse(message: Any, reason: str, **details: Any) -> Invalid:
    """The error of a refused file: ``reason`` names the rule for clients."""
    return Invalid(message, field="file", reason=reason, **details)


def not_accepted() -> Invalid:
    return refuse(
        _l(
            "This type of file is not accepted. You can share pictures (JPEG, PNG, GIF, "
            "WebP), PDF documents, office documents (Word, Excel, PowerPoint, "
            "OpenDocument) and CSV tables."
        ),
        "type",
    )


def _markup() -> Invalid:
    return refuse(
        _l("Web pages and SVG drawings are not accepted: they can carry scripts."), "markup"
    )


def damaged() -> Invalid:
    return refuse(_l("This file seems damaged or incomplete, and cannot be shared."), "damaged")


def examine(data: bytes, limits: Limits) -> Examined:
    """Decide what ``data`` is and what of it to keep; raise :class:`Invalid` to refuse it."""
    if not data:
        raise refuse(_l("This file is empty."), "empty")
    key = sniff(data)
    if TYPES[key].image:
        return _image(data, key, limits)
    if key in {"pdf", "csv"} and _MARKUP.search(data[:1024]):
        raise _markup()
    return Examined(TYPES[key], data, hashlib.sha256(data).hexdigest())


def sniff(data: bytes) -> str:
    """The key of the type that ``data`` is, from its content alone."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise damaged()
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return _office_archive(data)
    if data.startswith(_OLE_SIGNATURE):
        return _office_compound(data)
    return _text(data)


# --- images ---------------------------------------------------------------------


def _image(data: bytes, key: str, limits: Limits) -> Examined:
    try:
        with Image.open(io.BytesIO(data), formats=[_PIL_FORMATS[key]]) as image:
            width, height = image.size
            frames = getattr(image, "n_frames", 1)
            if width * height * frames > limits.max_pixels:
                raise _too_many_pixels(limits)
            if frames > 1:
                pictures = [frame.copy() for frame in ImageSequence.Iterator(image)]
                durations = [picture.info.get("duration", 100) for picture in pictures]
                loop = image.info.get("loop", 0)
                pictures = [_fit(picture.convert("RGBA"), limits.max_side) for picture in pictures]
                content = _encode_animation(pictures, key, durations, loop)
                first = pictures[0]
            else:
                if key == "jpeg":  # decode at a reduced scale when it will be scaled down anyway
                    image.draft("RGB", (limits.max_side, limits.max_side))
                image.load()
                icc = image.info.get("icc_profile")
                upright = ImageOps.exif_transpose(image)
                first = _fit(upright, limits.max_side)
                content = _encode(first, key, icc)
            thumbnail = _thumbnail(first)
    except Invalid:
        raise
    except Image.DecompressionBombError:
        raise _too_many_pixels(limits) from None
    except Exception as error:  # Pillow reports broken images in many ways
        logger.info("refused a damaged %s image: %s: %s", key, type(error).__name__, error)
        raise damaged() from None
    return Examined(
        TYPES[key],
        content,
        hashlib.sha256(content).hexdigest(),
        width=first.width,
        height=first.height,
        thumbnail=thumbnail,
    )


def _too_many_pixels(limits: Limits) -> Invalid:
    return refuse(
        _l(
            "This picture is too large: at most %(megapixels)s megapixels are accepted. "
            "Reduce its size and try again.",
            megapixels=f"{limits.max_pixels / 1_000_000:g}",
        ),
        "pixels",
        max_pixels=limits.max_pixels,
    )


def _fit(image: Any, max_side: int) -> Any:
    """The image scaled down (never up) to fit ``max_side``, stripped of its metadata."""
    if max(image.size) > max_side:
        image = image.copy()
        image.thumbnail((max_side, max_side))
    image.info = {key: value for key, value in image.info.items() if key in _PIXEL_INFO}
    return image


def _encode(image: Any, key: str, icc: bytes | None) -> bytes:
    """Encode a still picture again in its own format, with nothing but its pixels."""
    output = io.BytesIO()
    options: dict[str, Any] = {}
    if key == "jpeg":
        if image.mode not in ("RGB", "L"):
            image, icc = image.convert("RGB"), None  # a CMYK profile no longer applies
        options = {"quality": 88}
    elif key == "webp":
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA")
        options = {"quality": 90}
    elif key == "png" and image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I;16"):
        image = image.convert("RGBA")
    if icc:
        options["icc_profile"] = icc
    image.save(output, format=_PIL_FORMATS[key], **options)
    return output.getvalue()


def _encode_animation(pictures: list[Any], key: str, durations: list[int], loop: int) -> bytes:
    output = io.BytesIO()
    options: dict[str, Any] = {"disposal": 2} if key == "gif" else {"quality": 85}
    pictures[0].save(
        output,
        format=_PIL_FORMATS[key],
        save_all=True,
        append_images=pictures[1:],
        duration=durations,
        loop=loop,
        **options,
    )
    return output.getvalue()


def _thumbnail(image: Any) -> bytes:
    picture = image.copy()
    picture.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    has_alpha = picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info
    picture = picture.convert("RGBA" if has_alpha else "RGB")
    picture.info = {}
    output = io.BytesIO()
    picture.save(output, format="WEBP", quality=80)
    return output.getvalue()


# --- office documents -----------------------------------------------------------

_OOXML_PARTS = {
    "word/document.xml": "docx",
    "xl/workbook.xml": "xlsx",
    "ppt/presentation.xml": "pptx",
}
_ODF_TYPES = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
    b"application/vnd.oasis.opendocument.presentation": "odp",
}


def _macros() -> Invalid:
    return refuse(
        _l(
            "Documents with macros are not accepted. Save it without macros (for example "
            "as .docx, .xlsx or .pptx) and try again."
        ),
        "macros",
    )


def _encrypted() -> Invalid:
    return refuse(
        _l("Password-protected documents are not accepted. Remove the password and try again."),
        "encrypted",
    )


def _office_archive(data: bytes) -> str:
    """OOXML or OpenDocument: a ZIP archive with the parts of one, read through to the end."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise damaged() from None
    names = {entry.filename for entry in entries}
    if entries and entries[0].filename == "mimetype" and entries[0].file_size <= 100:
        key = _ODF_TYPES.get(_read_entry(archive, entries[0]).strip())
        macros = any(name.startswith(("Basic/", "Scripts/")) for name in names)
    elif "[Content_Types].xml" in names:
        key = next((kind for part, kind in _OOXML_PARTS.items() if part in names), None)
        macros = any(name.lower().endswith("vbaproject.bin") for name in names)
    else:
        key, macros = None, False
    if key is None:
        raise not_accepted()
    if macros:
        raise _macros()
    if any(entry.flag_bits & 0x1 for entry in entries):
        raise _encrypted()
    if (
        len(entries) > ARCHIVE_MAX_ENTRIES
        or sum(entry.file_size for entry in entries) > ARCHIVE_MAX_UNPACKED
        or any(
            entry.file_size > ARCHIVE_GRACE
            and entry.file_size > ARCHIVE_MAX_RATIO * max(entry.compress_size, 1)
            for entry in entries
        )
    ):
        raise refuse(
            _l("This document unpacks to far more than its size, and is not accepted."),
            "archive",
        )
    # Read every entry: zipfile stops at the size each declares and checks its CRC,
    # so an entry that lies about its size is found damaged here.
    for entry in entries:
        _read_entry(archive, entry)
    return key


def _read_entry(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> bytes:
    """An entry's bytes (the first MiB; the rest is read and checked, not kept)."""
    kept = b""
    try:
        with archive.open(entry) as stream:
            while block := stream.read(1024 * 1024):
                kept = kept or block
    except (zipfile.BadZipFile, NotImplementedError, ValueError, OSError, EOFError, RuntimeError):
        raise damaged() from None
    return kept


def _office_compound(data: bytes) -> str:
    """Word 97-2003, Excel 97-2003 or PowerPoint 97-2003: an OLE compound file."""
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception:  # olefile reports broken files in many ways
        raise damaged() from None
    with ole:
        try:
            if ole.exists("EncryptionInfo") or ole.exists("EncryptedPackage"):
                raise _encrypted()  # an OOXML document with a password
            if ole.exists("WordDocument"):
                if ole.exists("Macros"):
                    raise _macros()
                header = ole.openstream("WordDocument").read(12)
                if len(header) == 12 and struct.unpack_from("<H", header, 0x0A)[0] & 0x0100:
                    raise _encrypted()
                return "doc"
            if ole.exists("Workbook") or ole.exists("Book"):
                if ole.exists("_VBA_PROJECT_CUR"):
                    raise _macros()
                return "xls"
            if ole.exists("PowerPoint Document"):
                return "ppt"
        except Invalid:
            raise
        except Exception:
            raise damaged() from None
    raise not_accepted()


# --- text -----------------------------------------------------------------------


def _text(data: bytes) -> str:
    """CSV: UTF-8 text without NUL characters, and not markup."""
    if b"\x00" in data:
        raise not_accepted()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise refuse(
            _l(
                "This table is not UTF-8 text. Save it as “CSV UTF-8” and try again, or "
                "share the spreadsheet itself."
            ),
            "encoding",
        ) from None
    if text.lstrip().startswith("<"):
        raise _markup()
    return "csv"


# --- names ----------------------------------------------------------------------

_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {
    f"{device}{number}" for device in ("COM", "LPT") for number in range(1, 10)
}
NAME_MAX_LENGTH = 200


def display_name(raw: str | None, file_type: FileType) -> str:
    """A name to show and to save the file under, from whatever the client sent.

    Folders, control and direction-changing characters and characters that
    systems refuse in names go; the ending always matches the content, so that
    a table sent as ``run.bat`` is saved as ``run.bat.csv``.
    """
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        "_" if char in '<>:"|?*' else char
        for char in name
        if not unicodedata.category(char).startswith(("C", "Z")) or char == " "
    )
    name = " ".join(name.split()).strip(" .")
    stem, dot, ending = name.rpartition(".")
    if not dot:
        stem, ending = name, ""
    if not stem:
        stem = "image" if file_type.image else "document"
    if f".{ending.lower()}" in file_type.extensions:
        suffix = f".{ending.lower()}"
    else:
        suffix = file_type.extensions[0]
        stem = f"{stem}.{ending}" if ending else stem
    if stem.split(".")[0].upper() in _WINDOWS_RESERVED:
        stem = f"_{stem}"
    return stem[: NAME_MAX_LENGTH - len(suffix)].rstrip(" .") + suffix


def content_disposition(disposition: str, name: str) -> str:
    """``inline`` or ``attachment`` with the name, for every browser (RFC 6266, RFC 8187)."""
    fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    fallback = re.sub(r"[^A-Za-z0-9._ ()-]", "_", fallback).strip() or "file"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
