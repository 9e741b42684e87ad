"""Document numbers (发文字号) per GB/T 9704-2012 §7.2.5: 发文机关代字 + year in 六角括号 〔〕
+ sequence number + 号, e.g. 榆政服效督〔2026〕12号 — the full year, no leading zeros, no 第.

Each (issuing centre, document type, year) has its own sequence, taken from a counter row inside
the issuing transaction (store.repos.accountability.take_number): a rolled-back issue gives its
number back, so numbers have no gaps, and a voided notice keeps its number, so none is reused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from accountability.notices.types import TYPE_CODES, NoticeType

NUMBER_PATTERN = re.compile(r"^(?P<prefix>\S+?)〔(?P<year>\d{4})〕(?P<n>[1-9]\d*)号$")


@dataclass(frozen=True, slots=True)
class Issuer:
    """The issuing organ (发文机关) of a centre's supervision documents."""

    center_code: str
    name: str  # 发文机关全称, e.g. 榆阳区政务服务中心效能监察室 (the red mark and the signature)
    code: str  # 发文机关代字, e.g. 榆政服效


@dataclass(frozen=True, slots=True)
class DocNumber:
    prefix: str
    year: int
    n: int

    def __str__(self) -> str:
        return f"{self.prefix}〔{self.year}〕{self.n}号"


def doc_number(issuer: Issuer, doc_type: NoticeType, year: int, n: int) -> DocNumber:
    if n < 1:
        raise ValueError(f"document numbers start at 1, got {n}")
    if not 1000 <= year <= 9999:
        raise ValueError(f"year must have four digits, got {year}")
    return DocNumber(issuer.code + TYPE_CODES[doc_type], year, n)


def parse_doc_number(text: str) -> DocNumber:
    m = NUMBER_PATTERN.match(text.strip())
    if not m:
        raise ValueError(f"not a document number (发文字号): {text!r}")
    return DocNumber(m["prefix"], int(m["year"]), int(m["n"]))


def default_issuer(center_code: str, center_name: str, region_name: str) -> Issuer:
    """What a centre issues under until an admin configures it: its 效能监察室, with the first
    character of the region name + 政服效 as 代字 (榆阳区 → 榆政服效)."""
    head = (region_name or center_name)[:1]
    return Issuer(center_code, f"{center_name}效能监察室", f"{head}政服效")
