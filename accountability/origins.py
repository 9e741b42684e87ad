"""Open a case from what found the problem: an alert (with the 办件's facts and timeline as
evidence), or a complaint. The case is opened against the most specific subject known — the
staff member who handled the 办件, else its window, else the department."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from psycopg import Connection

from accountability.notices.types import NoticeType
from accountability.service import AccountabilityError, Actor, CaseDraft, NotFound, open_case
from core.enums import ALERT_LEVEL_LABELS, EVENT_KIND_LABELS, AlertLevel
from store.repos.accountability import cases as repo
from store.repos.alerts import records as alert_repo

# What went wrong, per alert rule, as a case title's tail (…办件超过承诺时限).
RULE_PHRASES = {
    "case.promised_deadline": "超过承诺时限",
    "case.legal_deadline": "超过法定时限",
    "case.second_supplement": "多次要求补正",
    "case.late_supplement": "未按时一次性告知补正",
    "case.off_system": "体外循环",
    "fee.off_standard": "收费与标准不符",
    "fee.free_matter": "免费事项违规收费",
    "window.empty": "窗口空岗",
    "supervision.reply_deadline": "逾期未回复督办",
}


def _day(dt: datetime | None, tz: ZoneInfo) -> str:
    if dt is None:
        return "（未知）"
    d = dt.astimezone(tz)
    return f"{d.year}年{d.month}月{d.day}日"


def _minute(dt: datetime, tz: ZoneInfo) -> str:
    d = dt.astimezone(tz)
    return f"{d.year}年{d.month}月{d.day}日{d.hour}时{d.minute:02d}分"


def case_facts_text(
    facts: repo.CaseFacts, alert: alert_repo.AlertRow, now: datetime, tz: ZoneInfo
) -> str:
    """The facts of an overdue (or otherwise flagged) 办件, in the words of a notice."""
    matter = facts.matter_name or "事项"
    limit = f"，承诺时限{facts.promised_days}个工作日" if facts.promised_days else ""
    text = f"办件编号{facts.case_no}（{matter}{limit}）于{_day(facts.accepted_at, tz)}受理"
    if facts.promised_due_at:
        text += f"，承诺办结期限为{_day(facts.promised_due_at, tz)}"
    if facts.completed_at:
        text += f"，于{_day(facts.completed_at, tz)}办结"
    else:
        text += f"，截至{_minute(now, tz)}仍未办结"
    level = ALERT_LEVEL_LABELS[AlertLevel(alert.level)]
    phrase = RULE_PHRASES.get(alert.rule, alert.summary)
    return f"{text}，{phrase}。电子监察系统于{_minute(alert.since, tz)}对该办件亮{level}"


def open_from_alert(
    conn: Connection[Any],
    alert_id: int,
    actor: Actor,
    now: datetime,
    tz: str = "Asia/Shanghai",
    notice_type: NoticeType = NoticeType.SUPERVISION_ORDER,
) -> repo.AccCase:
    """Open (or find) the case of an alert, with the alert and the 办件's events as evidence.
    An alert is answered with a 督办通知书 unless the supervisor picks another document; the
    measure is the suggestion for the subject (at least 约谈 for a red card)."""
    alert = alert_repo.get(conn, alert_id)
    if alert is None:
        raise NotFound(f"告警 {alert_id} 不存在")
    zone = ZoneInfo(tz)
    facts = repo.case_facts(conn, alert.case_no) if alert.case_no else None
    kind, code = _subject(alert, facts)
    phrase = RULE_PHRASES.get(alert.rule, "存在问题")
    if facts is not None:
        title = f"{facts.matter_name or ''}办件{phrase}"
        text = case_facts_text(facts, alert, now, zone)
    else:
        title, text = phrase, alert.summary
    draft = CaseDraft(
        kind,
        code,
        title,
        text,
        origin="alert",
        origin_ref=f"alert:{alert.id}",
        alert_level=AlertLevel(alert.level),
        notice_type=notice_type,
    )
    case = open_case(conn, draft, actor, now)
    if not repo.evidence(conn, case.id):
        _attach(conn, case, alert, actor, now)
    return case


def _subject(alert: alert_repo.AlertRow, facts: repo.CaseFacts | None) -> tuple[str, str]:
    if facts is not None and facts.staff_id:
        return "staff", facts.staff_id
    window = (facts.window_code if facts else None) or alert.window_code
    if window:
        return "window", window
    department = (facts.department_code if facts else None) or alert.department_code
    if department:
        return "department", department
    raise AccountabilityError("告警未指明部门、窗口或人员，请手工立案")


def _attach(
    conn: Connection[Any],
    case: repo.AccCase,
    alert: alert_repo.AlertRow,
    actor: Actor,
    now: datetime,
) -> None:
    level = ALERT_LEVEL_LABELS[AlertLevel(alert.level)]
    repo.add_evidence(
        conn,
        case.id,
        "alert",
        f"电子监察亮{level}：{alert.summary}",
        actor=actor.username,
        at=now,
        ref=f"alert:{alert.id}",
        occurred_at=alert.since,
        detail={"rule": alert.rule, "level": alert.level},
    )
    snapshot = alert.evidence.get("snapshot_path") or alert.evidence.get("snapshot")
    if isinstance(snapshot, str):
        repo.add_evidence(
            conn,
            case.id,
            "snapshot",
            "现场截图",
            actor=actor.username,
            at=now,
            path=snapshot,
            occurred_at=alert.since,
        )
    for event in repo.case_events(conn, alert.case_no) if alert.case_no else []:
        label = EVENT_KIND_LABELS.get(event["kind"], event["kind"])
        repo.add_evidence(
            conn,
            case.id,
            "event",
            label,
            actor=actor.username,
            at=now,
            ref=alert.case_no,
            occurred_at=event["occurred_at"],
        )
