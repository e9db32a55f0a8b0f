"""PDF documents rendered by WeasyPrint (certificates, invoices): the vendored Khmer font, a fetcher
that reads nothing from the network, an exact text layer for Khmer (/ActualText) and the Khmer
digits and dates printed on the Khmer side of a bilingual document."""
from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from urllib.parse import unquote, urlsplit

from babel.dates import format_date

CORE_ROOT = Path(__file__).resolve().parent
FONT_FOLDER = CORE_ROOT / "static" / "vendor" / "fonts"
FONT_REGULAR = FONT_FOLDER / "noto-sans-khmer-khmer-400-normal.woff2"
FONT_BOLD = FONT_FOLDER / "noto-sans-khmer-khmer-700-normal.woff2"

_TO_KHMER_DIGITS = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")
KHMER_TEXT = re.compile("[\u1780-\u17ff\u19e0-\u19ff]")


def khmer_digits(text: object) -> str:
    """Western digits written as Khmer digits ("2026" → "២០២៦"); everything else unchanged."""
    return str(text).translate(_TO_KHMER_DIGITS)


def khmer_date(day: date) -> str:
    """A date as written on a Khmer document: Babel's Khmer month name, Khmer digits ("២ មីនា ២០២៦")."""
    return khmer_digits(format_date(day, "d MMMM y", locale="km"))


def english_date(day: date) -> str:
    return format_date(day, "d MMMM y", locale="en")


def font_urls() -> dict[str, str]:
    """The @font-face file URLs of the Khmer font, for a PDF template (font_regular, font_bold)."""
    return {"font_regular": FONT_REGULAR.as_uri(), "font_bold": FONT_BOLD.as_uri()}


def render_pdf(html: str, roots: Iterable[Path] = (CORE_ROOT,)) -> bytes:
    """`html` as PDF, reading only data: URLs and files under `roots` (the fonts are in core)."""
    from weasyprint import HTML
    install_actual_text()
    return HTML(string=html, base_url=FONT_FOLDER.as_uri() + "/", url_fetcher=package_fetcher(roots)).write_pdf()


def package_fetcher(roots: Iterable[Path] = (CORE_ROOT,)):
    """WeasyPrint's fetcher limited to data: URLs and files inside the application's packages (the
    fonts): a document never fetches anything from the network or elsewhere on the disk."""
    from weasyprint import URLFetcher
    from weasyprint.urls import URLFetcherResponse

    allowed = tuple(Path(root).resolve() for root in roots)

    class PackageFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme == "file":
                path = Path(unquote(parts.path)).resolve()
                if not any(path.is_relative_to(root) for root in allowed):
                    raise ValueError(f"Not a file of the application: {url}")
                if path.suffix == ".woff2" and path.is_file():
                    return URLFetcherResponse(url, body=decompressed_font(str(path)),
                                              headers={"Content-Type": "font/ttf"})
            elif parts.scheme != "data":
                raise ValueError(f"PDF documents fetch nothing from {parts.scheme or 'relative'} URLs")
            return super().fetch(url, headers)

    return PackageFetcher(allowed_protocols=("file", "data"), allow_redirects=False)


@lru_cache(maxsize=8)
def decompressed_font(path: str) -> bytes:
    """A WOFF2 font as plain TrueType, once per process. WeasyPrint would otherwise decompress it
    (in pure Python, about a second per font) for every PDF; given TrueType it uses it as it is."""
    from fontTools.ttLib import woff2
    out = BytesIO()
    with open(path, "rb") as font:
        woff2.decompress(font, out)
    return out.getvalue()


def install_actual_text() -> None:
    """Make the PDF's text layer exact for Khmer.

    WeasyPrint maps each glyph to text once per font (a ToUnicode table), but Khmer shaping reorders
    glyphs (a vowel drawn before its consonant) and reuses one glyph in different clusters, so text
    extracted or copied from the PDF came out scrambled. PDF's answer is /ActualText: each line that
    holds Khmer is wrapped in a marked-content span carrying its real text, which readers (and
    pdftotext) use instead of the glyphs. Lines without Khmer are drawn exactly as before."""
    import pydyf
    import weasyprint.draw.text as weasy_text

    if getattr(weasy_text.draw_first_line, "samaki_actual_text", False):
        return
    original = weasy_text.draw_first_line

    def draw_first_line(stream, textbox, *args, **kwargs):
        text = textbox.text
        if not KHMER_TEXT.search(text or ""):
            return original(stream, textbox, *args, **kwargs)
        # pydyf's own method: WeasyPrint's Stream overrides it for tagged PDFs only.
        pydyf.Stream.begin_marked_content(stream, "Span",
                                          pydyf.Dictionary({"ActualText": pydyf.String(text.strip())}))
        try:
            return original(stream, textbox, *args, **kwargs)
        finally:
            pydyf.Stream.end_marked_content(stream)

    draw_first_line.samaki_actual_text = True
    weasy_text.draw_first_line = draw_first_line
