"""Accountability cases against the real database: open, issue, reply, verify, appeal, delete —
every step a history row and an audit entry; the reply clock is a row of the clocks table."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from accountability.issuing import issue
from accountability.lifecycle import Action, TransitionError
from accountability.measures import Measure
from accountability.notices.types import NoticeType
from accountability.replies import appeal, decide_appeal, return_reply, upload_reply, verify
from accountability.service import Actor, NotFound, delete_case, suggestion_for
from core.enums import Role
from store.repos import audit
from store.repos.accountability import cases as repo
from store.repos.accountability import notices as notice_repo
from tests.fix_accountability import NOW, SHANGHAI

REPORT = "关于食品经营许可办件超期问题的整改报告：已办结，责任人已作书面检查。".encode()
LATER = NOW + timedelta(days=2)


def test_opening_the_same_alert_twice_gives_one_case(open_staff_case, conn):
    first = open_staff_case(origin_ref="alert:41")
    again = open_staff_case(origin_ref="alert:41")
    assert again.id == first.id
    assert first.state == "draft" and first.department_name == "市场监管局"
    assert first.subject_name == "1号窗口A岗"
    assert [h.action for h in repo.history(conn, first.id)] == ["open"]


def test_issuing_numbers_the_notice_and_starts_a_five_working_day_reply_clock(
    open_staff_case, conn, actors, storage
):
    case = open_staff_case()
    notice = issue(conn, case.id, actors["supervisor"], NOW, storage)
    assert notice.doc_number == "榆政服效督〔2026〕1号"
    case = repo.get_case(conn, case.id)
    assert case.state == "awaiting_reply"
    # Wed 14 Oct + 5 working days = Wed 21 Oct, close of business
    assert case.reply_due_at == datetime(2026, 10, 21, 17, 30, tzinfo=SHANGHAI)
    clock = repo.reply_clock(conn, case.id)
    assert clock["state"] == "running" and clock["next_fire_at"] == case.reply_due_at
    assert clock["budget"] == 5 and clock["policy"] == "deadline"
    pdf = Path(notice.pdf_path).read_bytes()
    assert hashlib.sha256(pdf).hexdigest() == notice.pdf_sha256
    assert Path(notice.docx_path).is_file()
    assert [h.to_state for h in repo.history(conn, case.id)] == [
        "draft",
        "issued",
        "awaiting_reply",
    ]
    actions = {e.action for e in audit.recent(conn)}
    assert {"accountability.open", "accountability.issue", "notice.issue"} <= actions
    [measure] = repo.measures_of(conn, "staff", "YY-ZW-W01-A")
    assert measure.measure == "reminder" and measure.year == 2026


def test_the_liaison_replies_and_the_supervisor_verifies_and_closes(
    open_staff_case, conn, actors, storage
):
    case = open_staff_case()
    issue(conn, case.id, actors["supervisor"], NOW, storage, render=False)
    reply = upload_reply(
        conn, case.id, actors["liaison"], LATER, storage, file_name="../整改报告.txt", data=REPORT
    )
    assert reply.sha256 == hashlib.sha256(REPORT).hexdigest()
    assert Path(reply.file_path).read_bytes() == REPORT
    assert reply.file_name == "整改报告.txt"  # no directories from the client
    assert repo.reply_clock(conn, case.id)["state"] == "stopped"
    closed = verify(conn, case.id, actors["supervisor"], LATER, "整改到位")
    assert closed.state == "closed"
    assert notice_repo.replies(conn, case.id)[0].verdict == "accepted"


def test_a_liaison_sees_and_answers_only_their_own_department(
    open_staff_case, conn, actors, storage
):
    stranger = Actor("liaison-ga", Role.LIAISON, "610802", "YY-ZW-GA")
    case = open_staff_case()
    issue(conn, case.id, actors["supervisor"], NOW, storage, render=False)
    with pytest.raises(NotFound):
        upload_reply(conn, case.id, stranger, LATER, storage, file_name="x.txt", data=b"x")
    assert notice_repo.list_notices(conn, **stranger.scope) == []
    assert len(notice_repo.list_notices(conn, **actors["liaison"].scope)) == 1


def test_a_returned_report_restarts_the_reply_clock(open_staff_case, conn, actors, storage):
    case = open_staff_case()
    issue(conn, case.id, actors["supervisor"], NOW, storage, render=False)
    upload_reply(conn, case.id, actors["liaison"], LATER, storage, file_name="r.txt", data=REPORT)
    with pytest.raises(TransitionError, match="理由"):
        return_reply(conn, case.id, actors["supervisor"], LATER, " ")
    back = return_reply(conn, case.id, actors["supervisor"], LATER, "整改措施不具体")
    assert back.state == "awaiting_reply"
    assert back.reply_due_at == datetime(2026, 10, 23, 17, 30, tzinfo=SHANGHAI)  # Fri 16 + 5
    clock = repo.reply_clock(conn, case.id)
    assert clock["state"] == "running" and clock["next_fire_at"] == back.reply_due_at


def test_an_upheld_appeal_revokes_the_measure_and_voids_the_notice(
    open_staff_case, conn, actors, storage
):
    case = open_staff_case(measure=Measure.ADMONITION, notice=NoticeType.INSPECTION_NOTICE)
    issue(conn, case.id, actors["supervisor"], NOW, storage, render=False)
    appeal(conn, case.id, actors["liaison"], LATER, storage, reason="该办件已按特别程序暂停计时")
    assert repo.reply_clock(conn, case.id)["state"] == "stopped"
    with pytest.raises(TransitionError):
        decide_appeal(conn, case.id, actors["leader"], LATER, Action.REVOKE, "未提请")
    revoked = decide_appeal(conn, case.id, actors["supervisor"], LATER, Action.REVOKE, "情况属实")
    assert revoked.state == "revoked"
    [notice] = notice_repo.list_notices(conn, region_prefix="610802")
    assert notice.voided_at is not None
    # the revoked 诫勉谈话 no longer counts: the next suggestion starts again from 提醒
    assert suggestion_for(conn, "staff", "YY-ZW-W01-A", LATER).measure is Measure.REMINDER
    assert notice_repo.appeals(conn, case.id)[0].decision == "revoke"


def test_an_escalated_appeal_rejected_by_the_leader_makes_the_reply_due_again(
    open_staff_case, conn, actors, storage
):
    case = open_staff_case()
    issue(conn, case.id, actors["supervisor"], NOW, storage, render=False)
    appeal(conn, case.id, actors["liaison"], LATER, storage, reason="不服")
    decide_appeal(conn, case.id, actors["supervisor"], LATER, Action.ESCALATE, "请领导决定")
    back = decide_appeal(conn, case.id, actors["leader"], LATER, Action.REJECT_APPEAL, "维持")
    assert back.state == "awaiting_reply"
    assert repo.reply_clock(conn, case.id)["state"] == "running"
    decided = notice_repo.appeals(conn, case.id)[0]
    assert (decided.escalated_by, decided.decided_by, decided.decision) == (
        "supervisor",
        "leader",
        "reject",
    )


def test_deleting_needs_a_reason_and_never_frees_the_number(open_staff_case, conn, actors, storage):
    first = open_staff_case()
    issue(conn, first.id, actors["supervisor"], NOW, storage, render=False)
    with pytest.raises(TransitionError, match="理由"):
        delete_case(conn, first.id, actors["supervisor"], LATER, "")
    gone = delete_case(conn, first.id, actors["supervisor"], LATER, "重复立案")
    assert gone.state == "deleted" and gone.deleted_reason == "重复立案"
    second = open_staff_case(staff_id="YY-ZW-W02-A")
    notice = issue(conn, second.id, actors["supervisor"], LATER, storage, render=False)
    assert notice.doc_number == "榆政服效督〔2026〕2号"
    assert "accountability.delete" in {e.action for e in audit.recent(conn, actor="supervisor")}


def test_a_bulletin_needs_no_reply_and_closes_on_issue(open_staff_case, conn, actors, storage):
    case = open_staff_case(measure=Measure.CRITICISM, notice=NoticeType.BULLETIN)
    notice = issue(conn, case.id, actors["supervisor"], NOW, storage, render=False)
    assert notice.doc_number == "榆政服效通〔2026〕1号" and notice.reply_due_at is None
    assert repo.get_case(conn, case.id).state == "closed"
    assert repo.reply_clock(conn, case.id) is None
    assert notice.fields["addressee"] == "各进驻部门、各窗口"


def test_the_third_efficiency_warning_of_a_year_carries_the_counting_rule(
    open_staff_case, conn, actors, storage
):
    for _ in range(3):
        case = open_staff_case(measure=Measure.WARNING, notice=NoticeType.WARNING_NOTICE)
        notice = issue(conn, case.id, actors["supervisor"], NOW, storage, render=False)
    body = "".join(p["text"] for p in notice.fields["body"])
    assert "此为其本年度第3次效能告诫" in body and "停职待岗" in body
    measures = repo.measures_of(conn, "staff", "YY-ZW-W01-A", year=2026)
    assert "suspension" in measures[-1].consequences
    assert suggestion_for(conn, "staff", "YY-ZW-W01-A", LATER).measure is Measure.REFERRAL
