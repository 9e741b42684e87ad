"""The six kinds of document the 效能监察室 issues (DOMAIN.md → Accountability)."""

from __future__ import annotations

from enum import StrEnum


class NoticeType(StrEnum):
    SUPERVISION_ORDER = "supervision_order"  # 督办通知书
    INSPECTION_NOTICE = "inspection_notice"  # 效能监察通知书
    INSPECTION_ADVICE = "inspection_advice"  # 效能监察建议书
    RECTIFICATION_NOTICE = "rectification_notice"  # 整改通知书
    WARNING_NOTICE = "warning_notice"  # 效能告诫通知书
    BULLETIN = "bulletin"  # 通报


NOTICE_LABELS = {
    NoticeType.SUPERVISION_ORDER: "督办通知书",
    NoticeType.INSPECTION_NOTICE: "效能监察通知书",
    NoticeType.INSPECTION_ADVICE: "效能监察建议书",
    NoticeType.RECTIFICATION_NOTICE: "整改通知书",
    NoticeType.WARNING_NOTICE: "效能告诫通知书",
    NoticeType.BULLETIN: "通报",
}

# 发文机关代字 suffix per type: each type has its own number sequence per year.
TYPE_CODES = {
    NoticeType.SUPERVISION_ORDER: "督",
    NoticeType.INSPECTION_NOTICE: "监",
    NoticeType.INSPECTION_ADVICE: "建",
    NoticeType.RECTIFICATION_NOTICE: "改",
    NoticeType.WARNING_NOTICE: "诫",
    NoticeType.BULLETIN: "通",
}

# A 通报 informs; every other document demands a written answer by a deadline.
REPLY_REQUIRED = frozenset(NoticeType) - {NoticeType.BULLETIN}
