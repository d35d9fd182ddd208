"""Bounded input: decompression bombs (DOCX, PDF) are refused from the archive's directory or
page by page, with a message naming the limit, for `textkit parse` and the app's upload check
and preview. The bombs are SYNTHETIC files generated here: small, with a high ratio."""

from __future__ import annotations

import io
import time
import zipfile
import zlib

import pytest

from textkit import limits, ui
from textkit.cli import main
from textkit.errors import TextkitError
from textkit.parse import parse_file

from conftest import first_themes_2024


def _docx(document_xml: bytes) -> bytes:
    """A SYNTHETIC minimal DOCX package around `document_xml`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                   'wordprocessingml.document.main+xml"/></Types>')
        z.writestr("_rels/.rels",
                   '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                   'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
                   '2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
        z.writestr("word/document.xml", document_xml)
    return buffer.getvalue()


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _bomb_docx(inflated_mb: int = 30) -> bytes:
    # One paragraph repeated: a few tens of kilobytes that inflate to `inflated_mb` megabytes.
    paragraph = b"<w:p><w:r><w:t>Kunta kunta kunta.</w:t></w:r></w:p>"
    body = paragraph * (inflated_mb * 1024 * 1024 // len(paragraph))
    return _docx(b'<?xml version="1.0"?><w:document ' + W.encode() + b"><w:body>" + body + b"</w:body></w:document>")


def _pdf(content: bytes, pages: int = 1) -> bytes:
    """A SYNTHETIC PDF whose every page has `content` as its FlateDecode content stream."""
    stream = zlib.compress(content, 9)
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % (4 + i) for i in range(pages)) + b"] /Count %d >>" % pages,
               b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream"]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R "
                b"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>"] * pages
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def test_docx_bomb_is_refused_from_its_directory_by_parse_and_the_app(tmp_path, capsys):
    data = _bomb_docx()
    assert len(data) < 200_000  # small file …
    path = tmp_path / "pommi-2025.docx"
    path.write_bytes(data)
    started = time.perf_counter()
    assert main(["parse", str(path)]) == 2
    err = capsys.readouterr().err
    assert "pommi-2025.docx: osa word/document.xml purkautuu" in err and "raja 100-kertainen" in err
    assert "Traceback" not in err
    with pytest.raises(TextkitError, match="raja 100-kertainen"):
        ui.check_upload("pommi.docx", data)  # the app's upload check, before the preview parses it
    with pytest.raises(TextkitError, match="raja 100-kertainen"):
        parse_file(path, year=2025)          # what the app's preview calls
    # … refused from the zip directory, without inflating: far below the time of inflating it.
    assert time.perf_counter() - started < 5
    assert path.read_bytes() == data


def test_docx_whose_parts_inflate_beyond_the_size_limits(monkeypatch):
    data = _docx(b"x" * 3_000_000)  # 3 MB of one letter: a high ratio
    monkeypatch.setattr(limits, "MAX_COMPRESSION_RATIO", 10**6)
    monkeypatch.setattr(limits, "MAX_XML_PART_BYTES", 2_000_000)
    with pytest.raises(TextkitError, match=r"word/document.xml olisi purettuna 3 Mt \(raja 2 Mt yhtä XML-osaa kohden\)"):
        limits.check_zip(data, "iso.docx")
    monkeypatch.setattr(limits, "MAX_INFLATED_BYTES", 1_000_000)
    with pytest.raises(TextkitError, match=r"iso.docx: purettuna tiedosto olisi yli 1 Mt"):
        limits.check_zip(data, "iso.docx")


def test_a_real_docx_edition_passes_the_limits(tmp_path):
    """SYNTHETIC DOCX of the 2024 edition's first two themes, one paragraph per line."""
    from xml.sax.saxutils import escape

    lines = first_themes_2024(2).split("\n")
    body = "".join(f"<w:p><w:r><w:t xml:space=\"preserve\">{escape(line)}</w:t></w:r></w:p>" for line in lines)
    data = _docx(f'<?xml version="1.0"?><w:document {W}><w:body>{body}</w:body></w:document>'.encode())
    limits.check_zip(data, "k.docx")
    assert ui.check_upload("k.docx", data) == "docx"
    path = tmp_path / "katsaus-2025.docx"
    path.write_bytes(data)
    assert len(parse_file(path).themes) == 2


def test_pdf_bomb_is_refused_page_by_page(tmp_path, capsys):
    data = _pdf(b"0 0 m\n" * 5_000_000)  # 30 MB of drawing operators in one page's stream
    assert len(data) < 200_000
    path = tmp_path / "pommi-2025.pdf"
    path.write_bytes(data)
    started = time.perf_counter()
    assert main(["parse", str(path)]) == 2
    err = capsys.readouterr().err
    assert "pommi-2025.pdf: sivujen sisältö purkautuu" in err and "raja 100 × tiedoston koko" in err
    assert "Traceback" not in err
    assert time.perf_counter() - started < 10


def test_pdf_stream_beyond_pypdfs_own_limit_is_a_bomb_message(tmp_path):
    path = tmp_path / "iso-2025.pdf"
    path.write_bytes(_pdf(b"0 0 m\n" * 14_000_000))  # one stream of 84 MB
    with pytest.raises(TextkitError, match=r"sivun 1 sisältö purkautuu yli pypdf:n virtakohtaisen rajan"):
        parse_file(path)


def test_pdf_page_and_text_caps(tmp_path, monkeypatch):
    text_page = b"BT /F1 12 Tf 72 720 Td (Kunta) Tj ET"
    monkeypatch.setattr(limits, "MAX_PDF_PAGES", 3)
    path = tmp_path / "pitka-2025.pdf"
    path.write_bytes(_pdf(text_page, pages=4))
    with pytest.raises(TextkitError, match=r"PDF:ssä on 4 sivua \(raja 3\)"):
        parse_file(path)
    monkeypatch.setattr(limits, "MAX_PDF_PAGES", 2000)
    monkeypatch.setattr(limits, "MAX_TEXT_CHARS", 12)
    with pytest.raises(TextkitError, match=r"PDF:ssä on yli 12 merkkiä tekstiä \(raja\)"):
        parse_file(path)


# ---------------------------------------------------------------- the app reads what the CLI reads


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"])
def test_upload_check_and_parse_read_the_same_encodings(tmp_path, encoding):
    text = first_themes_2024(1)
    data = text.encode(encoding)
    assert ui.check_upload("katsaus.txt", data) == "txt"
    path = tmp_path / "katsaus-2025.txt"
    path.write_bytes(data)
    edition = parse_file(path)
    assert len(edition.themes) == 1 and "ä" in edition.themes[0].name + edition.passages()[0].text


@pytest.mark.parametrize(
    "data, message",
    [
        (bytes(range(256)) * 40, "binääritiedosto"),
        (b"Raportti \x81\x8d\x90 teksti", "ei ole UTF-8- eikä Windows-1252"),
        ("Отчёт о работе".encode("cp1251") * 10, "näytä suomelta"),
    ],
)
def test_upload_check_refuses_what_parse_refuses_with_the_same_message(tmp_path, data, message):
    with pytest.raises(TextkitError, match=message) as from_upload:
        ui.check_upload("katsaus.txt", data)
    path = tmp_path / "katsaus.txt"
    path.write_bytes(data)
    with pytest.raises(TextkitError, match=message) as from_parse:
        parse_file(path, year=2025)
    assert str(from_upload.value) == str(from_parse.value)
