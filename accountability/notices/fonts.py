"""Which font families the notices name (STACK-NOTES.md → Documents).

GB/T 9704-2012 asks for 方正小标宋 (title, red mark), 仿宋_GB2312 (body), 楷体_GB2312, 黑体 and
宋体 (page numbers). These are licensed. Debian has no free 仿宋, and fontconfig silently maps names
like "FangSong" to a sans face, so a stylesheet must name families that are really installed:
by default the free stand-ins below. With the setting `official_fonts` on, each role uses its
official family — in the PDF only if fontconfig lists it (else the stand-in, with a warning); in
the DOCX always, because Word resolves the names on the reader's machine.
"""

from __future__ import annotations

import logging
import subprocess
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FontSet:
    body: str  # 仿宋: body text, addressee, number, signature, date
    title: str  # 小标宋: title and the red issuing-organ mark
    kai: str  # 楷体: second-level headings, captions
    hei: str  # 黑体: first-level headings, "附件"
    song: str  # 宋体: page numbers
    title_bold: bool  # a stand-in serif needs bold to look like 小标宋

    def families(self) -> tuple[str, ...]:
        return (self.body, self.title, self.kai, self.hei, self.song)


FREE = FontSet(
    body="Noto Serif CJK SC",
    title="Noto Serif CJK SC",
    kai="AR PL UKai CN",
    hei="Noto Sans CJK SC",
    song="Noto Serif CJK SC",
    title_bold=True,
)
OFFICIAL = FontSet(
    body="仿宋_GB2312",
    title="方正小标宋简体",
    kai="楷体_GB2312",
    hei="黑体",
    song="宋体",
    title_bold=False,
)
_ROLES = ("body", "title", "kai", "hei", "song")


def official_fonts_enabled(settings: Any) -> bool:
    """The `official_fonts` setting (False until core.settings has the field)."""
    return bool(getattr(settings, "official_fonts", False))


@lru_cache(maxsize=1)
def installed_families() -> frozenset[str]:
    """Every family name fontconfig knows (all localised names of each face)."""
    try:
        out = subprocess.run(
            ["fc-list", ":", "family"], capture_output=True, text=True, check=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("fc-list failed (%s); assuming only the free fonts", exc)
        return frozenset(FREE.families())
    return frozenset(name.strip() for line in out.splitlines() for name in line.split(","))


def pdf_fonts(official: bool, installed: frozenset[str] | None = None) -> FontSet:
    """The families the PDF stylesheet names: official ones only where installed."""
    if not official:
        return FREE
    have = installed_families() if installed is None else installed
    chosen = {}
    for role in _ROLES:
        name = getattr(OFFICIAL, role)
        if name in have:
            chosen[role] = name
        else:
            log.warning(
                "official font %s is not installed; the PDF uses %s", name, getattr(FREE, role)
            )
            chosen[role] = getattr(FREE, role)
    return replace(FREE, **chosen, title_bold=chosen["title"] == FREE.title)


def docx_fonts(official: bool) -> FontSet:
    return OFFICIAL if official else FREE
