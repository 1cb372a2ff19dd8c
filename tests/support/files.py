"""Files for the upload tests, made here: pictures, documents, and hostile ones."""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Mapping

from PIL import ExifTags
from PIL import Image

#: Where the pictures below were "taken": the GPS position a re-encoded image must lose.
ROME = ((41.0, 53.0, 24.0), (12.0, 29.0, 32.0))
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
    b'22-rdf-syntax-ns#"><rdf:Description photoshop:City="Roma"/></rdf:RDF></x:xmpmeta>'
)


def image(
    fmt: str = "PNG", size: tuple[int, int] = (64, 48), color: str = "teal", **options: object
) -> bytes:
    output = io.BytesIO()
    mode = "RGBA" if fmt in {"PNG", "WEBP"} else "RGB"
    Image.new(mode, size, color).save(output, fmt, **options)
    return output.getvalue()


def jpeg_with_gps(size: tuple[int, int] = (800, 600), orientation: int | None = None) -> bytes:
    """A photo with its camera, GPS position, XMP and a comment, as phones write them."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Phone 12"
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = ROME[0]
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = ROME[1]
    picture = Image.new("RGB", size, "white")
    picture.paste(Image.new("RGB", (size[0] // 2, size[1]), "navy"), (0, 0))  # left half dark
    output = io.BytesIO()
    picture.save(output, "JPEG", exif=exif, xmp=XMP, comment=b"taken at the town hall")
    return output.getvalue()


def animated_gif(frames: int = 3, size: tuple[int, int] = (40, 30)) -> bytes:
    pictures = [Image.new("RGB", size, (index * 25 % 256, 90, 40)) for index in range(frames)]
    output = io.BytesIO()
    pictures[0].save(output, "GIF", save_all=True, append_images=pictures[1:], duration=80, loop=0)
    return output.getvalue()


def huge_png_header(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG that claims enormous dimensions (a decompression bomb's header)."""
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def pdf(text: str = "Tender documents") -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
        + f"% {text}\n".encode()
        + b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )


def _zip(entries: Mapping[str, bytes], *, first_stored: str | None = None) -> bytes:
    """The same entries make the same bytes: each entry's time is fixed, where a bare name
    would take the clock's, and two samples made across a second's boundary would differ."""
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            entry = zipfile.ZipInfo(name, date_time=(2026, 12, 1, 9, 0, 0))
            kind = zipfile.ZIP_STORED if name == first_stored else zipfile.ZIP_DEFLATED
            archive.writestr(entry, data, compress_type=kind)
    return output.getvalue()


CONTENT_TYPES = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


def ooxml(kind: str = "docx", extra: Mapping[str, bytes] | None = None) -> bytes:
    """A Word, Excel or PowerPoint document, as far as its parts go."""
    part = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml"}
    return _zip(
        {
            "[Content_Types].xml": CONTENT_TYPES,
            "_rels/.rels": b"<Relationships/>",
            part[kind]: b"<document>" + b"Solar roofs on twelve schools. " * 40 + b"</document>",
            **(extra or {}),
        }
    )


def odf(kind: str = "text", extra: Mapping[str, bytes] | None = None) -> bytes:
    return _zip(
        {
            "mimetype": f"application/vnd.oasis.opendocument.{kind}".encode(),
            "content.xml": b"<office:document-content/>",
            "META-INF/manifest.xml": b"<manifest/>",
            **(extra or {}),
        },
        first_stored="mimetype",
    )


def zip_bomb_docx(megabytes: int = 5) -> bytes:
    """A Word document whose text is megabytes of zeros: it unpacks a thousand times over."""
    return ooxml(extra={"word/media/padding.xml": b"0" * (megabytes * 1024 * 1024)})


def lying_zip() -> bytes:
    """A Word document whose text says it unpacks to 100 bytes, and unpacks to far more."""
    data = bytearray(ooxml(extra={"word/settings.xml": b"x" * 200_000}))
    name = b"word/settings.xml"
    for signature, size_offset, name_offset in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            if data[start + name_offset : start + name_offset + len(name)] == name:
                struct.pack_into("<I", data, start + size_offset, 100)
            start += 4
    return bytes(data)


# --- OLE compound files (Word, Excel and PowerPoint 97-2003) ---------------------

_FREE, _END, _FAT, _NONE = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def compound(streams: Mapping[str, bytes], storages: tuple[str, ...] = ()) -> bytes:
    """A minimal OLE compound file holding ``streams`` (each at least 4 KiB) and empty storages."""
    sector = 512
    entries: list[tuple[str, int, bytes]] = [
        (name, 2, data.ljust(4096, b"\0")) for name, data in streams.items()
    ]
    entries += [(name, 1, b"") for name in storages]
    data_sectors: list[bytes] = []
    starts = []
    for _, _, data in entries:
        starts.append(2 + len(data_sectors))
        padded = data + b"\0" * (-len(data) % sector)
        data_sectors += [padded[i : i + sector] for i in range(0, len(padded), sector)]
    fat = [_FAT, _END]
    position = 2
    for _, kind, data in entries:
        count = -(-len(data) // sector) if kind == 2 else 0
        fat += [position + i + 1 for i in range(count - 1)] + ([_END] if count else [])
        position += count
    fat += [_FREE] * (sector // 4 - len(fat))

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBBIII", len(encoded), kind, 1, _NONE, right, child)
            + b"\0" * 16
            + struct.pack("<IQQIII", 0, 0, 0, start, size, 0)
        )

    directory = entry("Root Entry", 5, 1 if entries else _NONE, _NONE, _END, 0)
    for index, (name, kind, data) in enumerate(entries, start=1):
        right = index + 1 if index < len(entries) else _NONE
        size = len(data) if kind == 2 else 0
        directory += entry(name, kind, _NONE, right, starts[index - 1] if kind == 2 else 0, size)
    directory = directory.ljust(sector, b"\0")
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, _END, 0, _END, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", _FREE) * 108
    )
    return header + struct.pack(f"<{len(fat)}I", *fat) + directory + b"".join(data_sectors)


def word97(*, encrypted: bool = False, macros: bool = False) -> bytes:
    fib = bytearray(b"\xec\xa5" + b"\0" * 4094)  # wIdent of a Word document
    if encrypted:
        struct.pack_into("<H", fib, 0x0A, 0x0100)  # fEncrypted
    return compound({"WordDocument": bytes(fib)}, storages=("Macros",) if macros else ())


def excel97(*, macros: bool = False) -> bytes:
    return compound(
        {"Workbook": b"\x09\x08" + b"\0" * 4094}, storages=("_VBA_PROJECT_CUR",) if macros else ()
    )


def powerpoint97() -> bytes:
    return compound({"PowerPoint Document": b"\0" * 4096})


def password_protected_docx() -> bytes:
    return compound(
        {"EncryptionInfo": b"\x04\x00" + b"\0" * 4094, "EncryptedPackage": b"\0" * 4096}
    )


def installer() -> bytes:
    """A Windows Installer package: an OLE file, but no office document."""
    return compound({"\u4840\u3b3f": b"\0" * 4096})


SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.cookie)</script><rect width='10' height='10'/></svg>"
)
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
