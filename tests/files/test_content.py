"""What an upload is, judged by its bytes: accepted types, hostile files, names."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from exchange.errors import Invalid
from exchange.files import content
from exchange.files.content import content_disposition
from exchange.files.content import display_name
from exchange.files.content import examine
from exchange.files.content import Limits

from ..support import files

LIMITS = Limits(max_pixels=50_000_000, max_side=4096)

ACCEPTED = {
    "jpeg": files.jpeg_with_gps,
    "png": files.image,
    "gif": files.animated_gif,
    "webp": lambda: files.image("WEBP"),
    "pdf": files.pdf,
    "docx": files.ooxml,
    "xlsx": lambda: files.ooxml("xlsx"),
    "pptx": lambda: files.ooxml("pptx"),
    "odt": files.odf,
    "ods": lambda: files.odf("spreadsheet"),
    "odp": lambda: files.odf("presentation"),
    "doc": files.word97,
    "xls": files.excel97,
    "ppt": files.powerpoint97,
    "csv": lambda: "Comune;kWh\nFerla;12 000\nGödöllő;8 500\n".encode(),
}


@pytest.mark.parametrize("key", list(ACCEPTED))
def test_each_accepted_type_is_recognised_by_its_content(key):
    examined = examine(ACCEPTED[key](), LIMITS)
    assert examined.type.key == key
    assert examined.type.content_type == content.TYPES[key].content_type
    assert (examined.thumbnail is not None) == examined.type.image


REFUSED = {
    "an SVG drawing with a script": (files.SVG, "markup"),
    "an HTML page": (files.HTML, "markup"),
    "a PDF that is a web page too": (b"%PDF-1.4\n<html><script>x</script>\n%%EOF", "markup"),
    "a PDF cut short": (files.pdf()[:40], "damaged"),
    "a JPEG cut short": (files.jpeg_with_gps()[:3000], "damaged"),
    "a PNG cut short": (files.image(size=(400, 400))[:60], "damaged"),
    "a picture of 100,000 x 100,000 pixels": (files.huge_png_header(), "pixels"),
    "a zip bomb in a Word document": (files.zip_bomb_docx(), "archive"),
    "a Word document lying about its sizes": (files.lying_zip(), "damaged"),
    "a Word document with macros": (files.ooxml(extra={"word/vbaProject.bin": b"VBA"}), "macros"),
    "an OpenDocument with macros": (
        files.odf(extra={"Basic/Standard/Module1.xml": b"x"}),
        "macros",
    ),
    "a Word 97 document with macros": (files.word97(macros=True), "macros"),
    "an Excel 97 workbook with macros": (files.excel97(macros=True), "macros"),
    "a Word 97 document with a password": (files.word97(encrypted=True), "encrypted"),
    "a Word document with a password": (files.password_protected_docx(), "encrypted"),
    "a Windows installer": (files.installer(), "type"),
    "a ZIP archive": (files._zip({"notes.txt": b"hello"}), "type"),
    "a Windows program": (b"MZ\x90\x00" + b"\0" * 200, "type"),
    "text in Latin-1": ("Comune;Città\n".encode("latin-1"), "encoding"),
    "an empty file": (b"", "empty"),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_hostile_and_unaccepted_files_are_refused_with_the_reason(name):
    data, reason = REFUSED[name]
    with pytest.raises(Invalid) as refused:
        examine(data, LIMITS)
    assert refused.value.details["reason"] == reason
    assert refused.value.details["field"] == "file"
    assert str(refused.value.message)  # a sentence for the person, not a code


def test_an_svg_in_disguise_is_never_accepted_as_a_picture():
    for disguise in (files.SVG, b"\x89PNG\r\n\x1a\n" + files.SVG, b"GIF89a" + files.SVG):
        with pytest.raises(Invalid):
            examine(disguise, LIMITS)


def test_a_photo_loses_its_gps_position_camera_xmp_and_comment():
    original = files.jpeg_with_gps()
    assert b"Exif" in original and b"http://ns.adobe.com/xap/1.0/" in original

    examined = examine(original, LIMITS)

    stored = Image.open(io.BytesIO(examined.content))
    assert stored.format == "JPEG" and stored.size == (800, 600)
    assert dict(stored.getexif()) == {}
    assert stored.getexif().get_ifd(0x8825) == {}
    for trace in (b"Exif", b"PhoneMaker", b"xap/1.0", b"Roma", b"town hall"):
        assert trace not in examined.content
    assert b"Exif" not in examined.thumbnail


def test_a_photo_is_turned_upright_by_its_exif_orientation():
    # Orientation 6: the camera was turned; the stored picture is upright, 600 x 800.
    examined = examine(files.jpeg_with_gps(orientation=6), LIMITS)
    stored = Image.open(io.BytesIO(examined.content)).convert("RGB")
    assert (examined.width, examined.height) == stored.size == (600, 800)
    top, bottom = stored.getpixel((300, 50)), stored.getpixel((300, 750))
    assert sum(top) < 200 and sum(bottom) > 600  # the dark left half is now on top


def test_a_large_picture_is_scaled_down_and_its_thumbnail_is_small():
    examined = examine(
        files.image("JPEG", size=(6000, 3000), color="olive"), Limits(50_000_000, 2000)
    )
    assert (examined.width, examined.height) == (2000, 1000)
    thumbnail = Image.open(io.BytesIO(examined.thumbnail))
    assert thumbnail.format == "WEBP" and max(thumbnail.size) == content.THUMBNAIL_SIDE


def test_the_pixel_limit_counts_every_frame_of_an_animation():
    animation = files.animated_gif(frames=10, size=(100, 100))  # 100,000 pixels in all
    assert examine(animation, Limits(100_000, 4096)).type.key == "gif"
    with pytest.raises(Invalid) as refused:
        examine(animation, Limits(99_999, 4096))
    assert refused.value.details == {"field": "file", "reason": "pixels", "max_pixels": 99_999}


def test_an_animation_stays_animated_without_its_extras():
    examined = examine(files.animated_gif(frames=4), LIMITS)
    stored = Image.open(io.BytesIO(examined.content))
    assert stored.n_frames == 4


def test_a_zip_appended_to_a_picture_does_not_survive_it():
    polyglot = files.jpeg_with_gps() + files.ooxml()
    examined = examine(polyglot, LIMITS)
    assert examined.type.key == "jpeg"
    assert b"[Content_Types].xml" not in examined.content and b"PK\x03\x04" not in examined.content


def test_documents_are_kept_byte_for_byte():
    document = files.ooxml()
    examined = examine(document, LIMITS)
    assert examined.content == document
    assert examined.sha256 == __import__("hashlib").sha256(document).hexdigest()


@pytest.mark.parametrize(
    ("raw", "key", "expected"),
    [
        ("Relazione finale.PDF", "pdf", "Relazione finale.pdf"),
        ("C:\\Users\\elena\\Desktop\\bando.pdf", "pdf", "bando.pdf"),
        ("../../etc/passwd", "csv", "passwd.csv"),
        ("run.bat", "csv", "run.bat.csv"),
        ("photo.jpg", "pdf", "photo.jpg.pdf"),
        ("evil\u202egpj.exe", "jpeg", "evilgpj.exe.jpg"),
        ("  spaced \t out .  ", "png", "spaced out.png"),
        ('a<b>:"c"|?*.docx', "docx", "a_b___c____.docx"),
        ("CON.txt", "csv", "_CON.txt"),
        ("", "jpeg", "image.jpg"),
        (None, "pdf", "document.pdf"),
        (".hidden", "pdf", "hidden.pdf"),
        ("Città di Gödöllő – bilancio.xlsx", "xlsx", "Città di Gödöllő – bilancio.xlsx"),
        ("x" * 300 + ".pdf", "pdf", "x" * 196 + ".pdf"),
    ],
)
def test_names_are_cleaned_for_display_and_end_as_what_the_file_is(raw, key, expected):
    assert display_name(raw, content.TYPES[key]) == expected


def test_every_string_of_the_naughty_list_makes_a_safe_name(naughty_strings):
    for raw in naughty_strings:
        name = display_name(raw, content.TYPES["pdf"])
        assert name.endswith(".pdf") and 4 < len(name) <= content.NAME_MAX_LENGTH
        assert not any(char in name for char in '/\\<>:"|?*\0\n\r')
        header = content_disposition("attachment", name)
        assert header.isascii() and "\n" not in header and "\r" not in header


def test_the_disposition_header_carries_an_ascii_name_and_the_real_one():
    header = content_disposition("attachment", 'Città "nuova" ü.pdf')
    assert header == (
        'attachment; filename="Citta _nuova_ u.pdf"; '
        "filename*=UTF-8''Citt%C3%A0%20%22nuova%22%20%C3%BC.pdf"
    )
