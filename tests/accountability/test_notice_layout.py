"""The PDF of a notice against GB/T 9704-2012 (DOMAIN.md): A4, 天头 37 mm, 订口 28 mm (mirrored
on even pages), a 156 × 225 mm text block, 28 characters a line, the red mark, the number, page
numbers "— N —" below the block; page 1 is rendered to PNG for a look."""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from accountability.notices import layout
from accountability.notices.pdf import render_pdf
from accountability.numbering import NUMBER_PATTERN
from tests.accountability.notice_samples import snapshot, supervision_order
from tests.fix_browser import ARTIFACTS

PT = 72 / 25.4  # points per mm
NS = {"x": "http://www.w3.org/1999/xhtml"}


@dataclass(frozen=True)
class Line:
    page: int
    text: str
    x0: float  # mm from the left edge
    y0: float  # mm from the top edge
    x1: float
    y1: float


@pytest.fixture(scope="module")
def pdf(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("notice")
    path = folder / "notice.pdf"
    path.write_bytes(render_pdf(supervision_order(snapshot(folder / "snap.jpg"))))
    return path


@pytest.fixture(scope="module")
def lines(pdf) -> list[Line]:
    xml = subprocess.run(
        ["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    root = ET.fromstring(xml)
    out = []
    for number, page in enumerate(root.iter(f"{{{NS['x']}}}page"), start=1):
        for line in page.iter(f"{{{NS['x']}}}line"):
            text = "".join(w.text or "" for w in line.iter(f"{{{NS['x']}}}word"))
            box = [float(line.get(k)) / PT for k in ("xMin", "yMin", "xMax", "yMax")]
            out.append(Line(number, text, *box))
    return out


def page_numbers(lines: list[Line]) -> list[Line]:
    return [ln for ln in lines if re.fullmatch(r"—\s*\d+\s*—", ln.text)]


def test_every_page_is_a4(pdf):
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "99", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert len(sizes) >= 3  # body, body, appendix with 版记
    for w, h in sizes:
        assert float(w) == pytest.approx(595.28, abs=0.1)
        assert float(h) == pytest.approx(841.89, abs=0.1)


def test_odd_pages_keep_the_binding_margin_left_and_even_pages_mirror_it(lines):
    body = [ln for ln in lines if ln not in page_numbers(lines)]
    for page, left in ((1, layout.BINDING_MM), (2, layout.OUTER_MM)):
        on_page = [ln for ln in body if ln.page == page]
        assert min(ln.x0 for ln in on_page) == pytest.approx(left, abs=0.5)
        assert max(ln.x1 for ln in on_page) <= left + layout.BLOCK_W_MM + 0.5


def test_text_stays_inside_the_156_by_225_mm_block(lines):
    body = [ln for ln in lines if ln not in page_numbers(lines)]
    assert min(ln.y0 for ln in body) >= layout.TOP_MM - 0.5
    assert max(ln.y1 for ln in body) <= layout.TOP_MM + layout.BLOCK_H_MM + 0.5


def test_the_red_mark_sits_35_mm_below_the_top_of_the_block(lines):
    mark = next(ln for ln in lines if ln.text == "榆阳区政务服务中心效能监察室")
    assert mark.page == 1
    # the glyphs' box starts a little below the line's top edge
    assert mark.y0 == pytest.approx(layout.TOP_MM + 35, abs=4)


def test_a_full_body_line_holds_28_characters(lines):
    widths = [layout.text_width(ln.text) for ln in lines if ln.page <= 2]
    assert max(widths) <= 28
    assert 28 in widths  # the pure-Chinese facts fill whole lines


def test_the_document_number_is_centred_under_the_mark_in_the_official_format(lines):
    number = next(ln for ln in lines if "〔" in ln.text)
    assert NUMBER_PATTERN.match(number.text)
    assert number.text == "榆政服效督〔2026〕12号"
    centre = (number.x0 + number.x1) / 2
    assert centre == pytest.approx(layout.BINDING_MM + layout.BLOCK_W_MM / 2, abs=1)


def test_pages_are_numbered_below_the_block_outside_edge_first(lines):
    numbers = page_numbers(lines)
    assert [re.sub(r"\D", "", n.text) for n in numbers] == [
        str(i) for i in range(1, len(numbers) + 1)
    ]
    block_bottom = layout.TOP_MM + layout.BLOCK_H_MM
    for n in numbers:
        assert block_bottom + 3 <= n.y0 <= block_bottom + 12
    odd, even = numbers[0], numbers[1]
    assert odd.x1 > 150  # right-hand page: number on the right
    assert even.x0 < 60  # left-hand page: number on the left


def test_the_addressee_attachment_signature_and_date_are_in_place(lines):
    texts = [ln.text for ln in lines]
    assert "市场监管局：" in texts
    assert "附件：相关证据材料" in texts
    assert "2026年10月14日" in texts
    sig = next(ln for ln in lines if ln.text == "榆阳区政务服务中心效能监察室" and ln.page > 1)
    date = next(ln for ln in lines if ln.text == "2026年10月14日")
    assert sig.x0 + 2 * 5.6 == pytest.approx(date.x0, abs=1.5)  # date starts two characters in


def test_the_evidence_appendix_and_the_imprint_close_the_document(lines):
    last = max(ln.page for ln in lines)
    on_last = [ln for ln in lines if ln.page == last]
    assert on_last[0].text == "附件"
    imprint = next(ln for ln in on_last if ln.text.endswith("印发"))
    assert "2026年10月14日印发" in imprint.text
    assert imprint.y1 == pytest.approx(layout.TOP_MM + layout.BLOCK_H_MM, abs=3)  # at the foot


def test_fonts_are_real_cjk_families_all_embedded(pdf):
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = out.splitlines()[2:]
    assert rows
    assert all(" yes yes " in row for row in rows), out  # embedded, subset
    assert any("Noto-Serif-CJK-SC" in row for row in rows)
    assert not any("DejaVu" in row for row in rows), out  # no silent fallback face


def test_page_one_renders_with_a_red_mark_and_a_red_rule(pdf):
    from PIL import Image

    ARTIFACTS.mkdir(exist_ok=True)
    prefix = ARTIFACTS / "notice-supervision-order"
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf),
            str(prefix),
        ],
        check=True,
    )
    png = prefix.with_suffix(".png")
    print(f"page 1: {png}")
    im = Image.open(png).convert("RGB")
    assert im.size[1] == 702  # A4 at 60 dpi

    def red_rows(top_mm: float, bottom_mm: float) -> int:
        per_mm = 60 / 25.4
        band = im.crop((0, int(top_mm * per_mm), im.width, int(bottom_mm * per_mm)))
        rgb = np.asarray(band).astype(int)
        return int(((rgb[..., 0] > 180) & (rgb[..., 1] < 80) & (rgb[..., 2] < 80)).sum())

    assert red_rows(70, 90) > 500  # the organ's name in red
    assert red_rows(100, 125) > 100  # the red rule under the number
    assert red_rows(140, 297) == 0  # nothing else is red
