"""Accountability cases as the console and the CLI use them: open (by hand, from an alert, a
patrol finding or a complaint), suggest a measure, attach evidence, delete with a reason. Every
state change goes through lifecycle.transition, is saved as a history row by a conditional
update, and is written to the audit log in the same transaction. `now` is passed in.

Issuing notices is in issuing.py; replies and appeals in replies.py."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from psycopg import Connection

from accountability.lifecycle import Action, CaseState, transition
from accountability.measures import (
    DEFAULT_NOTICE,
    Measure,
    PastMeasure,
    Suggestion,
    suggest,
)
from accountability.notices.types import REPLY_REQUIRED, NoticeType
from core.enums import AlertLevel, Role
from store.repos import audit
from store.repos.accountability import cases as repo
from store.repos.accountability import notices as notice_repo

log = logging.getLogger(__name__)


class AccountabilityError(ValueError):
    """A request that cannot succeed as asked (permanent); the message is for the user."""


class NotFound(AccountabilityError):
    """No such case in the user's scope."""


@dataclass(frozen=True)
class Actor:
    """Who acts: a console user, or the system (role None)."""

    username: str
    role: Role | None
    region_code: str | None = None
    department_code: str | None = None  # a liaison's own department

    @classmethod
    def of(cls, user: Any) -> Actor:
        return cls(user.username, Role(user.role), user.region_code, user.department_code)

    @property
    def scope(self) -> dict[str, str | None]:
        from core.regions import region_prefix

        prefix = region_prefix(self.region_code) if self.region_code else None
        dep = self.department_code if self.role is Role.LIAISON else None
        return {"region_prefix": prefix, "department_code": dep}


SYSTEM = Actor("system", None)


@dataclass(frozen=True)
class CaseDraft:
    subject_kind: str  # staff | window | department
    subject_code: str
    title: str
    facts: str
    origin: str = "manual"  # alert | finding | complaint | manual
    origin_ref: str | None = None
    alert_level: AlertLevel | None = None
    measure: Measure | None = None  # None: take the suggestion
    notice_type: NoticeType | None = None  # None: the measure's usual document
    points: Decimal | None = None
    reply_days: int = 5


def load(conn: Connection[Any], case_id: int, actor: Actor) -> repo.AccCase:
    case = repo.get_case(conn, case_id, **actor.scope)
    if case is None:
        raise NotFound(f"案件 {case_id} 不存在或不在您的权限范围内")
    return case


def suggestion_for(
    conn: Connection[Any],
    subject_kind: str,
    subject_code: str,
    now: datetime,
    level: AlertLevel | None = None,
) -> Suggestion:
    history = [
        PastMeasure(Measure(m.measure), m.decided_at.date(), m.revoked_at is not None)
        for m in repo.measures_of(conn, subject_kind, subject_code, year=now.year)
    ]
    return suggest(history, now.date(), level, person=subject_kind == "staff")


def open_case(conn: Connection[Any], draft: CaseDraft, actor: Actor, now: datetime) -> repo.AccCase:
    """Open a draft case; opening the same origin and subject again returns the first case."""
    if actor.role not in (Role.SUPERVISOR, None):
        raise AccountabilityError("只有监察员可以立案")
    if not draft.title.strip() or not draft.facts.strip():
        raise AccountabilityError("标题和事实不能为空")
    with conn.transaction():
        if draft.origin_ref is not None:
            found = repo.find_by_origin(
                conn, draft.origin, draft.origin_ref, draft.subject_kind, draft.subject_code
            )
            if found is not None:
                return found
        subject = repo.describe_subject(conn, draft.subject_kind, draft.subject_code)
        if subject is None:
            raise AccountabilityError(f"问责对象不存在：{draft.subject_code}")
        _check_scope(actor, subject.region_code, subject.department_code)
        measure = (
            draft.measure
            or suggestion_for(
                conn, draft.subject_kind, draft.subject_code, now, draft.alert_level
            ).measure
        )
        new = repo.NewCase(
            center_code=subject.center_code,
            region_code=subject.region_code,
            department_code=subject.department_code,
            subject_kind=subject.kind,
            subject_code=subject.code,
            subject_name=subject.name,
            origin=draft.origin,
            origin_ref=draft.origin_ref,
            alert_level=draft.alert_level.value if draft.alert_level else None,
            title=draft.title.strip(),
            facts=draft.facts.strip(),
            measure=measure.value,
            notice_type=(draft.notice_type or DEFAULT_NOTICE[measure]).value,
            points=draft.points,
            reply_days=draft.reply_days,
        )
        case = repo.insert_case(conn, new, actor.username, _role(actor), now)
        audit.write(
            conn,
            actor.username,
            "accountability.open",
            f"case:{case.id}",
            case.region_code,
            origin=draft.origin,
            origin_ref=draft.origin_ref,
            measure=measure.value,
        )
    log.info("accountability case %s opened by %s", case.id, actor.username)
    return case


def _check_scope(actor: Actor, region_code: str, department_code: str) -> None:
    scope = actor.scope
    prefix, dep = scope["region_prefix"], scope["department_code"]
    if prefix and not region_code.startswith(prefix):
        raise NotFound("问责对象不在您的权限范围内")
    if dep and dep != department_code:
        raise NotFound("问责对象不属于您的部门")


def _role(actor: Actor) -> str | None:
    return actor.role.value if actor.role else None


def reply_required(case: repo.AccCase) -> bool:
    return NoticeType(case.notice_type) in REPLY_REQUIRED


def move(
    conn: Connection[Any],
    case: repo.AccCase,
    action: Action,
    actor: Actor,
    now: datetime,
    reason: str | None = None,
    detail: dict[str, Any] | None = None,
    **columns: Any,
) -> repo.AccCase:
    """Apply one labelled transition (raises TransitionError or StaleState) and audit it."""
    t = transition(
        CaseState(case.state),
        action,
        actor.role,
        reply_required=reply_required(case),
        reason=reason,
    )
    moved = repo.move(
        conn,
        case.id,
        expected=t.source.value,
        target=t.target.value,
        action=action.value,
        rule=t.rule,
        actor=actor.username,
        role=_role(actor),
        at=now,
        reason=reason,
        detail=detail,
        **columns,
    )
    audit.write(
        conn,
        actor.username,
        f"accountability.{action.value}",
        f"case:{case.id}",
        case.region_code,
        rule=t.rule,
        reason=reason,
        to_state=t.target.value,
        **(detail or {}),
    )
    return moved


def update_draft(
    conn: Connection[Any],
    case_id: int,
    actor: Actor,
    now: datetime,
    *,
    measure: Measure,
    notice_type: NoticeType,
) -> repo.AccCase:
    """Change a draft's measure and document before it is issued."""
    with conn.transaction():
        case = load(conn, case_id, actor)
        if case.state != CaseState.DRAFT or actor.role is not Role.SUPERVISOR:
            raise AccountabilityError("只有监察员可以修改草稿")
        return repo.move(
            conn,
            case.id,
            expected="draft",
            target="draft",
            action="edit",
            rule="edit a draft",
            actor=actor.username,
            role=_role(actor),
            at=now,
            measure=measure.value,
            notice_type=notice_type.value,
        )


def delete_case(
    conn: Connection[Any], case_id: int, actor: Actor, now: datetime, reason: str
) -> repo.AccCase:
    """Delete with a reason: the case stays as a row marked deleted, its notices are voided
    (keeping their numbers), its measures revoked and its reply clock stopped."""
    with conn.transaction():
        case = load(conn, case_id, actor)
        moved = move(conn, case, Action.DELETE, actor, now, reason, deleted_reason=reason)
        notice_repo.void_notices(conn, case.id, now, f"案件删除：{reason}")
        repo.revoke_measures(conn, case.id, now, f"案件删除：{reason}")
        repo.stop_reply_clock(conn, case.id, now)
    return moved


def add_evidence(
    conn: Connection[Any],
    case_id: int,
    actor: Actor,
    now: datetime,
    kind: str,
    caption: str,
    **extra: Any,
) -> repo.Evidence:
    with conn.transaction():
        case = load(conn, case_id, actor)
        item = repo.add_evidence(
            conn, case.id, kind, caption, actor=actor.username, at=now, **extra
        )
        audit.write(
            conn,
            actor.username,
            "accountability.evidence",
            f"case:{case.id}",
            case.region_code,
            kind=kind,
            caption=caption,
        )
    return item


def local_date(dt: datetime, tz: str) -> Any:
    return dt.astimezone(ZoneInfo(tz)).date()
