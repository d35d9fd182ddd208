"""Bounded input: what an edition file may expand to before a reader spends time and memory on it.

A DOCX is a zip archive, and a PDF's pages are compressed streams: a small file can inflate
to gigabytes (a "decompression bomb"). The readers call these checks first; each refuses with
a message that names the limit. The zip check reads only the archive's directory, and Python's
zipfile never inflates a member beyond the size its directory declares (it stops there with a
CRC error), so the declared sizes bound what python-docx reads. PDF pages are read one at a
time, with caps on pages, on the bytes their content streams inflate to and on the text.

The limits are far above any real edition: the 2024 report is about 1 MB of text on ~60 pages.
"""

from __future__ import annotations

import io
from typing import Any

from textkit.errors import TextkitError

MAX_INFLATED_BYTES = 200 * 1024 * 1024   # everything in a zip, or every page's content in a PDF
MAX_XML_PART_BYTES = 50 * 1024 * 1024    # one XML part of a DOCX (parsed whole into memory)
MAX_COMPRESSION_RATIO = 100              # inflated / compressed, per zip member and for a PDF's pages
_RATIO_FLOOR_BYTES = 1024 * 1024         # below this a high ratio cannot hurt (a small, repetitive part)
MAX_PDF_PAGES = 2000
MAX_TEXT_CHARS = 20_000_000              # text extracted from one file


def check_zip(data: bytes, name: str) -> None:
    """Refuse a zip-based file (DOCX) whose directory declares more than the limits, reading
    only the directory (bounded time and memory whatever the members inflate to)."""
    import zipfile

    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise TextkitError(f"{name}: tiedosto ei ole luettava Word (.docx) -tiedosto ({exc}).") from None
    total = 0
    for member in members:
        total += member.file_size
        if total > MAX_INFLATED_BYTES:
            raise TextkitError(
                f"{name}: purettuna tiedosto olisi yli {_mb(MAX_INFLATED_BYTES)} (raja {_mb(MAX_INFLATED_BYTES)}); "
                "näin suuri ei voi olla katsaus. Tarkista tiedosto."
            )
        if member.filename.endswith((".xml", ".rels")) and member.file_size > MAX_XML_PART_BYTES:
            raise TextkitError(
                f"{name}: osa {member.filename} olisi purettuna {_mb(member.file_size)} "
                f"(raja {_mb(MAX_XML_PART_BYTES)} yhtä XML-osaa kohden). Tarkista tiedosto."
            )
        if member.file_size > _RATIO_FLOOR_BYTES:
            ratio = member.file_size / max(1, member.compress_size)
            if ratio > MAX_COMPRESSION_RATIO:
                raise TextkitError(
                    f"{name}: osa {member.filename} purkautuu {ratio:.0f}-kertaiseksi "
                    f"(raja {MAX_COMPRESSION_RATIO}-kertainen); tiedosto näyttää purkupommilta, "
                    "eikä sitä lueta."
                )


def pdf_page_texts(reader: Any, data_bytes: int, name: str, *, with_text: bool = True) -> list[str]:
    """The text of each page of a pypdf reader, within the page, inflation and text limits.

    With ``with_text=False`` only the page and inflation limits are checked (every text is
    ""): the layout reader (textkit/parse/pdf.py) checks a file so before pdfplumber reads it,
    and caps its text with `check_text_chars`."""
    from pypdf.errors import LimitReachedError, PyPdfError

    count = len(reader.pages)
    if count > MAX_PDF_PAGES:
        raise TextkitError(f"{name}: PDF:ssä on {count} sivua (raja {MAX_PDF_PAGES}); näin pitkä ei voi olla katsaus.")
    budget = max(_RATIO_FLOOR_BYTES, min(MAX_INFLATED_BYTES, MAX_COMPRESSION_RATIO * data_bytes))
    inflated = chars = 0
    texts = []
    for number, page in enumerate(reader.pages, start=1):
        try:
            contents = page.get_contents()
            inflated += len(contents.get_data()) if contents is not None else 0
            if inflated > budget:
                raise TextkitError(
                    f"{name}: sivujen sisältö purkautuu yli {_mb(budget)}:ksi jo sivuun {number} mennessä "
                    f"(raja {MAX_COMPRESSION_RATIO} × tiedoston koko, enintään {_mb(MAX_INFLATED_BYTES)}); "
                    "tiedosto näyttää purkupommilta, eikä sitä lueta."
                )
            text = (page.extract_text() or "") if with_text else ""
        except LimitReachedError:  # pypdf's own cap on one stream (75 MB inflated)
            raise TextkitError(
                f"{name}: sivun {number} sisältö purkautuu yli pypdf:n virtakohtaisen rajan "
                f"({_mb(_pypdf_stream_limit())}); tiedosto näyttää purkupommilta, eikä sitä lueta."
            ) from None
        except PyPdfError as exc:  # broken streams
            raise TextkitError(f"{name}: PDF:n sivua {number} ei voi lukea ({exc}).") from None
        chars += len(text)
        check_text_chars(chars, name)
        texts.append(text)
    return texts


def check_text_chars(chars: int, name: str) -> None:
    """Refuse a PDF once the text read from it passes MAX_TEXT_CHARS."""
    if chars > MAX_TEXT_CHARS:
        raise TextkitError(
            f"{name}: PDF:ssä on yli {MAX_TEXT_CHARS:,} merkkiä tekstiä (raja); näin pitkä ei voi olla katsaus."
            .replace(",", " ")
        )


def _pypdf_stream_limit() -> int:
    try:
        from pypdf.filters import ZLIB_MAX_OUTPUT_LENGTH
    except ImportError:  # pragma: no cover - older or newer pypdf
        return 75_000_000
    return ZLIB_MAX_OUTPUT_LENGTH


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} Mt"
