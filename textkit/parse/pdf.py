"""PDF reader (interim: pypdf's text per page, cleaned as text, with the PDF's own page numbers)."""

from __future__ import annotations

from textkit.errors import TextkitError
from textkit.limits import pdf_page_texts
from textkit.parse.model import Document
from textkit.parse.text import PAGE_MARK
from textkit.parse.txt import document_from_text

__all__ = ["read_pdf"]


def read_pdf(data: bytes, name: str) -> Document:
    import io
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception:
                raise TextkitError(f"{name}: the PDF is password-protected") from None
        pages = pdf_page_texts(reader, len(data), name)  # page, inflation and text caps
    except TextkitError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise TextkitError(f"{name}: the PDF cannot be read ({exc})") from None
    if not pages:
        raise TextkitError(f"{name}: the PDF has no pages")
    if not any(p.strip() for p in pages):
        raise TextkitError(
            f"{name}: the PDF has no text layer (it is probably scanned images); "
            "run OCR on it or export the text from the original document"
        )
    parts = []
    for number, page in enumerate(pages, start=1):
        parts.append(f"{PAGE_MARK}@{number}")
        parts.append(page)
    return document_from_text("\n".join(parts), name, "pdf")
