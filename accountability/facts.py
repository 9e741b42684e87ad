"""The words of a case opened from a patrol finding or a complaint: its title, its facts as a
notice states them, the finding's course for the evidence appendix, and a case's origin (来源)
as the console shows it. Pure: `now` and the time zone are passed in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from store.repos.accountability.origins import ComplaintFacts
from store.repos.patrols import FindingHistoryRow, FindingRow

ORIGIN_LABELS = {
    "alert": "告警",
    "finding": "巡查发现",
    "complaint": "群众投诉",
    "manual": "手工立案",
}

# What each GB/T 36112 checklist item of a finding (video/patrol.py CheckItem) means in a notice.
FINDING_PHRASES = {
    "on_duty": "工作人员不在岗",
    "appearance": "工作人员仪容仪表不规范",
    "attitude": "工作人员服务态度不佳",
    "discipline": "工作人员违反工作纪律",
    "environment": "窗口环境秩序不佳",
}
SEVERITY_PHRASES = {"minor": "情节一般", "major": "情节较重", "serious": "情节严重"}
FINDING_ACTIONS = {"opened": "视频巡查发现问题", "responded": "所在单位响应", "fixed": "整改到位"}
# core.enums.ComplaintChannel, as a sentence says it: 群众通过…投诉.
CHANNEL_PHRASES = {
    "12345": "12345政务服务便民热线",
    "box": "意见箱",
    "online": "网上渠道",
    "onsite": "现场",
}


def origin_text(origin: str, origin_ref: str | None) -> str:
    """来源 of a case: 告警 #12, 巡查发现 #7, 群众投诉 TS001, 手工立案."""
    label = ORIGIN_LABELS.get(origin, origin)
    if not origin_ref:
        return label
    key = origin_ref.split(":", 1)[-1]
    return f"{label} #{key}" if origin in ("alert", "finding") else f"{label} {key}"


def minute(dt: datetime, tz: ZoneInfo) -> str:
    d = dt.astimezone(tz)
    return f"{d.year}年{d.month}月{d.day}日{d.hour}时{d.minute:02d}分"


def day(dt: datetime, tz: ZoneInfo) -> str:
    d = dt.astimezone(tz)
    return f"{d.year}年{d.month}月{d.day}日"


@dataclass(frozen=True)
class Place:
    """Where the problem was, in words: the department, the window, the person."""

    department: str
    window: str | None = None
    staff_name: str | None = None


# ---------------------------------------------------------------- patrol findings


def finding_problems(items: Sequence[str]) -> str:
    return "、".join(FINDING_PHRASES.get(i, i) for i in items)


def finding_title(f: FindingRow, place: Place) -> str:
    """1号窗口工作人员不在岗 (a notice's title says 关于…的督办通知书)."""
    return f"{place.window or place.department}{finding_problems(f.items)}"


def finding_facts(f: FindingRow, place: Place, now: datetime, tz: ZoneInfo) -> str:
    """When, where, what (the checklist items and the inspector's note), and where the
    finding's respond and fix clocks stand at `now`."""
    who = f"（当班工作人员{place.staff_name}）" if place.staff_name else ""
    text = (
        f"{minute(f.found_at, tz)}，视频巡查发现{place.department}{place.window or ''}{who}"
        f"{finding_problems(f.items)}，{SEVERITY_PHRASES.get(f.severity, f.severity)}"
    )
    if f.note.strip():
        text += f"。巡查记录：{f.note.strip().rstrip('。')}"
    text += (
        f"。按规定应于{minute(f.respond_due_at, tz)}前响应、{minute(f.fix_due_at, tz)}前整改到位，"
    )
    return text + _finding_status(f, now, tz)


def _finding_status(f: FindingRow, now: datetime, tz: ZoneInfo) -> str:
    if f.fixed_at is not None:
        late = "，超过整改时限" if f.fixed_at > f.fix_due_at else ""
        return f"该问题于{minute(f.fixed_at, tz)}整改到位{late}"
    if f.responded_at is not None:
        late = "（超过响应时限）" if f.responded_at > f.respond_due_at else ""
        text = (
            f"所在单位于{minute(f.responded_at, tz)}响应{late}，截至{minute(now, tz)}尚未整改到位"
        )
        return text + ("，已超过整改时限" if now >= f.fix_due_at else "")
    text = f"截至{minute(now, tz)}所在单位未响应"
    if now >= f.fix_due_at:
        return text + "，已超过响应和整改时限"
    return text + ("，已超过响应时限" if now >= f.respond_due_at else "")


def finding_timeline(
    f: FindingRow,
    history: Sequence[FindingHistoryRow],
    now: datetime,
    names: Mapping[str, str] | None = None,
) -> list[tuple[datetime, str]]:
    """The finding's course for the notice's appendix: its history rows (actors by their
    `names`), and each clock that ran out before its duty was done (as of `now`), in time
    order."""
    rows = []
    for h in history:
        what = FINDING_ACTIONS.get(h.action, h.action)
        if h.action == "opened":
            what += f"：{finding_problems(f.items)}"
        rows.append((h.at, f"{what}（{(names or {}).get(h.actor, h.actor)}）"))
    for due, done, text in (
        (f.respond_due_at, f.responded_at or f.fixed_at, "响应时限届满，所在单位未响应"),
        (f.fix_due_at, f.fixed_at, "整改时限届满，问题未整改到位"),
    ):
        if (done is None and now >= due) or (done is not None and done > due):
            rows.append((due, text))
    return sorted(rows, key=lambda r: r[0])


# ---------------------------------------------------------------- complaints


def _complained_of(place: Place) -> str:
    who = f"工作人员{place.staff_name}" if place.staff_name else ""
    return f"{place.department}{place.window or ''}{who}"


def complaint_title(c: ComplaintFacts, place: Place) -> str:
    """群众投诉1号窗口服务态度问题."""
    return f"群众投诉{place.window or place.department}{c.category or ''}问题"


def complaint_facts(c: ComplaintFacts, place: Place, now: datetime, tz: ZoneInfo) -> str:
    """When and how the complaint came in, whom and what it is about, and how it stands."""
    channel = CHANNEL_PHRASES.get(c.channel or "", c.channel or "有关渠道")
    filed = day(c.filed_at, tz) if c.filed_at else "近日"
    text = (
        f"{filed}，群众通过{channel}投诉{_complained_of(place)}{c.category or ''}问题"
        f"（投诉编号{c.complaint_no}）"
    )
    if c.summary and c.summary.strip():
        text += f"，反映：{c.summary.strip().rstrip('。')}"
    return f"{text}。{_complaint_status(c, now, tz)}"


def _complaint_status(c: ComplaintFacts, now: datetime, tz: ZoneInfo) -> str:
    if c.resolved_at is not None:
        verdict = (
            ""
            if c.substantiated is None
            else "，经核查投诉" + ("属实" if c.substantiated else "不属实")
        )
        unhappy = "，投诉人对处理结果不满意" if c.satisfied is False else ""
        return f"该投诉于{day(c.resolved_at, tz)}办结{verdict}{unhappy}"
    if c.accepted_at is not None:
        return f"该投诉于{day(c.accepted_at, tz)}受理，截至{minute(now, tz)}尚未办结"
    return f"截至{minute(now, tz)}该投诉尚未受理"
