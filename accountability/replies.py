"""The department's side and the supervisor's answer: the liaison uploads the 整改 report (the
reply clock stops), the supervisor verifies and closes or returns it (a fresh reply clock); the
liaison may appeal (申诉: the clock stops), and the supervisor revokes (measures revoked,
notices voided), rejects (the reply is due again, with a fresh clock) or escalates to the
leader, who then revokes or rejects."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import Connection

from accountability.deadlines import restart_reply_clock
from accountability.files import Storage
from accountability.lifecycle import Action, CaseState
from accountability.service import AccountabilityError, Actor, load, move
from store.repos.accountability import cases as repo
from store.repos.accountability import notices as notice_repo


def upload_reply(
    conn: Connection[Any],
    case_id: int,
    actor: Actor,
    now: datetime,
    storage: Storage,
    *,
    file_name: str,
    data: bytes,
    note: str | None = None,
) -> notice_repo.Reply:
    saved = storage.save_upload("replies", case_id, file_name, data)
    with conn.transaction():
        case = load(conn, case_id, actor)
        notices = notice_repo.list_notices(conn, region_prefix=None, case_id=case.id, limit=1)
        reply = notice_repo.add_reply(
            conn,
            case.id,
            notices[0].id if notices else None,
            at=now,
            actor=actor.username,
            file_name=saved.name,
            file_path=str(saved.path),
            sha256=saved.sha256,
            size_bytes=saved.size,
            note=note,
        )
        late = case.reply_due_at is not None and now > case.reply_due_at
        move(
            conn,
            case,
            Action.REPLY,
            actor,
            now,
            detail={"file": saved.name, "sha256": saved.sha256, "late": late},
        )
        repo.stop_reply_clock(conn, case.id, now)
    return reply


def verify(
    conn: Connection[Any], case_id: int, actor: Actor, now: datetime, note: str | None = None
) -> repo.AccCase:
    with conn.transaction():
        case = move(conn, load(conn, case_id, actor), Action.VERIFY, actor, now, note)
        notice_repo.judge_latest_reply(
            conn, case.id, "accepted", at=now, actor=actor.username, note=note
        )
    return case


def return_reply(
    conn: Connection[Any], case_id: int, actor: Actor, now: datetime, reason: str
) -> repo.AccCase:
    """The report is not enough: back to awaiting_reply with a fresh reply clock."""
    with conn.transaction():
        case = load(conn, case_id, actor)
        case = move(conn, case, Action.RETURN_REPLY, actor, now, reason)
        notice_repo.judge_latest_reply(
            conn, case.id, "returned", at=now, actor=actor.username, note=reason
        )
        due = restart_reply_clock(conn, case, now)
        case = repo.set_reply_due(conn, case.id, due)
    return case


def appeal(
    conn: Connection[Any],
    case_id: int,
    actor: Actor,
    now: datetime,
    storage: Storage,
    *,
    reason: str,
    file_name: str | None = None,
    data: bytes | None = None,
) -> notice_repo.Appeal:
    saved = storage.save_upload("appeals", case_id, file_name or "申诉材料", data) if data else None
    with conn.transaction():
        case = load(conn, case_id, actor)
        move(conn, case, Action.APPEAL, actor, now, reason)
        repo.stop_reply_clock(conn, case.id, now)
        return notice_repo.file_appeal(
            conn,
            case.id,
            at=now,
            actor=actor.username,
            reason=reason,
            file_name=saved.name if saved else None,
            file_path=str(saved.path) if saved else None,
            sha256=saved.sha256 if saved else None,
        )


def decide_appeal(
    conn: Connection[Any], case_id: int, actor: Actor, now: datetime, action: Action, note: str
) -> repo.AccCase:
    """REVOKE, REJECT_APPEAL or ESCALATE an appealed (or escalated) case."""
    if action not in (Action.REVOKE, Action.REJECT_APPEAL, Action.ESCALATE):
        raise AccountabilityError(f"不是申诉处理操作：{action}")
    with conn.transaction():
        case = load(conn, case_id, actor)
        if action is Action.ESCALATE:
            moved = move(conn, case, action, actor, now, note)
            notice_repo.escalate_appeal(conn, case.id, at=now, actor=actor.username)
            return moved
        if action is Action.REVOKE:
            moved = move(conn, case, action, actor, now, note)
            repo.revoke_measures(conn, case.id, now, f"申诉成立：{note}")
            notice_repo.void_notices(conn, case.id, now, f"申诉成立，撤销：{note}")
            notice_repo.decide_appeal(
                conn, case.id, "revoke", at=now, actor=actor.username, note=note
            )
            return moved
        moved = move(conn, case, action, actor, now, note)
        notice_repo.decide_appeal(conn, case.id, "reject", at=now, actor=actor.username, note=note)
        if moved.state == CaseState.AWAITING_REPLY:
            moved = repo.set_reply_due(conn, case.id, restart_reply_clock(conn, moved, now))
        return moved
