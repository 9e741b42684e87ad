"""视频巡查: a wall of window snapshots refreshed every few seconds (click one to go live), a
patrol that shows a department's or centre's windows live N seconds each and marks them
patrolled, findings against the GB/T 36112 checklist with a snapshot and two clocks, and
today's patrol coverage. A supervisor opens an accountability case from a finding (立案追责)
and is taken to it in 责任追究; a finding with a case links to it."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import streamlit as st

from accountability.origins import open_from_finding
from accountability.service import AccountabilityError, Actor
from console.navigation import PAGES
from console.services import pool, record, require_user, scope, settings
from core.enums import Role
from store.repos import patrols, reference
from store.repos import video as video_repo
from store.repos import video_evidence as evidence_repo
from store.repos.accountability import origins as origin_repo
from video.client import VideoClient, VideoServiceError
from video.patrol import (
    CHECK_LABELS,
    FINDING_STATUS_LABELS,
    SEVERITY_LABELS,
    CheckItem,
    FindingAction,
    FindingStatus,
    Severity,
    TransitionError,
    coverage,
    finding_clocks,
    overdue,
    patrol_position,
    transition,
)

TZ = ZoneInfo("Asia/Shanghai")
ACCOUNTABILITY = "app_pages/accountability.py"
user = require_user()
sees_cases = any(p.file == "accountability.py" and user.role in p.roles for p in PAGES)
sc = scope()
st.title("视频巡查")

with pool().connection() as conn:
    centers = reference.centers(conn, sc.region_prefix)
if not centers:
    st.info("管辖范围内没有服务中心。")
    st.stop()
c1, c2 = st.columns(2)
center = c1.selectbox("服务中心", centers, format_func=lambda c: c.name)
with pool().connection() as conn:
    departments = reference.departments(conn, center.code)
    windows = {w.code: w for w in reference.windows(conn, center.code)}
    # the centre's video service (a hall's edge box) or this console's own: the browser's
    # player and this page's snapshots and evidence both go there
    client = VideoClient(settings(), user.username, user.region_code).at(
        video_repo.center_video_url(conn, center.code)
    )
dept = c2.selectbox(
    "部门", [None, *departments], format_func=lambda d: "全部部门" if d is None else d.name
)
dept_code = None if dept is None else dept.code
with pool().connection() as conn:
    cams = [
        k
        for k in video_repo.cameras(
            conn, center_code=center.code, department_code=dept_code, enabled_only=True
        )
        if k.window_code
    ]
    today = datetime.combine(datetime.now(TZ).date(), time(0), TZ)
    visited = patrols.visited_windows(conn, center.code, today, dept_code)


def label(cam) -> str:  # type: ignore[no-untyped-def]
    w = windows.get(cam.window_code)
    return w.name if w else cam.name


def mark_visited(cam, patrol_id=None) -> None:  # type: ignore[no-untyped-def]
    with pool().connection() as conn:
        patrols.visit(conn, patrol_id, cam.window_code, user.username)


def open_case(f) -> None:  # type: ignore[no-untyped-def]
    """立案追责: open (or find) the finding's case, then show it in 责任追究."""
    try:
        with pool().connection() as conn:
            case = open_from_finding(
                conn, f.id, Actor.of(user), datetime.now(UTC),
                evidence_dir=settings().evidence_dir, fetch_evidence=client.try_evidence,
            )  # fmt: skip
    except AccountabilityError as exc:
        st.error(f"不能立案：{exc}")
        return
    record("accountability.from_finding", f"case:{case.id}", finding_id=f.id, window=f.window_code)
    st.session_state["flash"] = f"已从巡查发现 #{f.id} 立案：追责案件 #{case.id}"
    st.switch_page(ACCOUNTABILITY, query_params={"case": str(case.id)})


def case_link(f, case_id: int) -> None:  # type: ignore[no-untyped-def]
    text = f"已立案：追责案件 #{case_id}"
    if sees_cases:
        st.page_link(
            ACCOUNTABILITY, label=text, icon=":material/gavel:", query_params={"case": str(case_id)}
        )
    else:
        st.caption(text)


def evidence_picture(evidence_id: int) -> None:
    """A finding's snapshot: from this console's disk when the video worker that took it is
    beside the console, else on request from the centre's video service (checked against its
    SHA-256, the view audited there; kept for this session)."""
    with pool().connection() as conn:
        ev = evidence_repo.evidence(conn, evidence_id)
    if ev is None:
        return
    caption = f"截图 sha256 {ev.sha256[:12]}…"
    path = settings().evidence_dir / ev.path
    fetched = st.session_state.setdefault("evidence_pictures", {})
    if path.is_file():
        st.image(str(path), caption=caption, width=360)
        return
    if ev.id not in fetched and st.button("查看截图（保存在大厅）", key=f"evidence-{ev.id}"):
        try:
            fetched[ev.id] = client.evidence_bytes(ev.id, ev.sha256)
        except VideoServiceError as exc:
            st.warning(f"截图暂时取不到：{exc}；原图 SHA-256 {ev.sha256}")
    if ev.id in fetched:
        st.image(fetched[ev.id], caption=caption + "（取自大厅视频服务）", width=360)


def live(cam, key: str) -> None:  # type: ignore[no-untyped-def]
    """The live player (one token per shown camera, kept so reruns do not reload it)."""
    urls = st.session_state.setdefault("live_urls", {})
    if (key, cam.code) not in urls:
        urls.clear()
        urls[(key, cam.code)] = client.player_url(cam.code)
    st.caption(f"实时画面 · {label(cam)} · {cam.code}")
    st.iframe(urls[(key, cam.code)], height=380)


wall, patrol_tab, finding_tab, coverage_tab = st.tabs(
    ["视频墙", "巡查模式", "问题记录", "今日巡查"]
)

with wall:
    if not cams:
        st.info("所选范围没有配置摄像机的窗口。")
    chosen = st.session_state.get("wall_live")
    current = next((k for k in cams if k.code == chosen), None)
    if current is not None:
        live(current, "wall")
        if st.button("关闭实时画面"):
            st.session_state.pop("wall_live", None)
            st.rerun()

    @st.fragment(run_every=5)
    def snapshots() -> None:
        cols = st.columns(4)
        for i, cam in enumerate(cams[:16]):
            with cols[i % 4].container(border=True):
                try:
                    st.image(client.snapshot_jpeg(cam.code), caption=label(cam))
                except VideoServiceError as exc:
                    st.warning(f"{label(cam)}：{exc}")
                if st.button("实时", key=f"live-{cam.code}", use_container_width=True):
                    st.session_state["wall_live"] = cam.code
                    mark_visited(cam)
                    st.rerun()

    snapshots()

with patrol_tab:
    running = st.session_state.get("patrol")
    if running is None:
        seconds = st.number_input("每个窗口停留（秒）", min_value=5, max_value=600, value=20)
        if st.button("开始巡查", type="primary", disabled=not cams):
            with pool().connection() as conn:
                pid = patrols.start_patrol(conn, user.username, center.code, dept_code, seconds)
            st.session_state["patrol"] = {
                "id": pid,
                "seconds": int(seconds),
                "started": datetime.now(UTC),
                "cameras": [k.code for k in cams],
                "shown": None,
            }
            record("video.patrol_start", center.code, patrol_id=pid, department=dept_code)
            st.rerun()
    else:
        if st.button("结束巡查"):
            with pool().connection() as conn:
                patrols.end_patrol(conn, running["id"])
            record("video.patrol_end", center.code, patrol_id=running["id"])
            st.session_state.pop("patrol")
            st.rerun()

        @st.fragment(run_every=1)
        def round_() -> None:
            codes = running["cameras"]
            i = patrol_position(
                running["started"], datetime.now(UTC), running["seconds"], len(codes)
            )
            cam = (
                next(k for k in cams if k.code == codes[i])
                if codes[i] in {k.code for k in cams}
                else None
            )
            if cam is None:
                st.warning("该窗口的摄像机已停用")
                return
            if running["shown"] != cam.code:
                running["shown"] = cam.code
                mark_visited(cam, running["id"])
            st.progress((i + 1) / len(codes), text=f"第 {i + 1} / {len(codes)} 个窗口")
            live(cam, f"patrol-{running['id']}-{i}")

        round_()

with finding_tab:
    with st.form("finding", clear_on_submit=True):
        cam = st.selectbox("窗口", cams, format_func=label)
        items = st.multiselect(
            "问题项（GB/T 36112）",
            list(CheckItem),
            format_func=lambda c: CHECK_LABELS[c],
            placeholder="选择问题项",
        )
        severity = st.radio(
            "严重程度", list(Severity), horizontal=True, format_func=lambda s: SEVERITY_LABELS[s]
        )
        note = st.text_area("问题描述")
        with_snapshot = st.checkbox("附当前截图", value=True)
        if st.form_submit_button("记录问题", type="primary"):
            if cam is None or not items:
                st.error("请选择窗口和至少一个问题项")
            else:
                evidence_id = None
                if with_snapshot:
                    try:
                        evidence_id = client.take_snapshot(cam.code, "巡查问题")
                    except VideoServiceError as exc:
                        st.warning(f"截图失败，问题仍将记录：{exc}")
                now = datetime.now(UTC)
                clocks = finding_clocks(now)
                with pool().connection() as conn:
                    fid = patrols.add_finding(
                        conn,
                        window_code=cam.window_code,
                        inspector=user.username,
                        items=[i.value for i in items],
                        severity=severity.value,
                        note=note,
                        found_at=now,
                        respond_due_at=clocks.respond_due_at,
                        fix_due_at=clocks.fix_due_at,
                        evidence_id=evidence_id,
                        patrol_id=(st.session_state.get("patrol") or {}).get("id"),
                    )
                record("video.finding", cam.window_code, finding_id=fid, severity=severity.value)
                st.success(f"已记录问题 #{fid}：请于 1 小时内响应、24 小时内整改")

    with pool().connection() as conn:
        found = patrols.findings(
            conn,
            region_prefix=sc.region_prefix,
            center_code=center.code,
            department_code=dept_code,
            limit=50,
        )
        cases = origin_repo.live_cases_of(
            conn, "finding", [origin_repo.origin_ref("finding", f.id) for f in found]
        )
    now = datetime.now(UTC)
    for f in found:
        case_id = cases.get(origin_repo.origin_ref("finding", f.id))
        status = FindingStatus(f.status)
        late_respond, late_fix = overdue(status, finding_clocks(f.found_at), now)
        flags = " ".join(x for x, on in (("响应超时", late_respond), ("整改超时", late_fix)) if on)
        items_text = "、".join(CHECK_LABELS[CheckItem(i)] for i in f.items)
        with st.expander(
            f"#{f.id} {windows[f.window_code].name if f.window_code in windows else f.window_code}"
            f" · {items_text} · {FINDING_STATUS_LABELS[status]} {flags}"
            + (f" · 已立案 #{case_id}" if case_id else "")
        ):
            st.write(f"严重程度：{SEVERITY_LABELS[Severity(f.severity)]}　记录人：{f.inspector}")
            st.write(
                f"发现：{f.found_at.astimezone(TZ):%m-%d %H:%M}　响应期限："
                f"{f.respond_due_at.astimezone(TZ):%m-%d %H:%M}　整改期限："
                f"{f.fix_due_at.astimezone(TZ):%m-%d %H:%M}"
            )
            if f.note:
                st.write(f.note)
            if f.evidence_id:
                evidence_picture(f.evidence_id)
            cols = st.columns(2)
            for col, action, text in (
                (cols[0], FindingAction.RESPOND, "已响应"),
                (cols[1], FindingAction.FIX, "已整改"),
            ):
                if col.button(text, key=f"{action.value}-{f.id}"):
                    try:
                        to, rule = transition(status, action)
                    except TransitionError as exc:
                        st.error(str(exc))
                    else:
                        with pool().connection() as conn:
                            ok = patrols.record_transition(
                                conn, f.id, status.value, to.value, action.value, user.username, now
                            )
                        record("video.finding_" + action.value, str(f.id), rule=rule)
                        st.toast("已更新" if ok else "状态已被他人更新")
                        st.rerun()
            if case_id is not None:
                case_link(f, case_id)
            elif user.role == Role.SUPERVISOR and st.button("立案追责", key=f"case-{f.id}"):
                open_case(f)

with coverage_tab:
    codes = [k.window_code for k in cams]
    share = coverage(visited, codes)
    st.metric(
        "今日巡查覆盖率", f"{share:.0%}", f"{len(set(visited) & set(codes))} / {len(codes)} 个窗口"
    )
    st.progress(share)
    missing = [windows[c].name for c in codes if c not in set(visited) and c in windows]
    if missing:
        st.write("今日尚未巡查：" + "、".join(missing))
