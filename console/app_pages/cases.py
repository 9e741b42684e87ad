"""办件监控: search the cases in scope (number, applicant, matter, department, status, overdue);
for the chosen case its details, its clocks with the working time left, the timeline of its
events and its alerts. A department liaison sees only their own department's cases.
`?case=<办件编号>` opens a case directly (links from alerts)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from console.services import pool, require_user, scope
from core.calendar import WorkingCalendar, official_calendar
from core.clocks import time_left
from core.enums import (
    ALERT_LEVEL_LABELS,
    CASE_STATUS_LABELS,
    CASE_TYPE_LABELS,
    EVENT_KIND_LABELS,
    CaseStatus,
)
from core.reference import Schedule
from ingest.clockwork import clock_of
from store.repos import calendar as calendar_repo
from store.repos import cases, reference
from store.repos import clocks as clock_repo
from store.repos import events as event_repo

TZ = ZoneInfo("Asia/Shanghai")
CLOCK_LABELS = {
    "promised": "承诺时限",
    "legal": "法定时限",
    "supplement_notice": "补正告知(5个工作日)",
}
CLOCK_STATES = {"running": "计时中", "paused": "暂停(不计时)", "stopped": "已停止"}
RESULT_LABELS = {
    "issued": "准予/出证",
    "returned": "退回",
    "void": "作废",
    "forwarded": "转报",
    "refused": "不予许可",
}
STEP_LABELS = {"undertake": "承办", "review": "审核", "approve": "批准"}


def local(t: datetime | None) -> str:
    return t.astimezone(TZ).strftime("%Y-%m-%d %H:%M") if t else "—"


@st.cache_resource(ttl=300)
def working_calendar() -> WorkingCalendar:
    with pool().connection() as conn:
        try:
            return calendar_repo.load_calendar(conn)
        except calendar_repo.CalendarNotLoaded:
            return official_calendar()


def left_text(minutes: float, day_minutes: float) -> str:
    late = minutes < 0
    days, rest = divmod(abs(minutes), day_minutes)
    hours = rest / 60
    text = f"{int(days)} 个工作日 {hours:.1f} 小时" if days else f"{hours:.1f} 小时"
    return f"已超期 {text}" if late else f"剩余 {text}"


def search_form(sc, departments) -> cases.CaseSearch:  # type: ignore[no-untyped-def]
    with st.form("case_search"):
        c1, c2, c3 = st.columns(3)
        number = c1.text_input("办件编号", value=st.query_params.get("case", ""))
        applicant = c2.text_input("申请人")
        matter = c3.text_input("事项（编码或名称）")
        c4, c5, c6 = st.columns([2, 3, 1])
        names = {d.code: d.name for d in departments}
        department = c4.selectbox(
            "部门",
            [None, *names],
            format_func=lambda code: "全部部门" if code is None else names[code],
            disabled=sc.department_code is not None,
        )
        statuses = c5.multiselect(
            "状态",
            list(CaseStatus),
            format_func=lambda s: CASE_STATUS_LABELS[s],
            placeholder="全部状态",
        )
        overdue = c6.checkbox("仅看超期")
        st.form_submit_button("查询", type="primary")
    return cases.CaseSearch(
        region_prefix=sc.region_prefix,
        department_code=sc.department_code,
        case_no=number.strip() or None,
        applicant=applicant.strip() or None,
        matter=matter.strip() or None,
        department=department,
        statuses=tuple(s.value for s in statuses),
        overdue=overdue,
    )


def results_table(rows: list[cases.CaseListItem]) -> str | None:
    """The search results; returns the case_no of the selected row."""
    frame = pd.DataFrame(
        [
            {
                "办件编号": r.case_no,
                "事项": r.matter_name or r.matter_code or "",
                "类型": CASE_TYPE_LABELS.get(r.case_type, r.case_type or ""),  # type: ignore[call-overload]
                "申请人": r.applicant_name or "",
                "部门": r.department_name or r.department_code or "",
                "状态": CASE_STATUS_LABELS[CaseStatus(r.status)],
                "受理时间": local(r.accepted_at),
                "承诺期限": local(r.promised_due_at),
                "办结时间": local(r.completed_at),
                "超期": "是" if r.overdue else "",
            }
            for r in rows
        ]
    )
    picked = st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key="case_table",
    )
    chosen = picked.selection.rows if picked else []  # type: ignore[attr-defined]
    return rows[chosen[0]].case_no if chosen else None


def case_page(case_no: str, sc, now: datetime) -> None:  # type: ignore[no-untyped-def]
    with pool().connection() as conn:
        case = cases.get_case(conn, case_no, sc.region_prefix, sc.department_code)
        if case is None:
            st.warning(f"没有办件 {case_no}，或它不在您的管辖范围内。")
            return
        stored = clock_repo.subject_clocks(conn, "case", [case_no])
        timeline = event_repo.case_events(conn, [case_no])
        alerts = cases.case_alerts(conn, case_no)
        center = next((c for c in reference.centers(conn) if c.code == case.center_code), None)
    st.subheader(f"办件 {case_no}", divider="gray")
    status = CASE_STATUS_LABELS[CaseStatus(case.status)]
    if case.result:
        status += f"（{RESULT_LABELS.get(case.result, case.result)}）"
    c = st.columns(4)
    c[0].metric("状态", status)
    c[1].metric("事项", case.matter_name or case.matter_code or "—")
    c[2].metric("申请人", case.applicant_name or "—")
    c[3].metric("部门 / 窗口", f"{case.department_code or '—'} / {case.window_code or '—'}")
    c = st.columns(5)
    c[0].metric("申请时间", local(case.applied_at))
    c[1].metric("受理时间", local(case.accepted_at))
    c[2].metric("承诺期限", local(case.promised_due_at))
    c[3].metric("法定期限", local(case.legal_due_at))
    c[4].metric("办结时间", local(case.completed_at))
    st.caption(
        f"补正 {case.supplement_count} 次 · 延期 {len(case.extensions)} 次 · "
        f"特别程序 {sum(p.kind == 'special_procedure' for p in case.pauses)} 次 · "
        f"收费 {case.fee_total or 0} 元 · 评价 {case.rating or '—'}"
    )
    clocks_table(stored, center.schedule if center else Schedule(), now)
    timeline_table(timeline)
    alerts_table(alerts)


def clocks_table(stored: list[clock_repo.StoredClock], schedule: Schedule, now: datetime) -> None:
    st.markdown("**限时办结计时**")
    if not stored:
        st.info("尚未受理，没有计时。")
        return
    cal = working_calendar()
    day = cal.working_minutes_per_day(schedule)
    rows = []
    for k in stored:
        left = time_left(clock_of(k), now, calendar=cal, schedule=schedule)
        running = k.state != "stopped"
        rows.append(
            {
                "时限": CLOCK_LABELS.get(k.clock_kind, k.clock_kind),
                "开始": local(k.start_at),
                "时长": f"{k.budget} 个工作日"
                if k.unit == "working_days"
                else f"{k.budget} {k.unit}",
                "到期": local(k.due_at) if k.due_at else "暂停中，待恢复",
                "状态": CLOCK_STATES.get(k.state, k.state),
                "剩余工作时间": left_text(left.minutes_left, day) if running else "—",
                "停止于": local(k.stopped_at),
                "已预警": ALERT_LEVEL_LABELS.get(k.level, "") if k.level else "",  # type: ignore[call-overload]
                "暂定日历": "是" if k.provisional else "",
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def timeline_table(timeline: list[event_repo.EventRow]) -> None:
    st.markdown("**办件时间线**")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "时间": local(e.occurred_at),
                    "事件": EVENT_KIND_LABELS.get(e.kind, e.kind),
                    "窗口": e.window_code or "",
                    "经办人": e.staff_id or "",
                    "详情": detail(e.kind, e.payload),
                    "来源": e.source,
                }
                for e in timeline
            ]
        ),
        hide_index=True,
        width="stretch",
    )


def detail(kind: str, p: dict) -> str:  # type: ignore[type-arg]
    if kind == "case.completed":
        return RESULT_LABELS.get(p.get("result", ""), p.get("result", ""))
    if kind.startswith("case.step"):
        return STEP_LABELS.get(p.get("step", ""), p.get("step", ""))
    if kind == "case.extended":
        return f"+{p.get('days')} 个工作日，{p.get('approved_by', '')}：{p.get('reason', '')}"
    if kind == "case.supplement_requested":
        return "、".join(p.get("materials", []))
    if kind == "fee.charged":
        return f"{p.get('amount')} 元"
    if kind == "rating.submitted":
        return f"{p.get('score')} 分"
    if kind == "case.accepted" and p.get("promised_days") is not None:
        return f"承诺 {p.get('promised_days')} / 法定 {p.get('legal_days')} 个工作日"
    return p.get("reason") or p.get("procedure") or ""


def alerts_table(alerts: list[dict]) -> None:  # type: ignore[type-arg]
    st.markdown("**相关告警**")
    if not alerts:
        st.caption("没有告警。")
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "告警": f"#{a['id']}",
                    "级别": ALERT_LEVEL_LABELS.get(a["level"], a["level"]),
                    "状态": a["status"],
                    "内容": a["summary"],
                    "时间": local(a["created_at"]),
                }
                for a in alerts
            ]
        ),
        hide_index=True,
        width="stretch",
    )


require_user()
st.title("办件监控")
sc = scope()
now = datetime.now(UTC)
with pool().connection() as conn:
    centers = reference.centers(conn, sc.region_prefix)
    departments = [d for c in centers for d in reference.departments(conn, c.code)]
query = search_form(sc, departments)
with pool().connection() as conn:
    found = cases.search_cases(conn, query, now)
    total = cases.count_cases(conn, query, now) if len(found) >= query.limit else len(found)
shown = f"，显示最近 {len(found)} 件" if total > len(found) else ""
st.caption(f"共 {total:,} 件{shown}")
selected = results_table(found)
wanted = selected or st.query_params.get("case") or (found[0].case_no if len(found) == 1 else None)
if wanted:
    case_page(wanted, sc, now)
