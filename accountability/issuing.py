"""Issue a case's notice: in one transaction the case moves draft → issued, the notice takes the
next number of its (centre, type, year) counter, its fields are composed and frozen, the measure
is recorded, and the case moves on to awaiting_reply (with a reply clock of `reply_days`
working days in the shared clocks table) or, for a 通报, to closed. The PDF and DOCX are rendered
after the commit from the frozen fields, so the counter row is locked only briefly; rendering
again later gives the same documents."""

from __future__ import annotations

import logging
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from psycopg import Connection

from accountability.deadlines import reply_due, restart_reply_clock
from accountability.files import Storage, sha256, write_once
from accountability.lifecycle import Action
from accountability.measures import Measure, warning_consequences
from accountability.notices.compose import NoticeContext, compose
from accountability.notices.document import EvidenceItem, NoticeFields, TimelineRow
from accountability.notices.docx import render_docx
from accountability.notices.pdf import render_pdf
from accountability.notices.types import NoticeType
from accountability.numbering import Issuer, default_issuer, doc_number
from accountability.service import SYSTEM, Actor, load, move, reply_required
from accountability.wording import CaseOrigin
from store.repos import audit, patrols
from store.repos.accountability import cases as repo
from store.repos.accountability import notices as notice_repo
from store.repos.accountability import origins as origin_repo
from store.repos.alerts import records as alert_repo

log = logging.getLogger(__name__)


def issue(
    conn: Connection[Any],
    case_id: int,
    actor: Actor,
    now: datetime,
    storage: Storage,
    *,
    render: bool = True,
) -> notice_repo.NoticeRow:
    """Issue the case's notice and render it (unless `render` is False: then the files are
    made on first download by `ensure_files`); returns the notice."""
    with conn.transaction():
        case = move(conn, load(conn, case_id, actor), Action.ISSUE, actor, now)
        center = notice_repo.center_info(conn, case.center_code)
        assert center is not None  # the case references it
        today = now.astimezone(ZoneInfo(center.timezone)).date()
        due = reply_due(conn, center, case.reply_days, now)[0] if reply_required(case) else None
        doc_type = NoticeType(case.notice_type)
        n = notice_repo.take_number(conn, case.center_code, doc_type.value, today.year)
        issuer = _issuer(center)
        number = str(doc_number(issuer, doc_type, today.year, n))
        fields = compose(_context(conn, case, issuer, number, today, due, center.timezone))
        notice = notice_repo.insert_notice(
            conn,
            notice_repo.NewNotice(
                case_id=case.id,
                center_code=case.center_code,
                region_code=case.region_code,
                department_code=case.department_code,
                doc_type=doc_type.value,
                year=today.year,
                number=n,
                doc_number=number,
                title=fields.title,
                issued_at=now,
                issued_by=actor.username,
                reply_due_at=due,
                fields=fields.model_dump(mode="json"),
            ),
        )
        _record_measure(conn, case, now, today.year, actor)
        if due is not None:
            case = move(
                conn,
                case,
                Action.AWAIT_REPLY,
                SYSTEM,
                now,
                reply_due_at=due,
                detail={"notice": number},
            )
            restart_reply_clock(conn, case, now)
        else:
            move(conn, case, Action.CLOSE, SYSTEM, now, detail={"notice": number})
        audit.write(
            conn,
            actor.username,
            "notice.issue",
            f"notice:{notice.id}",
            case.region_code,
            doc_number=number,
            case_id=case.id,
            doc_type=doc_type.value,
        )
    log.info("issued %s for case %s", number, case.id)
    return render_files(conn, notice, storage, now) if render else notice


def _issuer(center: notice_repo.CenterInfo) -> Issuer:
    if center.issuer_name and center.issuer_code:
        return Issuer(center.code, center.issuer_name, center.issuer_code)
    return default_issuer(center.code, center.name, center.region_name)


def _record_measure(
    conn: Connection[Any], case: repo.AccCase, now: datetime, year: int, actor: Actor
) -> None:
    nth = _nth_warning(conn, case, year)
    consequences = [c.value for c in warning_consequences(nth)] if nth else []
    repo.add_measure(conn, case, at=now, year=year, actor=actor.username, consequences=consequences)


def _context(
    conn: Connection[Any],
    case: repo.AccCase,
    issuer: Issuer,
    number: str,
    today: date,
    due: datetime | None,
    tz: str,
) -> NoticeContext:
    subject = repo.describe_subject(conn, case.subject_kind, case.subject_code)
    nth = _nth_warning(conn, case, today.year)
    items = repo.evidence(conn, case.id)
    timeline, evidence = _appendix(items, tz)
    return NoticeContext(
        doc_type=NoticeType(case.notice_type),
        issuer=issuer,
        doc_number=number,
        issued_on=today,
        case_title=case.title,
        department=case.department_name,
        subject_kind=case.subject_kind,
        subject_name=case.subject_name,
        facts=case.facts,
        measure=Measure(case.measure),
        reply_due=due.astimezone(ZoneInfo(tz)).date() if due else None,
        window_name=subject.window_name if subject else None,
        points=case.points,
        nth_warning=nth,
        consequences=warning_consequences(nth) if nth else (),
        timeline=timeline,
        evidence=evidence,
        origin=case_origin(conn, case, items),
    )


def _nth_warning(conn: Connection[Any], case: repo.AccCase, year: int) -> int:
    """This 效能告诫 is the person's nth of the year (0: the case is no 效能告诫 to a person)."""
    if case.measure != Measure.WARNING or case.subject_kind != "staff":
        return 0
    return 1 + sum(
        1
        for m in repo.measures_of(conn, "staff", case.subject_code, year=year)
        if m.measure == Measure.WARNING and m.revoked_at is None
    )


def case_origin(
    conn: Connection[Any], case: repo.AccCase, items: list[repo.Evidence]
) -> CaseOrigin:
    """What the case was opened from, for the notice's wording: an alert's rule (from the
    case's alert evidence, else the alert), a finding's checklist items, a complaint's category
    and whether it was found true. An origin that is gone words the case by its title."""
    key = (case.origin_ref or "").split(":", 1)[-1]
    if case.origin == "alert":
        rule = next((e.detail.get("rule") for e in items if e.kind == "alert"), None)
        if rule is None and key.isdigit():
            alert = alert_repo.get(conn, int(key))
            rule = alert.rule if alert else None
        return CaseOrigin("alert", rule=rule)
    if case.origin == "finding" and key.isdigit():
        found = patrols.finding(conn, int(key))
        return CaseOrigin("finding", items=tuple(found.items) if found else ())
    if case.origin == "complaint" and key:
        c = origin_repo.complaint_facts(conn, key)
        if c is not None:
            return CaseOrigin("complaint", category=c.category, substantiated=c.substantiated)
    return CaseOrigin(case.origin)


def _appendix(
    items: list[repo.Evidence], tz: str
) -> tuple[tuple[TimelineRow, ...], tuple[EvidenceItem, ...]]:
    zone = ZoneInfo(tz)

    def when(dt: datetime | None, fmt: str) -> str | None:
        return dt.astimezone(zone).strftime(fmt) if dt else None

    timeline = tuple(
        TimelineRow(at=when(e.occurred_at, "%Y-%m-%d %H:%M") or "", text=e.caption)
        for e in items
        if e.kind in ("timeline", "event", "alert")
    )
    evidence = tuple(
        EvidenceItem(
            kind=e.kind,
            caption=e.caption,
            at=when(e.occurred_at, "%Y-%m-%d %H:%M"),
            image=e.path if e.kind == "snapshot" else None,
            ref=e.ref,
        )
        for e in items
        if e.kind not in ("timeline", "event", "alert")
    )
    return timeline, evidence


def render_files(
    conn: Connection[Any], notice: notice_repo.NoticeRow, storage: Storage, now: datetime
) -> notice_repo.NoticeRow:
    """Render the notice's PDF and DOCX from its frozen fields and record their hashes."""
    fields = NoticeFields.model_validate(notice.fields)
    pdf = render_pdf(fields, official_fonts=storage.official_fonts)
    docx = render_docx(fields, official_fonts=storage.official_fonts)
    pdf_path = storage.notice_path(notice.year, notice.doc_type, notice.number, "pdf")
    docx_path = storage.notice_path(notice.year, notice.doc_type, notice.number, "docx")
    write_once(pdf_path, pdf)
    write_once(docx_path, docx)
    notice_repo.set_files(
        conn,
        notice.id,
        pdf_path=str(pdf_path),
        pdf_sha256=sha256(pdf),
        docx_path=str(docx_path),
        docx_sha256=sha256(docx),
        at=now,
    )
    fresh = notice_repo.get_notice(conn, notice.id)
    assert fresh is not None
    return fresh


def ensure_files(
    conn: Connection[Any], notice: notice_repo.NoticeRow, storage: Storage, now: datetime
) -> notice_repo.NoticeRow:
    """The notice with its PDF and DOCX on disk (rendered again if missing)."""
    paths = (notice.pdf_path, notice.docx_path)
    if all(p and Path(p).is_file() for p in paths):
        return notice
    return render_files(conn, notice, storage, now)
