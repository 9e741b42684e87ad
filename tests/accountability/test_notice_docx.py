"""The DOCX of a notice carries the same fields and geometry as the PDF, with East Asian fonts
named explicitly (w:eastAsia) on every run."""

from __future__ import annotations

import io

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm

from accountability.notices.docx import render_docx
from accountability.notices.fonts import FREE, OFFICIAL
from tests.accountability.notice_samples import PURE_CJK_FACTS, snapshot, supervision_order


@pytest.fixture(scope="module")
def fields(tmp_path_factory):
    return supervision_order(snapshot(tmp_path_factory.mktemp("docx") / "snap.jpg"))


@pytest.fixture(scope="module")
def doc(fields):
    return Document(io.BytesIO(render_docx(fields)))


def texts(doc) -> list[str]:
    return [p.text for p in doc.paragraphs]


def east_asian_fonts(doc) -> set[str]:
    fonts = set()
    for p in doc.paragraphs:
        for run in (r for r in p.runs if r.text):  # the picture's run holds no text
            rfonts = run._r.rPr.rFonts
            assert rfonts is not None and rfonts.get(qn("w:eastAsia")), run.text
            fonts.add(rfonts.get(qn("w:eastAsia")))
    return fonts


def test_the_page_is_a4_with_gb_t_9704_margins_mirrored(doc):
    s = doc.sections[0]
    assert abs(s.page_width - Mm(210)) < Mm(0.1)
    assert abs(s.page_height - Mm(297)) < Mm(0.1)
    assert abs(s.top_margin - Mm(37)) < Mm(0.1)
    assert abs(s.left_margin - Mm(28)) < Mm(0.1)
    assert abs(s.right_margin - Mm(26)) < Mm(0.1)
    assert abs(s.bottom_margin - Mm(35)) < Mm(0.1)
    assert doc.settings.element.find(qn("w:mirrorMargins")) is not None


def test_the_same_fields_as_the_pdf_are_there(doc, fields):
    body = "\n".join(texts(doc))
    assert fields.organ in texts(doc)
    assert "榆政服效督〔2026〕12号" in texts(doc)
    assert "关于食品经营许可办件超期未办结的\n督办通知书" in texts(doc)
    assert "市场监管局：" in texts(doc)
    assert PURE_CJK_FACTS in body
    assert "请于2026年10月21日前" in body
    assert "附件：相关证据材料" in texts(doc)
    assert "2026年10月14日" in texts(doc)
    appendix = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "超过承诺时限，亮红牌" in appendix
    assert any(t.endswith("2026年10月14日印发") for t in appendix)


def test_the_mark_is_red_and_the_number_has_a_red_rule_below(doc, fields):
    mark = next(p for p in doc.paragraphs if p.text == fields.organ)
    assert str(mark.runs[0].font.color.rgb) == "E60012"
    number = next(p for p in doc.paragraphs if "〔2026〕" in p.text)
    bottom = number._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert bottom.get(qn("w:color")) == "E60012"


def test_every_run_names_an_east_asian_font_that_is_installed(doc):
    assert east_asian_fonts(doc) <= set(FREE.families())
    assert FREE.body in east_asian_fonts(doc)


def test_with_the_official_fonts_setting_the_docx_names_them(fields):
    doc = Document(io.BytesIO(render_docx(fields, official_fonts=True)))
    fonts = east_asian_fonts(doc)
    assert {OFFICIAL.body, OFFICIAL.title} <= fonts
    assert FREE.body not in fonts


def test_the_footers_hold_a_page_field_outside_edge_first(doc):
    s = doc.sections[0]
    odd, even = s.footer.paragraphs[0], s.even_page_footer.paragraphs[0]
    for footer in (odd, even):
        assert "PAGE" in "".join(t.text for t in footer._p.iter(qn("w:instrText")))
        assert footer.text.startswith("— ") and footer.text.endswith(" —")
    assert odd.alignment == 2 and even.alignment == 0  # right, left


def test_the_snapshot_is_embedded(doc):
    assert any(r.reltype.endswith("/image") for r in doc.part.rels.values())
