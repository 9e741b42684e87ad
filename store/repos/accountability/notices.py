"""Notices and their numbers, the issuing organ of each centre, replies (整改报告) and appeals."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from psycopg import Connection, pq
from psycopg.rows import class_row
from psycopg.types.json import Jsonb


class NotInTransaction(RuntimeError):
    """A document number was asked for outside a transaction: it could leave a gap."""


@dataclass(frozen=True)
class CenterInfo:
    code: str
    name: str
    region_code: str
    region_name: str
    timezone: str
    schedule: dict[str, Any]
    issuer_name: str | None  # configured 发文机关 (None: use the default)
    issuer_code: str | None


@dataclass(frozen=True)
class NewNotice:
    case_id: int | None
    center_code: str
    region_code: str
    department_code: str | None
    doc_type: str
    year: int
    number: int
    doc_number: str
    title: str
    issued_at: datetime
    issued_by: str
    reply_due_at: datetime | None
    fields: dict[str, Any]


@dataclass(frozen=True)
class NoticeRow:
    id: int
    case_id: int | None
    center_code: str
    region_code: str
    department_code: str | None
    department_name: str | None
    doc_type: str
    year: int
    number: int
    doc_number: str
    title: str
    issued_at: datetime
    issued_by: str
    reply_due_at: datetime | None
    fields: dict[str, Any]
    pdf_path: str | None
    pdf_sha256: str | None
    docx_path: str | None
    docx_sha256: str | None
    voided_at: datetime | None
    void_reason: str | None


@dataclass(frozen=True)
class Reply:
    id: int
    case_id: int
    notice_id: int | None
    uploaded_at: datetime
    uploaded_by: str
    file_name: str
    file_path: str
    sha256: str
    size_bytes: int
    note: str | None
    verdict: str | None
    verdict_at: datetime | None
    verdict_by: str | None
    verdict_note: str | None


@dataclass(frozen=True)
class Appeal:
    id: int
    case_id: int
    filed_at: datetime
    filed_by: str
    reason: str
    file_name: str | None
    file_path: str | None
    sha256: str | None
    escalated_at: datetime | None
    escalated_by: str | None
    decision: str | None
    decided_at: datetime | None
    decided_by: str | None
    decision_note: str | None


def center_info(conn: Connection[Any], center_code: str) -> CenterInfo | None:
    with conn.cursor(row_factory=class_row(CenterInfo)) as cur:
        return cur.execute(
            "select c.code, c.name, c.region_code, r.name as region_name,"
            " coalesce(c.schedule->>'timezone', 'Asia/Shanghai') as timezone, c.schedule,"
            " i.name as issuer_name, i.code as issuer_code"
            " from centers c join regions r on r.code = c.region_code"
            " left join doc_issuers i on i.center_code = c.code where c.code = %s",
            (center_code,),
        ).fetchone()


def set_issuer(conn: Connection[Any], center_code: str, name: str, code: str) -> None:
    conn.execute(
        "insert into doc_issuers (center_code, name, code) values (%s, %s, %s)"
        " on conflict (center_code) do update set name = excluded.name, code = excluded.code",
        (center_code, name, code),
    )


def take_number(conn: Connection[Any], center_code: str, doc_type: str, year: int) -> int:
    """The next document number of (centre, type, year). Call it inside the transaction that
    saves the notice: the counter row stays locked until commit (concurrent issuers wait), and
    a rollback gives the number back, so the sequence has no gaps."""
    if conn.info.transaction_status != pq.TransactionStatus.INTRANS:
        raise NotInTransaction("take_number() needs the issuing transaction")
    conn.execute(
        "insert into doc_counters (center_code, doc_type, year) values (%s, %s, %s)"
        " on conflict do nothing",
        (center_code, doc_type, year),
    )
    row = conn.execute(
        "update doc_counters set n = n + 1 where center_code = %s and doc_type = %s and year = %s"
        " returning n",
        (center_code, doc_type, year),
    ).fetchone()
    assert row is not None
    return int(_first(row))


_NOTICE = (
    "select n.id, n.case_id, n.center_code, n.region_code, n.department_code,"
    " d.name as department_name, n.doc_type, n.year, n.number, n.doc_number, n.title,"
    " n.issued_at, n.issued_by, n.reply_due_at, n.fields, n.pdf_path, n.pdf_sha256,"
    " n.docx_path, n.docx_sha256, n.voided_at, n.void_reason"
    " from notices n left join departments d on d.code = n.department_code"
)
_SCOPE = (
    " (%(region_prefix)s::text is null or n.region_code like %(region_prefix)s || '%%')"
    " and (%(department_code)s::text is null or n.department_code = %(department_code)s)"
)


def insert_notice(conn: Connection[Any], new: NewNotice) -> NoticeRow:
    params = asdict(new) | {"fields": Jsonb(new.fields)}
    row = conn.execute(
        "insert into notices (case_id, center_code, region_code, department_code, doc_type, year,"
        " number, doc_number, title, issued_at, issued_by, reply_due_at, fields) values"
        " (%(case_id)s, %(center_code)s, %(region_code)s, %(department_code)s, %(doc_type)s,"
        " %(year)s, %(number)s, %(doc_number)s, %(title)s, %(issued_at)s, %(issued_by)s,"
        " %(reply_due_at)s, %(fields)s) returning id",
        params,
    ).fetchone()
    assert row is not None
    notice = get_notice(conn, int(_first(row)))
    assert notice is not None
    return notice


def set_files(
    conn: Connection[Any],
    notice_id: int,
    *,
    pdf_path: str,
    pdf_sha256: str,
    docx_path: str,
    docx_sha256: str,
    at: datetime,
) -> None:
    conn.execute(
        "update notices set pdf_path = %s, pdf_sha256 = %s, docx_path = %s, docx_sha256 = %s,"
        " rendered_at = %s where id = %s",
        (pdf_path, pdf_sha256, docx_path, docx_sha256, at, notice_id),
    )


def void_notices(conn: Connection[Any], case_id: int, at: datetime, reason: str) -> int:
    """Void a case's notices; they keep their numbers (never reused)."""
    return conn.execute(
        "update notices set voided_at = %s, void_reason = %s"
        " where case_id = %s and voided_at is null",
        (at, reason, case_id),
    ).rowcount


def get_notice(
    conn: Connection[Any],
    notice_id: int,
    *,
    region_prefix: str | None = None,
    department_code: str | None = None,
) -> NoticeRow | None:
    with conn.cursor(row_factory=class_row(NoticeRow)) as cur:
        return cur.execute(
            _NOTICE + " where n.id = %(id)s and" + _SCOPE,
            {"id": notice_id, "region_prefix": region_prefix, "department_code": department_code},
        ).fetchone()


def list_notices(
    conn: Connection[Any],
    *,
    region_prefix: str | None,
    department_code: str | None = None,
    case_id: int | None = None,
    doc_type: str | None = None,
    limit: int = 500,
) -> list[NoticeRow]:
    """Notices in scope, newest first; a liaison's scope names their department."""
    with conn.cursor(row_factory=class_row(NoticeRow)) as cur:
        return cur.execute(
            _NOTICE + " where" + _SCOPE + " and (%(case_id)s::bigint is null or n.case_id ="
            " %(case_id)s) and (%(doc_type)s::text is null or n.doc_type = %(doc_type)s)"
            " order by n.issued_at desc, n.id desc limit %(limit)s",
            {
                "region_prefix": region_prefix,
                "department_code": department_code,
                "case_id": case_id,
                "doc_type": doc_type,
                "limit": limit,
            },
        ).fetchall()


_REPLY = (
    "id, case_id, notice_id, uploaded_at, uploaded_by, file_name, file_path, sha256,"
    " size_bytes, note, verdict, verdict_at, verdict_by, verdict_note"
)


def add_reply(
    conn: Connection[Any],
    case_id: int,
    notice_id: int | None,
    *,
    at: datetime,
    actor: str,
    file_name: str,
    file_path: str,
    sha256: str,
    size_bytes: int,
    note: str | None,
) -> Reply:
    with conn.cursor(row_factory=class_row(Reply)) as cur:
        row = cur.execute(
            "insert into accountability_replies (case_id, notice_id, uploaded_at, uploaded_by,"
            " file_name, file_path, sha256, size_bytes, note)"
            f" values (%s, %s, %s, %s, %s, %s, %s, %s, %s) returning {_REPLY}",
            (case_id, notice_id, at, actor, file_name, file_path, sha256, size_bytes, note),
        ).fetchone()
    assert row is not None
    return row


def replies(conn: Connection[Any], case_id: int) -> list[Reply]:
    with conn.cursor(row_factory=class_row(Reply)) as cur:
        return cur.execute(
            f"select {_REPLY} from accountability_replies where case_id = %s order by id",
            (case_id,),
        ).fetchall()


def judge_latest_reply(
    conn: Connection[Any], case_id: int, verdict: str, *, at: datetime, actor: str, note: str | None
) -> None:
    conn.execute(
        "update accountability_replies set verdict = %s, verdict_at = %s, verdict_by = %s,"
        " verdict_note = %s where id = (select max(id) from accountability_replies"
        " where case_id = %s) and verdict is null",
        (verdict, at, actor, note, case_id),
    )


_APPEAL = (
    "id, case_id, filed_at, filed_by, reason, file_name, file_path, sha256, escalated_at,"
    " escalated_by, decision, decided_at, decided_by, decision_note"
)


def file_appeal(
    conn: Connection[Any],
    case_id: int,
    *,
    at: datetime,
    actor: str,
    reason: str,
    file_name: str | None = None,
    file_path: str | None = None,
    sha256: str | None = None,
) -> Appeal:
    with conn.cursor(row_factory=class_row(Appeal)) as cur:
        row = cur.execute(
            "insert into accountability_appeals (case_id, filed_at, filed_by, reason, file_name,"
            f" file_path, sha256) values (%s, %s, %s, %s, %s, %s, %s) returning {_APPEAL}",
            (case_id, at, actor, reason, file_name, file_path, sha256),
        ).fetchone()
    assert row is not None
    return row


def appeals(conn: Connection[Any], case_id: int) -> list[Appeal]:
    with conn.cursor(row_factory=class_row(Appeal)) as cur:
        return cur.execute(
            f"select {_APPEAL} from accountability_appeals where case_id = %s order by id",
            (case_id,),
        ).fetchall()


def escalate_appeal(conn: Connection[Any], case_id: int, *, at: datetime, actor: str) -> None:
    conn.execute(
        "update accountability_appeals set escalated_at = %s, escalated_by = %s"
        " where id = (select max(id) from accountability_appeals where case_id = %s)",
        (at, actor, case_id),
    )


def decide_appeal(
    conn: Connection[Any], case_id: int, decision: str, *, at: datetime, actor: str, note: str
) -> None:
    conn.execute(
        "update accountability_appeals set decision = %s, decided_at = %s, decided_by = %s,"
        " decision_note = %s where id = (select max(id) from accountability_appeals"
        " where case_id = %s) and decision is null",
        (decision, at, actor, note, case_id),
    )


def _first(row: Any) -> Any:
    return next(iter(row.values())) if isinstance(row, dict) else row[0]
