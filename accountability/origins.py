"""Open a case from what found the problem: an alert (with the 办件's facts and timeline as
evidence), a video-patrol finding (with its snapshot and its respond/fix clocks) or a complaint.
The case is opened against the most specific subject known — the staff member who handled the
办件 or was on duty at the window, else the window, else the department. Each origin opens one
live case: opening it again returns that case (the origin_ref is the link)."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path, PurePath
from typing import Any
from zoneinfo import ZoneInfo

from psycopg import Connection

from accountability import alert_facts as alert_words
from accountability import facts as wording
from accountability.notices.types import NoticeType
from accountability.service import (
    AccountabilityError,
    Actor,
    CaseDraft,
    NotFound,
    load,
    open_case,
)
from core.enums import ALERT_LEVEL_LABELS, EVENT_KIND_LABELS, AlertLevel, Role
from store.repos import patrols, users
from store.repos import video_evidence as video_repo
from store.repos.accountability import cases as repo
from store.repos.accountability import origins as origin_repo
from store.repos.alerts import records as alert_repo
from store.repos.events import complaint_events

log = logging.getLogger(__name__)

# (evidence id, its SHA-256) -> the file's bytes, or None when they cannot be had now: how the
# console fetches a snapshot kept at a hall's edge box (video/client.py `try_evidence`)
FetchEvidence = Callable[[int, str], bytes | None]


def open_from_alert(
    conn: Connection[Any],
    alert_id: int,
    actor: Actor,
    now: datetime,
    tz: str = "Asia/Shanghai",
    notice_type: NoticeType = NoticeType.SUPERVISION_ORDER,
    *,
    evidence_dir: Path | None = None,
) -> repo.AccCase:
    """Open (or find) the case of an alert, with the alert and the 办件's events as evidence
    (and its snapshot: a path relative to `evidence_dir`, as video stores it, or absolute).
    An alert is answered with a 督办通知书 unless the supervisor picks another document; the
    measure is the suggestion for the subject (at least 约谈 for a red card)."""
    alert = alert_repo.get(conn, alert_id)
    if alert is None:
        raise NotFound(f"告警 {alert_id} 不存在")
    facts = repo.case_facts(conn, alert.case_no) if alert.case_no else None
    kind, code = _subject(alert, facts)
    department = (facts.department_code if facts else None) or alert.department_code
    window = (facts.window_code if facts else None) or alert.window_code
    place = _place(conn, department, window, None)
    about = alert_words.AlertCase(alert, facts, place, now, ZoneInfo(tz))
    draft = CaseDraft(
        kind,
        code,
        alert_words.alert_title(about),
        alert_words.alert_facts(about),
        origin="alert",
        origin_ref=f"alert:{alert.id}",
        alert_level=AlertLevel(alert.level),
        notice_type=notice_type,
    )
    case = open_case(conn, draft, actor, now)
    if not repo.evidence(conn, case.id):
        _attach(conn, case, alert, actor, now, evidence_dir)
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
    evidence_dir: Path | None = None,
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
            path=_alert_snapshot(snapshot, evidence_dir),
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


# ---------------------------------------------------------------- findings and complaints


def _may_open(actor: Actor) -> None:
    if actor.role not in (Role.SUPERVISOR, None):
        raise AccountabilityError("只有监察员可以立案")


def _in_scope(actor: Actor, region_code: str, department_code: str | None) -> bool:
    prefix, dep = actor.scope["region_prefix"], actor.scope["department_code"]
    return (not prefix or region_code.startswith(prefix)) and (not dep or dep == department_code)


def _most_specific(
    staff: str | None, window: str | None, department: str | None, what: str
) -> tuple[str, str]:
    for kind, code in (("staff", staff), ("window", window), ("department", department)):
        if code:
            return kind, code
    raise AccountabilityError(f"{what}未指明部门、窗口或人员，请手工立案")


def _place(
    conn: Connection[Any], department: str | None, window: str | None, staff: str | None
) -> wording.Place:
    """The names of a department, window and staff member (codes where a name is unknown)."""
    w = repo.describe_subject(conn, "window", window) if window else None
    d = repo.describe_subject(conn, "department", department) if department else None
    s = repo.describe_subject(conn, "staff", staff) if staff else None
    known = w or d or s
    dep_name = known.department_name if known else (department or "")
    return wording.Place(dep_name, w.name if w else window, s.name if s else None)


def open_from_finding(
    conn: Connection[Any],
    finding_id: int,
    actor: Actor,
    now: datetime,
    *,
    evidence_dir: Path,
    fetch_evidence: FetchEvidence | None = None,
    tz: str = "Asia/Shanghai",
    notice_type: NoticeType = NoticeType.SUPERVISION_ORDER,
) -> repo.AccCase:
    """Open (or find) the case of a video-patrol finding: against the staff member on duty at
    the window then (when attendance names exactly one), else the window; its course and its
    snapshot (a file under `evidence_dir`, for the notice's appendix) as evidence. A finding
    has one live case: opening it again returns that case.

    A snapshot taken at a hall's edge box is not under `evidence_dir`: `fetch_evidence` gets it
    from there (before the transaction, so no lock waits on the WAN) and a copy checked against
    its SHA-256 is kept under `evidence_dir`, so the notice embeds the picture whenever it is
    rendered. When it cannot be had, the evidence says that the picture is kept at the hall,
    with its SHA-256."""
    _may_open(actor)
    ref = origin_repo.origin_ref("finding", finding_id)
    if fetch_evidence is not None and origin_repo.live_case_of(conn, "finding", ref) is None:
        _fetch_snapshot(conn, finding_id, actor, evidence_dir, fetch_evidence)
    with conn.transaction():
        origin_repo.lock_origin(conn, ref)
        existing = origin_repo.live_case_of(conn, "finding", ref)
        if existing is not None:
            return load(conn, existing, actor)
        f = patrols.finding(conn, finding_id)
        if f is None or not _in_scope(actor, f.region_code, f.department_code):
            raise NotFound(f"巡查发现 {finding_id} 不存在或不在您的权限范围内")
        on_duty = origin_repo.staff_on_duty(conn, f.window_code, f.found_at)
        staff = on_duty[0] if len(on_duty) == 1 else None
        kind, code = _most_specific(staff, f.window_code, f.department_code, "巡查发现")
        place = _place(conn, f.department_code, f.window_code, staff)
        draft = CaseDraft(
            kind,
            code,
            wording.finding_title(f, place),
            wording.finding_facts(f, place, now, ZoneInfo(tz)),
            origin="finding",
            origin_ref=ref,
            notice_type=notice_type,
        )
        case = open_case(conn, draft, actor, now)
        _attach_finding(conn, case, f, actor, now, evidence_dir)
    return case


def _attach_finding(
    conn: Connection[Any],
    case: repo.AccCase,
    f: patrols.FindingRow,
    actor: Actor,
    now: datetime,
    evidence_dir: Path,
) -> None:
    ref = origin_repo.origin_ref("finding", f.id)
    history = patrols.finding_history(conn, f.id)
    shot = video_repo.evidence(conn, f.evidence_id) if f.evidence_id else None
    names = _display_names(
        conn, {h.actor for h in history} | ({shot.requested_by} if shot else set())
    )
    for at, text in wording.finding_timeline(f, history, now, names):
        repo.add_evidence(
            conn, case.id, "timeline", text, actor=actor.username, at=now, ref=ref, occurred_at=at
        )
    if shot is None:
        return
    by = names.get(shot.requested_by, shot.requested_by)
    local = _local_snapshot(evidence_dir, shot)
    caption = f"视频巡查截图（摄像机{shot.camera_code}，{by}抓拍）"
    if local is None:
        caption = (
            f"视频巡查截图（摄像机{shot.camera_code}，{by}抓拍；原图保存在该大厅的视频服务，"
            f"未随本文附上，SHA-256：{shot.sha256}）"
        )
    repo.add_evidence(
        conn,
        case.id,
        "snapshot",
        caption,
        actor=actor.username,
        at=now,
        ref=f"evidence:{shot.id}",
        occurred_at=shot.taken_at,
        path=None if local is None else str(local),
        sha256=shot.sha256,
        detail={"finding_id": f.id, "camera_code": shot.camera_code, "bytes": shot.bytes},
    )


def _alert_snapshot(path: str, evidence_dir: Path | None) -> str | None:
    """An alert's snapshot file as the notice opens it: a path relative to `evidence_dir` (as
    video stores evidence paths) under it, an absolute one as given, one that would leave the
    folder (`..`) none."""
    if evidence_dir is None or PurePath(path).is_absolute():
        return path
    found = _snapshot_file(evidence_dir, path)
    return None if found is None else str(found)


def _snapshot_file(evidence_dir: Path, relative: str) -> Path | None:
    """Where an evidence row's file lies under `evidence_dir` (None for a path that would
    leave it: absolute or with `..`)."""
    rel = PurePath(relative)
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        return None
    return (evidence_dir / rel).absolute()


def _local_snapshot(evidence_dir: Path, shot: video_repo.Evidence) -> Path | None:
    """The snapshot's file under `evidence_dir` when it is there with the row's SHA-256."""
    path = _snapshot_file(evidence_dir, shot.path)
    if path is None or not path.is_file():
        return None
    if hashlib.sha256(path.read_bytes()).hexdigest() != shot.sha256:
        log.warning("evidence %s: %s does not match its SHA-256", shot.id, path)
        return None
    return path


def _fetch_snapshot(
    conn: Connection[Any], finding_id: int, actor: Actor, evidence_dir: Path, fetch: FetchEvidence
) -> None:
    """Copy the finding's snapshot under `evidence_dir` from the video service that keeps it,
    unless it is already there (or the finding is not the actor's to open)."""
    f = patrols.finding(conn, finding_id)
    if f is None or not f.evidence_id or not _in_scope(actor, f.region_code, f.department_code):
        return
    shot = video_repo.evidence(conn, f.evidence_id)
    path = None if shot is None else _snapshot_file(evidence_dir, shot.path)
    if shot is None or path is None or _local_snapshot(evidence_dir, shot) is not None:
        return
    body = fetch(shot.id, shot.sha256)
    if body is None or hashlib.sha256(body).hexdigest() != shot.sha256:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    part.write_bytes(body)
    os.replace(part, path)


def _display_names(conn: Connection[Any], usernames: set[str]) -> dict[str, str]:
    """Console users' display names (people who are no user keep their names as given)."""
    found = {name: users.get(conn, name) for name in usernames}
    return {name: u.display_name for name, u in found.items() if u is not None}


def open_from_complaint(
    conn: Connection[Any],
    complaint_no: str,
    actor: Actor,
    now: datetime,
    *,
    tz: str = "Asia/Shanghai",
    notice_type: NoticeType = NoticeType.SUPERVISION_ORDER,
) -> repo.AccCase:
    """Open (or find) the case of a complaint: against the staff member, else the window, else
    the department its filing named; its events as evidence. A complaint has one live case."""
    _may_open(actor)
    ref = origin_repo.origin_ref("complaint", complaint_no)
    with conn.transaction():
        origin_repo.lock_origin(conn, ref)
        existing = origin_repo.live_case_of(conn, "complaint", ref)
        if existing is not None:
            return load(conn, existing, actor)
        c = origin_repo.complaint_facts(conn, complaint_no)
        if c is None or not _in_scope(actor, c.region_code, c.department_code):
            raise NotFound(f"投诉 {complaint_no} 不存在或不在您的权限范围内")
        kind, code = _most_specific(c.staff_id, c.window_code, c.department_code, "投诉")
        place = _place(conn, c.department_code, c.window_code, c.staff_id)
        draft = CaseDraft(
            kind,
            code,
            wording.complaint_title(c, place),
            wording.complaint_facts(c, place, now, ZoneInfo(tz)),
            origin="complaint",
            origin_ref=ref,
            notice_type=notice_type,
        )
        case = open_case(conn, draft, actor, now)
        for event in complaint_events(conn, [complaint_no]):
            repo.add_evidence(
                conn, case.id, "event", EVENT_KIND_LABELS.get(event.kind, event.kind),
                actor=actor.username, at=now, ref=complaint_no, occurred_at=event.occurred_at,
            )  # fmt: skip
    return case
