"""Letters: approved letter templates rendered to PDF with WeasyPrint, one letter or a batch.

Chinese text is set in Noto Serif/Sans CJK SC (Debian ``fonts-noto-cjk``); WeasyPrint embeds
only the glyphs used (``libharfbuzz-subset0``), with a ToUnicode map, so the PDF keeps a text
layer. A batch is one HTML document with one ``<section>`` per letter, each starting on a new
page, so a whole print run is one PDF. WeasyPrint is imported lazily: the rest of Heed does not
need it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string


@dataclass(frozen=True)
class Letter:
    """One letter as printed: sender, recipient block, date, subject and body (plain text)."""

    sender: str
    recipient: str
    address: str
    date: datetime.date
    subject: str
    body: str
    reference: str = ""
    language: str = "zh"


def letters_html(letters: list[Letter]) -> str:
    """The HTML of a print run (escaped by the template engine: bodies are plain text). The
    address is printed on the lines it was written on."""
    return render_to_string(
        "screening/letter.html",
        {
            "letters": [
                {
                    "letter": letter,
                    "address_lines": _lines(letter.address),
                    "paragraphs": _lines(letter.body),
                }
                for letter in letters
            ]
        },
    )


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def letters_document(letters: list[Letter]) -> Any:
    """The laid-out WeasyPrint document (``.pages``, ``.write_pdf()``)."""
    from weasyprint import HTML

    return HTML(string=letters_html(letters), base_url=str(settings.BASE_DIR)).render()


def letters_pdf(letters: list[Letter], *, uncompressed: bool = False) -> tuple[bytes, int]:
    """The PDF bytes of ``letters`` (each on its own pages) and its page count."""
    if not letters:
        raise ValueError("no letters to render")
    document = letters_document(letters)
    pdf: bytes = document.write_pdf(uncompressed_pdf=uncompressed)
    return pdf, len(document.pages)


def letters_dir() -> Path:
    """Where rendered letters are kept (not under MEDIA: they are served only through views
    that check scope)."""
    path = Path(settings.VAR_DIR) / "letters"
    path.mkdir(parents=True, exist_ok=True)
    return path


def letter_path(name: str) -> Path:
    """The stored file ``name`` (a bare file name, never a path)."""
    if not name or Path(name).name != name or not name.endswith(".pdf"):
        raise ValueError("bad letter file name")
    return letters_dir() / name
