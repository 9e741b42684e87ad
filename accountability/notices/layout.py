"""GB/T 9704-2012 numbers shared by the PDF and the DOCX writer (DOMAIN.md → Accountability)."""

from __future__ import annotations

import math

MM_PER_PT = 25.4 / 72

PAGE_W_MM, PAGE_H_MM = 210.0, 297.0  # A4
TOP_MM = 37.0  # 天头
BINDING_MM = 28.0  # 订口 (left on odd pages)
BLOCK_W_MM, BLOCK_H_MM = 156.0, 225.0  # 版心
OUTER_MM = PAGE_W_MM - BINDING_MM - BLOCK_W_MM  # 26 mm
BOTTOM_MM = PAGE_H_MM - TOP_MM - BLOCK_H_MM  # 35 mm

BODY_PT = 16.0  # 3号
TITLE_PT = 22.0  # 2号
SMALL_PT = 14.0  # 4号: page numbers, 版记
LINES, CHARS = 22, 28  # per page, per line
# A hair under the exact pitch so 22 lines always fit the 225 mm block.
LINE_PITCH_PT = math.floor(BLOCK_H_MM / MM_PER_PT / LINES * 10) / 10  # 28.9
LETTER_SPACING_PT = round(BLOCK_W_MM / MM_PER_PT / CHARS - BODY_PT - 0.01, 2)  # -0.22
TITLE_CHARS_PER_LINE = int(BLOCK_W_MM / MM_PER_PT // TITLE_PT)  # 20
MARK_MAX_PT = 42.0
RED = "#E60012"  # 红头 red
PAGE_NUMBER_TOP_MM = 3.5  # puts the 一字线 about 7 mm below the block


def text_width(text: str) -> float:
    """Width in ems: CJK and full-width characters 1, ASCII half."""
    return sum(0.5 if ord(ch) < 0x2E80 else 1.0 for ch in text)


def mark_size(organ: str) -> tuple[float, float]:
    """Font size and letter spacing (pt) of the red issuing-organ mark: as large as fits one
    line of the block, at most MARK_MAX_PT; short names are spread a little."""
    width = max(text_width(organ), 1.0)
    block_pt = BLOCK_W_MM / MM_PER_PT
    size = min(MARK_MAX_PT, block_pt * 0.96 / width)
    spacing = min(size * 0.25, (block_pt * 0.8 - size * width) / width) if width < 8 else 0.0
    return round(size, 1), round(max(spacing, 0.0), 1)


def title_lines(title: str) -> list[str]:
    """Break a 2号 title into lines of at most 20 characters, keeping the document name
    (…的督办通知书) whole on the last line when it can (词意完整)."""
    limit = TITLE_CHARS_PER_LINE
    if text_width(title) <= limit:
        return [title]
    cut = title.rfind("的")
    if 0 < cut < len(title) - 1 and text_width(title[: cut + 1]) <= limit:
        head, tail = title[: cut + 1], title[cut + 1 :]
        if text_width(tail) <= limit:
            return [head, tail]
    n = math.ceil(text_width(title) / limit)
    size = math.ceil(len(title) / n)
    return [title[i : i + size] for i in range(0, len(title), size)]


def signature_padding(signature: str, date_text: str) -> tuple[float, float]:
    """Right padding (ems) of the signature and the date line, §7.3.5.2 (no seal): signature
    右空二字, the date starts two characters right of the signature; a longer date is 右空二字
    and the signature moves left to keep the offset."""
    sig, dat = text_width(signature), text_width(date_text)
    if sig >= dat + 2:
        return 2.0, 2.0 + sig - 2 - dat
    return 4.0 + dat - sig, 2.0
