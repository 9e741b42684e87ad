"""Everything a notice shows, as one value: composed once at issue, frozen as JSON in the
`notices.fields` column, and rendered by both the PDF and the DOCX writer."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict

from accountability.notices.types import NOTICE_LABELS, NoticeType


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Paragraph(_Doc):
    text: str
    style: Literal["body", "h1", "h2", "h3"] = "body"  # 一、黑体 / （一）楷体 / 1. 仿宋加粗


class TimelineRow(_Doc):
    at: str  # already formatted in the centre's time zone
    text: str


class EvidenceItem(_Doc):
    kind: str  # alert | snapshot | clip | event | document | note
    caption: str
    at: str | None = None
    image: str | None = None  # path of a JPEG/PNG snapshot, shown in the appendix
    ref: str | None = None


class NoticeFields(_Doc):
    doc_type: NoticeType
    organ: str  # 发文机关: the red mark and the signature
    doc_number: str  # 发文字号, e.g. 榆政服效督〔2026〕3号
    title: str
    addressee: str  # 主送机关 (ends with a full-width colon when printed)
    body: tuple[Paragraph, ...]
    attachments: tuple[str, ...] = ()
    signature: str
    date: date  # 成文日期
    reply_due: date | None = None
    department: str  # the department concerned (for checks and lists)
    facts: str
    cc: tuple[str, ...] = ()  # 抄送
    printer: str  # 印发机关
    print_date: date
    appendix_title: str = "相关证据材料"
    timeline: tuple[TimelineRow, ...] = ()
    evidence: tuple[EvidenceItem, ...] = ()

    @property
    def label(self) -> str:
        return NOTICE_LABELS[self.doc_type]

    @property
    def has_appendix(self) -> bool:
        return bool(self.timeline or self.evidence)


def cn_date(d: date) -> str:
    """成文日期 in Arabic numerals, no padding: 2026年10月9日 (GB/T 9704-2012 §7.3.5.1)."""
    return f"{d.year}年{d.month}月{d.day}日"
