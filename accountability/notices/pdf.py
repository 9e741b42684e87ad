"""Render a notice as PDF: Jinja2 HTML + a GB/T 9704 stylesheet → WeasyPrint."""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from accountability.notices import layout
from accountability.notices.document import NoticeFields, cn_date
from accountability.notices.fonts import FontSet, pdf_fonts

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).parent / "templates"


class RenderError(RuntimeError):
    """WeasyPrint could not render the notice."""


# A standard's number (GB/T 36112, GB/T 9704-2012) is not broken across lines (after the /),
# and its space is a fixed gap, not one that justification stretches.
STANDARD = re.compile(r"(?<![A-Za-z])((?:GB|DB\d*)(?:/[TZ])?) ?(\d+(?:[.-]\d+)*)")
_KEPT = Markup('<span class="nowrap">%s<span class="gap"></span>%s</span>')


def keep_standards(text: str) -> Markup:
    """`text` escaped, with each standard's number kept on one line."""
    out, last = [], 0
    for m in STANDARD.finditer(text):
        out += [escape(text[last : m.start()]), _KEPT % (m[1], m[2])]
        last = m.end()
    return Markup("").join([*out, escape(text[last:])])


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        autoescape=select_autoescape(["html.j2"]),
    )
    env.filters["keep_standards"] = keep_standards
    return env


def stylesheet(doc: NoticeFields, fonts: FontSet) -> str:
    size, spacing = layout.mark_size(doc.organ)
    rows = 2 if doc.cc else 1
    return (
        _env()
        .get_template("notice.css.j2")
        .render(
            fonts=fonts,
            red=layout.RED,
            line_pitch=layout.LINE_PITCH_PT,
            letter_spacing=layout.LETTER_SPACING_PT,
            char_pt=layout.BODY_PT + layout.LETTER_SPACING_PT,
            mark_size=size,
            mark_spacing=spacing,
            page_number_top=layout.PAGE_NUMBER_TOP_MM,
            banji_height=round(rows * 8.7 + 2, 1),
        )
    )


def html(doc: NoticeFields, fonts: FontSet) -> str:
    images = {}
    for item in doc.evidence:
        if item.image and Path(item.image).is_file():
            images[item.image] = Path(item.image).resolve().as_uri()
        elif item.image:
            log.warning("evidence image %s is missing; listed without the picture", item.image)
    return (
        _env()
        .get_template("notice.html.j2")
        .render(
            doc=doc,
            css=stylesheet(doc, fonts),
            title_lines=layout.title_lines(doc.title),
            date=cn_date(doc.date),
            print_date=cn_date(doc.print_date),
            images=images,
        )
    )


def render_pdf(doc: NoticeFields, *, official_fonts: bool = False) -> bytes:
    from weasyprint import HTML  # heavy import: only when rendering

    source = html(doc, pdf_fonts(official_fonts))
    try:
        pdf = HTML(string=source, base_url=str(TEMPLATES)).write_pdf()
    except Exception as exc:  # WeasyPrint raises many kinds; one narrow error for callers
        raise RenderError(f"{doc.doc_number}: {exc}") from exc
    assert pdf is not None
    return pdf
