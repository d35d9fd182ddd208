"""DOCX reader (interim: paragraphs and table cells as lines, cleaned as text)."""

from __future__ import annotations

from textkit.errors import TextkitError
from textkit.limits import check_zip
from textkit.parse.model import Document
from textkit.parse.text import PAGE_MARK
from textkit.parse.txt import document_from_text

__all__ = ["read_docx"]


def read_docx(data: bytes, name: str) -> Document:
    import io
    import zipfile

    try:
        import docx
    except ImportError:  # pragma: no cover - declared dependency
        raise TextkitError("reading .docx files needs python-docx: pip install python-docx") from None
    check_zip(data, name)  # a decompression bomb is refused before python-docx inflates it
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise TextkitError(f"{name}: not a readable Word (.docx) file ({exc})") from None
    except Exception as exc:  # python-docx raises its own types for broken packages
        raise TextkitError(f"{name}: not a readable Word (.docx) file ({type(exc).__name__})") from None
    from docx.table import Table

    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                for cell in row.cells:
                    lines.extend([cell.text, ""])
            continue
        xml = block._p.xml
        if 'w:type="page"' in xml or "lastRenderedPageBreak" in xml:
            lines.append(PAGE_MARK)
        lines.extend([block.text, ""])
    text = "\n".join(lines)
    if not text.strip():
        raise TextkitError(f"{name}: the Word document contains no text")
    return document_from_text(text, name, "docx")
