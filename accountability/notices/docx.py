"""Render a notice as DOCX (python-docx) with the same fields and the same GB/T 9704 geometry as
the PDF: A4, mirrored margins 37/28/26/35 mm, 22 lines of 28.9 pt, the red mark, the number with
the red rule 4 mm below, page numbers "— N —" right on odd and left on even pages, East Asian
fonts set explicitly (w:eastAsia), and the 版记 anchored at the foot of the last page."""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_SECTION_START
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph as DocxParagraph

from accountability.notices import layout
from accountability.notices.document import NoticeFields, cn_date
from accountability.notices.fonts import FontSet, docx_fonts

log = logging.getLogger(__name__)
RED = RGBColor.from_string(layout.RED.lstrip("#"))
_ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
}


def render_docx(doc: NoticeFields, *, official_fonts: bool = False) -> bytes:
    fonts = docx_fonts(official_fonts)
    d = Document()
    _page_setup(d, fonts)
    _head(d, doc, fonts)
    _main(d, doc, fonts)
    if doc.has_appendix:
        _appendix(d, doc, fonts)
    _banji(d, doc, fonts)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def set_font(run_or_style: object, family: str, size: float | None = None) -> None:
    """Name `family` for Latin and East Asian text alike (w:ascii, w:hAnsi, w:eastAsia)."""
    font = run_or_style.font  # type: ignore[attr-defined]
    font.name = family
    rpr = run_or_style.element.get_or_add_rPr()  # type: ignore[attr-defined]
    rfonts = rpr.get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), family)
    if size is not None:
        font.size = Pt(size)


def _page_setup(d: DocxDocument, fonts: FontSet) -> None:
    section = d.sections[0]
    section.start_type = WD_SECTION_START.NEW_PAGE
    section.page_width, section.page_height = Mm(layout.PAGE_W_MM), Mm(layout.PAGE_H_MM)
    section.top_margin, section.bottom_margin = Mm(layout.TOP_MM), Mm(layout.BOTTOM_MM)
    section.left_margin, section.right_margin = Mm(layout.BINDING_MM), Mm(layout.OUTER_MM)
    section.header_distance = Mm(15)
    section.footer_distance = Mm(layout.BOTTOM_MM - 7 - 6)
    # 订口 inside on even pages too (w:mirrorMargins sits before these in CT_Settings)
    _insert_before(d.settings.element, OxmlElement("w:mirrorMargins"), _SETTINGS_AFTER)
    d.settings.odd_and_even_pages_header_footer = True
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    grid.set(qn("w:linePitch"), str(round(layout.LINE_PITCH_PT * 20)))
    normal = d.styles["Normal"]
    set_font(normal, fonts.body, layout.BODY_PT)
    pf = normal.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = Pt(layout.LINE_PITCH_PT)
    pf.space_before = pf.space_after = Pt(0)
    _no_autospace(normal.element.get_or_add_pPr())
    lang = OxmlElement("w:lang")  # SC glyph forms from the Noto CJK collection, not JP
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")
    normal.element.get_or_add_rPr().append(lang)  # w:lang is the last child we set
    _page_number(
        section.footer.add_paragraph()
        if not section.footer.paragraphs
        else section.footer.paragraphs[0],
        fonts,
        "right",
    )
    even = section.even_page_footer
    _page_number(even.paragraphs[0] if even.paragraphs else even.add_paragraph(), fonts, "left")


def _no_autospace(ppr: object) -> None:
    """No extra space between Chinese and Arabic numerals (〔2026〕12号, not 〔2026〕12 号)."""
    for name in ("autoSpaceDE", "autoSpaceDN"):
        off = OxmlElement(f"w:{name}")
        off.set(qn("w:val"), "0")
        _put(ppr, off)


def _page_number(p: DocxParagraph, fonts: FontSet, side: str) -> None:
    """— N —, 4号宋体, 空一字 from the outer edge."""
    p.alignment = _ALIGN[side]
    if side == "right":
        p.paragraph_format.right_indent = Pt(layout.SMALL_PT)
    else:
        p.paragraph_format.left_indent = Pt(layout.SMALL_PT)
    set_font(p.add_run("— "), fonts.song, layout.SMALL_PT)
    run = p.add_run()
    set_font(run, fonts.song, layout.SMALL_PT)
    for kind, text in (("begin", None), (None, " PAGE "), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)
    set_font(p.add_run(" —"), fonts.song, layout.SMALL_PT)


def _para(
    d: DocxDocument,
    text: str,
    family: str,
    size: float = layout.BODY_PT,
    *,
    align: str = "justify",
    before_lines: float = 0,
    bold: bool = False,
    color: RGBColor | None = None,
) -> DocxParagraph:
    p = d.add_paragraph()
    p.alignment = _ALIGN[align]
    _no_autospace(p._p.get_or_add_pPr())
    if before_lines:
        p.paragraph_format.space_before = Pt(before_lines * layout.LINE_PITCH_PT)
    for i, line in enumerate(text.split("\n")):
        run = p.add_run(line)
        set_font(run, family, size)
        run.bold = bold
        if color is not None:
            run.font.color.rgb = color
        if i < text.count("\n"):
            run.add_break()
    return p


def _head(d: DocxDocument, doc: NoticeFields, fonts: FontSet) -> None:
    size, _spacing = layout.mark_size(doc.organ)
    mark = _para(d, doc.organ, fonts.title, size, align="center", bold=fonts.title_bold, color=RED)
    mark.paragraph_format.space_before = Mm(35)
    mark.paragraph_format.line_spacing_rule = WD_LINE_SPACING.AT_LEAST
    mark.paragraph_format.line_spacing = Pt(size * 1.2)
    number = _para(d, doc.doc_number, fonts.body, align="center", before_lines=2)
    _border(number, "bottom", layout.RED.lstrip("#"), eighths=14, space_pt=11)  # rule 4 mm below


def _border(p: DocxParagraph, side: str, color: str, *, eighths: int, space_pt: int) -> None:
    ppr = p._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        _put(ppr, borders)
    edge = OxmlElement(f"w:{side}")
    for key, value in (
        ("val", "single"),
        ("sz", str(eighths)),
        ("space", str(space_pt)),
        ("color", color),
    ):
        edge.set(qn(f"w:{key}"), value)
    # CT_PBdr order: top, left, bottom, right, between, bar
    later = {
        "top": ("w:left", "w:bottom", "w:right", "w:between", "w:bar"),
        "bottom": ("w:right", "w:between", "w:bar"),
    }
    _insert_before(borders, edge, later[side])


def _main(d: DocxDocument, doc: NoticeFields, fonts: FontSet) -> None:
    title = "\n".join(layout.title_lines(doc.title))
    t = _para(
        d,
        title,
        fonts.title,
        layout.TITLE_PT,
        align="center",
        before_lines=2,
        bold=fonts.title_bold,
    )
    t.paragraph_format.line_spacing = Pt(35)
    _para(d, f"{doc.addressee}：", fonts.body, before_lines=1)
    for item in doc.body:
        family = {"h1": fonts.hei, "h2": fonts.kai}.get(item.style, fonts.body)
        p = _para(d, item.text, family, bold=item.style == "h3")
        p.paragraph_format.keep_with_next = item.style != "body"  # no heading at a page foot
        _indent_chars(p, first_line=2)
    for i, name in enumerate(doc.attachments):
        many = len(doc.attachments) > 1
        label = "附件：" if i == 0 else ""
        p = _para(
            d,
            f"{label}{f'{i + 1}.' if many else ''}{name}",
            fonts.body,
            before_lines=1 if i == 0 else 0,
        )
        _indent_chars(p, left=5, hanging=3 if i == 0 else 0)
    sig_pad, date_pad = layout.signature_padding(doc.signature, cn_date(doc.date))
    sig = _para(d, doc.signature, fonts.body, align="right", before_lines=1)
    sig.paragraph_format.right_indent = Pt(sig_pad * layout.BODY_PT)
    date = _para(d, cn_date(doc.date), fonts.body, align="right")
    date.paragraph_format.right_indent = Pt(date_pad * layout.BODY_PT)


def _indent_chars(
    p: DocxParagraph, *, first_line: int = 0, left: int = 0, hanging: int = 0
) -> None:
    """Indents in characters (w:firstLineChars etc., hundredths of a character) and points."""
    ind = p._p.get_or_add_pPr().get_or_add_ind()
    if left:
        ind.set(qn("w:leftChars"), str(left * 100))
        ind.set(qn("w:left"), str(round(left * layout.BODY_PT * 20)))
    if first_line:
        ind.set(qn("w:firstLineChars"), str(first_line * 100))
        ind.set(qn("w:firstLine"), str(round(first_line * layout.BODY_PT * 20)))
    if hanging:
        ind.set(qn("w:hangingChars"), str(hanging * 100))
        ind.set(qn("w:hanging"), str(round(hanging * layout.BODY_PT * 20)))


def _appendix(d: DocxDocument, doc: NoticeFields, fonts: FontSet) -> None:
    label = _para(d, "附件", fonts.hei, align="left")
    label.paragraph_format.page_break_before = True  # 附件另面编排
    t = _para(
        d, doc.appendix_title, fonts.title, layout.TITLE_PT, align="center", bold=fonts.title_bold
    )
    t.paragraph_format.line_spacing = Pt(35)
    if doc.timeline:
        table = d.add_table(rows=1, cols=2)
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, ("时间", "经过"), strict=True):
            _cell(cell, text, fonts.hei)
        for row in doc.timeline:
            cells = table.add_row().cells
            _cell(cells[0], row.at, fonts.body)
            _cell(cells[1], row.text, fonts.body)
    for n, item in enumerate(doc.evidence, start=1):
        _evidence(d, n, item, fonts)


def _cell(cell: object, text: str, family: str) -> None:
    p = cell.paragraphs[0]  # type: ignore[attr-defined]
    p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    set_font(p.add_run(text), family, 12)


def _evidence(d: DocxDocument, n: int, item: object, fonts: FontSet) -> None:
    caption = item.caption + (f"（{item.at}）" if item.at else "")  # type: ignore[attr-defined]
    image = item.image  # type: ignore[attr-defined]
    if image and Path(image).is_file():
        p = d.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        p.add_run().add_picture(image, width=Mm(120))
        _para(d, f"图{n}　{caption}", fonts.kai, layout.SMALL_PT, align="center")
    else:
        _para(d, f"{n}．{caption}", fonts.body, layout.SMALL_PT, align="left")


def _banji(d: DocxDocument, doc: NoticeFields, fonts: FontSet) -> None:
    """版记: a floating table anchored at the foot of the text block of the last page; rules
    0.35 mm above and below, 0.25 mm between 抄送 and 印发; 4号, 左右各空一字."""
    rows = ([f"抄送：{'，'.join(doc.cc)}。"] if doc.cc else []) + [
        f"{doc.printer}\t{cn_date(doc.print_date)}印发"
    ]
    table = d.add_table(rows=len(rows), cols=1)
    tbl_pr = table._tbl.tblPr
    _float_at_bottom(tbl_pr, len(rows))
    _table_borders(tbl_pr)
    for row, text in zip(table.rows, rows, strict=True):
        p = row.cells[0].paragraphs[0]
        pf = p.paragraph_format
        pf.left_indent = pf.right_indent = Pt(layout.SMALL_PT)
        pf.line_spacing = Pt(layout.SMALL_PT * 1.75)
        pf.tab_stops.add_tab_stop(Mm(layout.BLOCK_W_MM) - Pt(2 * layout.SMALL_PT), alignment=2)
        set_font(p.add_run(text), fonts.body, layout.SMALL_PT)
    end = d.add_paragraph()  # a document ends with a paragraph, not a table
    end.paragraph_format.line_spacing = Pt(1)


def _float_at_bottom(tbl_pr: object, rows: int) -> None:
    pos = OxmlElement("w:tblpPr")
    for key, value in (
        ("vertAnchor", "margin"),
        ("horzAnchor", "margin"),
        ("tblpXSpec", "center"),
        ("tblpY", str(round(layout.BLOCK_H_MM / 25.4 * 1440 - rows * 490 - 60))),
    ):
        pos.set(qn(f"w:{key}"), value)
    _insert_before(tbl_pr, pos, _TBLPR_AFTER_TBLPP)
    width = OxmlElement("w:tblW")
    width.set(qn("w:w"), str(round(layout.BLOCK_W_MM / 25.4 * 1440) - 2))
    width.set(qn("w:type"), "dxa")
    old = tbl_pr.find(qn("w:tblW"))  # type: ignore[attr-defined]
    if old is not None:
        tbl_pr.remove(old)  # type: ignore[attr-defined]
    _insert_before(tbl_pr, width, _TBLPR_AFTER_TBLW)


def _table_borders(tbl_pr: object) -> None:
    borders = OxmlElement("w:tblBorders")
    for side, size in (("top", 8), ("left", 0), ("bottom", 8), ("right", 0), ("insideH", 6)):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), "single" if size else "nil")
        if size:
            edge.set(qn("w:sz"), str(size))
            edge.set(qn("w:space"), "0")
            edge.set(qn("w:color"), "000000")
        borders.append(edge)
    _insert_before(tbl_pr, borders, _TBLPR_AFTER_BORDERS)


# Element order of w:pPr (CT_PPr) and the CT_Settings elements after w:mirrorMargins: Word
# refuses a document whose elements are out of schema order.
_PPR_ORDER = [
    "pStyle",
    "keepNext",
    "keepLines",
    "pageBreakBefore",
    "framePr",
    "widowControl",
    "numPr",
    "suppressLineNumbers",
    "pBdr",
    "shd",
    "tabs",
    "suppressAutoHyphens",
    "kinsoku",
    "wordWrap",
    "overflowPunct",
    "topLinePunct",
    "autoSpaceDE",
    "autoSpaceDN",
    "bidi",
    "adjustRightInd",
    "snapToGrid",
    "spacing",
    "ind",
    "contextualSpacing",
    "mirrorIndents",
    "suppressOverlap",
    "jc",
    "textDirection",
    "textAlignment",
    "textboxTightWrap",
    "outlineLvl",
    "divId",
    "cnfStyle",
    "rPr",
    "sectPr",
    "pPrChange",
]
_TBLPR = [
    "tblStyle",
    "tblpPr",
    "tblOverlap",
    "bidiVisual",
    "tblStyleRowBandSize",
    "tblStyleColBandSize",
    "tblW",
    "jc",
    "tblCellSpacing",
    "tblInd",
    "tblBorders",
    "shd",
    "tblLayout",
    "tblCellMar",
    "tblLook",
]
_TBLPR_AFTER_TBLPP = [f"w:{n}" for n in _TBLPR[2:]]
_TBLPR_AFTER_TBLW = [f"w:{n}" for n in _TBLPR[7:]]
_TBLPR_AFTER_BORDERS = [f"w:{n}" for n in _TBLPR[11:]]
_SETTINGS_AFTER = tuple(
    f"w:{n}"
    for n in [
        "alignBordersAndEdges",
        "bordersDoNotSurroundHeader",
        "bordersDoNotSurroundFooter",
        "gutterAtTop",
        "hideSpellingErrors",
        "hideGrammaticalErrors",
        "activeWritingStyle",
        "proofState",
        "formsDesign",
        "attachedTemplate",
        "linkStyles",
        "stylePaneFormatFilter",
        "stylePaneSortMethod",
        "documentType",
        "mailMerge",
        "revisionView",
        "trackRevisions",
        "doNotTrackMoves",
        "doNotTrackFormatting",
        "documentProtection",
        "autoFormatOverride",
        "styleLockTheme",
        "styleLockQFSet",
        "defaultTabStop",
    ]
)


def _put(ppr: object, el: object) -> None:
    """Insert `el` into a w:pPr at its schema position."""
    name = el.tag.rsplit("}", 1)[1]  # type: ignore[attr-defined]
    later = _PPR_ORDER[_PPR_ORDER.index(name) + 1 :]
    _insert_before(ppr, el, [f"w:{n}" for n in later])


def _insert_before(parent: object, el: object, later: Sequence[str]) -> None:
    """Insert `el` before the first child named in `later` (schema order), else append."""
    for child in parent:  # type: ignore[attr-defined]
        if child.tag in {qn(name) for name in later}:
            child.addprevious(el)
            return
    parent.append(el)  # type: ignore[attr-defined]
