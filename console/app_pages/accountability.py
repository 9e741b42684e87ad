"""责任追究: the accountability cases in the user's scope (a liaison: their department only), the
chosen case's facts, evidence, notices (PDF/DOCX downloads) and history, and the actions the
user's role may take now — issue, upload the 整改 report, verify or return it, appeal and decide
the appeal, delete with a reason; supervisors open cases from an alert, a complaint or by hand
(and from a patrol finding on 视频巡查, which brings them here with ?case=ID). A case shows its
origin (来源), with the finding's snapshot."""

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from accountability.facts import origin_text
from accountability.files import Storage
from accountability.issuing import ensure_files, issue
from accountability.lifecycle import (
    ACTION_LABELS,
    STATE_LABELS,
    Action,
    CaseState,
    TransitionError,
    allowed_actions,
)
from accountability.measures import MEASURE_LABELS, Measure
from accountability.notices.types import NOTICE_LABELS, NoticeType
from accountability.origins import open_from_alert, open_from_complaint
from accountability.replies import appeal, decide_appeal, return_reply, upload_reply, verify
from accountability.service import (
    AccountabilityError,
    Actor,
    CaseDraft,
    delete_case,
    open_case,
    reply_required,
    suggestion_for,
)
from console.services import pool, record, require_user, settings
from core.enums import Role
from store.repos.accountability import cases as repo
from store.repos.accountability import notices as notice_repo
from store.repos.accountability import origins as origin_repo
from store.repos.accountability.cases import StaleState

TZ = ZoneInfo("Asia/Shanghai")
ERRORS = (AccountabilityError, TransitionError, StaleState)
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SUBJECT_LABELS = {"staff": "工作人员", "window": "窗口", "department": "部门"}
COMPLAINT_STATUS = {"filed": "待受理", "accepted": "办理中", "resolved": "已办结·属实"}
# What each role has to do first: these states come first in the case picker.
MY_TURN = {
    Role.SUPERVISOR: {"draft", "replied", "appealed"},
    Role.LIAISON: {"awaiting_reply"},
    Role.LEADER: {"escalated"},
}

user = require_user()
actor = Actor.of(user)
storage = Storage.from_settings(settings())
st.title("责任追究")


def when(t: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return t.astimezone(TZ).strftime(fmt) if t else "—"


def now() -> datetime:
    return datetime.now(UTC)


def act(label: str, fn, *args, **kwargs) -> None:
    """Run one action in its own connection; show the outcome and refresh the page."""
    try:
        with pool().connection() as conn:
            fn(conn, *args, **kwargs)
    except ERRORS as exc:
        st.error(f"{label}失败：{exc}")
        return
    st.session_state["flash"] = f"{label}成功"
    st.rerun()


def open_from(label: str, origin: str, fn, *args, **kw) -> None:
    """Open a case from an alert or a complaint, audit it, and show it."""
    try:
        with pool().connection() as conn:
            case = fn(conn, *args, actor, now(), **kw)
    except ERRORS as exc:
        st.error(f"{label}失败：{exc}")
        return
    record(f"accountability.from_{origin}", f"case:{case.id}", origin_ref=case.origin_ref)
    st.session_state["flash"] = f"{label}成功：追责案件 #{case.id}"
    st.query_params["case"] = str(case.id)
    st.rerun()


def complaint_label(c: origin_repo.ComplaintFacts) -> str:
    filed = when(c.filed_at, "%m-%d")
    return (
        f"{c.complaint_no} · {c.department_name or '未指明部门'} · {c.category or '投诉'}"
        f" · {COMPLAINT_STATUS.get(c.status, c.status)}（{filed}）"
    )


if flash := st.session_state.pop("flash", None):
    st.success(flash)

with pool().connection() as conn:
    cases = repo.list_cases(conn, **actor.scope)
    notices = notice_repo.list_notices(conn, **actor.scope)
    complaints = (
        origin_repo.open_complaints(
            conn,
            region_prefix=actor.scope["region_prefix"],
            department_code=actor.scope["department_code"],
        )
        if actor.role is Role.SUPERVISOR
        else []
    )

# ------------------------------------------------------------------ open a case
if actor.role is Role.SUPERVISOR:
    with st.expander("立案：从告警、投诉或手工"):
        left, right = st.columns(2)
        alert_id = left.number_input("告警编号", min_value=1, step=1, value=None)
        if left.button("从告警立案", disabled=alert_id is None):
            evidence = settings().evidence_dir
            open_from("从告警立案", "alert", open_from_alert, int(alert_id), evidence_dir=evidence)
        complaint = left.selectbox(
            "待处理投诉（未办结或经核查属实）",
            complaints,
            index=None,
            format_func=complaint_label,
            placeholder="选择投诉" if complaints else "暂无待处理投诉",
        )
        if left.button("从投诉立案", disabled=complaint is None) and complaint is not None:
            open_from("从投诉立案", "complaint", open_from_complaint, complaint.complaint_no)
        left.caption("巡查发现请在“视频巡查”的问题记录中点击“立案追责”。")
        with right.form("manual_case"):
            kind = st.selectbox(
                "问责对象类型", list(SUBJECT_LABELS), format_func=SUBJECT_LABELS.get
            )
            code = st.text_input("对象编码（工号、窗口编码或部门编码）")
            title = st.text_input("问题概述", placeholder="如：食品经营许可办件超期未办结")
            facts = st.text_area("事实经过")
            measure = st.selectbox(
                "问责措施（留空按建议）",
                [None, *Measure],
                format_func=lambda m: "按系统建议" if m is None else MEASURE_LABELS[m],
            )
            notice = st.selectbox(
                "文书",
                [None, *NoticeType],
                format_func=lambda n: "按措施默认" if n is None else NOTICE_LABELS[n],
            )
            days = st.number_input("回复期限（工作日）", min_value=1, max_value=60, value=5)
            if st.form_submit_button("立案", type="primary"):
                draft = CaseDraft(
                    kind,
                    code.strip(),
                    title,
                    facts,
                    measure=measure,
                    notice_type=notice,
                    reply_days=int(days),
                )
                act("立案", open_case, draft, actor, now())

# ------------------------------------------------------------------ the list
st.subheader("案件列表")
states = st.multiselect(
    "状态",
    list(CaseState),
    format_func=STATE_LABELS.get,
    default=[s for s in CaseState if s is not CaseState.DELETED],
)
shown = [c for c in cases if c.state in states]
if not shown:
    st.info("当前没有需要处理的追责案件。可从实时告警的告警立案，或展开上方「立案」手工立案。")
else:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "编号": c.id,
                    "对象": f"{SUBJECT_LABELS[c.subject_kind]} {c.subject_name}",
                    "部门": c.department_name,
                    "问题": c.title,
                    "来源": origin_text(c.origin, c.origin_ref),
                    "措施": MEASURE_LABELS[Measure(c.measure)],
                    "文书": NOTICE_LABELS[NoticeType(c.notice_type)],
                    "状态": STATE_LABELS[CaseState(c.state)],
                    "回复期限": when(c.reply_due_at),
                    "立案时间": when(c.created_at),
                }
                for c in shown
            ]
        ),
        hide_index=True,
        use_container_width=True,
    )

st.subheader("文书")
for n in notices:
    status = "（已作废）" if n.voided_at else ""
    due = f"，回复期限 {when(n.reply_due_at)}" if n.reply_due_at else ""
    st.markdown(
        f"- **{n.doc_number}** {n.title}{status}"
        f"（主送：{n.department_name or '各进驻部门'}，印发 {when(n.issued_at, '%Y-%m-%d')}{due}）"
    )
if not notices:
    st.caption("暂无文书。")
if not shown:
    st.stop()

# ------------------------------------------------------------------ one case
turn = MY_TURN.get(actor.role, set())
ordered = sorted(shown, key=lambda c: (c.state not in turn, -c.id))
wanted = st.query_params.get("case", "")
chosen = st.selectbox(
    "案件",
    ordered,
    index=next((i for i, c in enumerate(ordered) if str(c.id) == wanted), 0),
    format_func=lambda c: f"#{c.id} {c.title}（{STATE_LABELS[CaseState(c.state)]}）",
)
with pool().connection() as conn:
    case = repo.get_case(conn, chosen.id, **actor.scope)
    evidence = repo.evidence(conn, chosen.id)
    history = repo.history(conn, chosen.id)
    case_notices = notice_repo.list_notices(conn, region_prefix=None, case_id=chosen.id)
    replies = notice_repo.replies(conn, chosen.id)
    suggestion = suggestion_for(conn, chosen.subject_kind, chosen.subject_code, now())
assert case is not None

st.markdown(f"### #{case.id} {case.title}")
c1, c2, c3, c4 = st.columns(4)
c1.metric("状态", STATE_LABELS[CaseState(case.state)])
c2.metric("问责措施", MEASURE_LABELS[Measure(case.measure)])
c3.metric("文书", NOTICE_LABELS[NoticeType(case.notice_type)])
c4.metric("回复期限", when(case.reply_due_at, "%m-%d %H:%M"))
subject = f"{SUBJECT_LABELS[case.subject_kind]} {case.subject_name}"
st.write(f"**问责对象**：{subject}（{case.department_name}）")
st.write(f"**来源**：{origin_text(case.origin, case.origin_ref)}")
st.write(f"**事实**：{case.facts}")
if case.origin == "finding":
    for e in evidence:
        if e.kind == "snapshot" and e.path and Path(e.path).is_file():
            st.image(e.path, caption=e.caption, width=360)
if case.state == CaseState.DRAFT:
    st.caption(f"系统建议：{suggestion.reason}")

for n in case_notices:
    if n.voided_at is None:
        with pool().connection() as conn:
            n = ensure_files(conn, n, storage, now())
    cols = st.columns([3, 1, 1])
    cols[0].write(f"**{n.doc_number}** {n.title}" + ("（已作废）" if n.voided_at else ""))
    for col, path, mime in ((cols[1], n.pdf_path, PDF), (cols[2], n.docx_path, DOCX)):
        if path and Path(path).is_file():
            col.download_button(
                f"下载{Path(path).suffix[1:].upper()}",
                Path(path).read_bytes(),
                file_name=f"{n.doc_number}{Path(path).suffix}",
                mime=mime,
                key=path,
            )

with st.expander(f"证据（{len(evidence)}）"):
    for e in evidence:
        st.write(f"{when(e.occurred_at)} · {e.caption}" + (f"（{e.ref}）" if e.ref else ""))
        if e.path and Path(e.path).is_file():
            st.image(e.path, width=320)
with st.expander(f"整改报告（{len(replies)}）"):
    for r in replies:
        verdict = {"accepted": "已核实", "returned": "已退回"}.get(r.verdict or "", "待核实")
        st.write(f"{when(r.uploaded_at)} {r.uploaded_by} 上传《{r.file_name}》 {verdict}")
        if Path(r.file_path).is_file():
            st.download_button(
                "下载", Path(r.file_path).read_bytes(), file_name=r.file_name, key=f"r{r.id}"
            )
with st.expander("处理记录"):
    for h in history:
        label = ACTION_LABELS.get(Action(h.action)) if h.action in set(Action) else h.action
        why = f"（{h.reason}）" if h.reason else ""
        st.write(f"{when(h.at)} {h.actor}：{label}{why}")

# ------------------------------------------------------------------ actions
possible = allowed_actions(CaseState(case.state), actor.role, reply_required=reply_required(case))
if not possible:
    st.stop()
st.markdown("#### 办理")
reason = st.text_input("意见或理由", key="reason")
if Action.ISSUE in possible and st.button("下发文书", type="primary"):
    act("下发文书", issue, case.id, actor, now(), storage)
if Action.REPLY in possible:
    upload = st.file_uploader("整改报告", key="report")
    if st.button("上传整改报告", type="primary", disabled=upload is None):
        act(
            "上传整改报告",
            upload_reply,
            case.id,
            actor,
            now(),
            storage,
            file_name=upload.name,
            data=upload.getvalue(),
            note=reason or None,
        )
if Action.VERIFY in possible and st.button("核实办结", type="primary"):
    act("核实办结", verify, case.id, actor, now(), reason or None)
if Action.RETURN_REPLY in possible and st.button("退回重报"):
    act("退回重报", return_reply, case.id, actor, now(), reason)
if Action.APPEAL in possible and st.button("申诉"):
    act("申诉", appeal, case.id, actor, now(), storage, reason=reason)
for decision in (Action.REVOKE, Action.REJECT_APPEAL, Action.ESCALATE):
    if decision in possible and st.button(ACTION_LABELS[decision]):
        act(ACTION_LABELS[decision], decide_appeal, case.id, actor, now(), decision, reason)
if Action.DELETE in possible and st.button("删除案件"):
    act("删除案件", delete_case, case.id, actor, now(), reason)
