"""Notices worded for the case's origin and rule, against the real database: cases opened from
alerts of each rule family (raised by the alert engine from ingested events, or by the rule
functions for the window and spike families), from a patrol finding, a complaint and by hand;
for each, a 督办通知书 and one other type issued, the PDF read back with pdftotext and the DOCX
with python-docx. The origin sentence and the rule breached are right, a non-deadline case
carries no deadline wording, and the DOCX says what the PDF says. Page 1 of each origin's
督办通知书 goes to test-artifacts/ for a look."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from docx import Document

from accountability.issuing import issue
from accountability.notices.types import NoticeType
from accountability.origins import open_from_alert, open_from_complaint, open_from_finding
from accountability.service import CaseDraft, delete_case, open_case
from alerts import rules
from alerts.findings import Finding, Rule
from alerts.findings import Place as AlertPlace
from alerts.rules import SpikeWindow
from alerts.state import WindowState
from core.calendar import DEFAULT_SCHEDULE, official_calendar
from store.repos import video_evidence
from store.repos.alerts import records
from tests.accountability.origin_samples import complaint_events, finding, snapshot
from tests.fix_accountability import SHANGHAI
from tests.fix_alerts import drain
from tests.fix_browser import ARTIFACTS
from tests.fix_ingest import submit
from tests.ingest import factory

ORGAN = "榆阳区政务服务中心效能监察室"
DEADLINE_WORDS = ("限时办结", "承诺时限", "法定时限", "办结期限", "承诺办结", "超期", "超时")
OPEN_AT = datetime(2025, 9, 30, 10, 0, tzinfo=SHANGHAI)  # after the September events below
W01 = "YY-ZW-W01"
WHERE = AlertPlace("610802", "YY-ZW", "YY-ZW-SCJG", W01)


def squash(text: str) -> str:
    return "".join(text.split())


def pdf_text(path: str) -> str:
    """The PDF's text without whitespace and page numbers (a paragraph may cross a page)."""
    out = subprocess.run(["pdftotext", path, "-"], capture_output=True, text=True, check=True)
    return re.sub(r"—\d+—", "", squash(out.stdout))


@dataclass(frozen=True)
class Read:
    """An issued notice as its files say it."""

    doc_type: str
    pdf_path: str
    pdf: str  # pdftotext, whitespace removed
    docx: str  # python-docx paragraphs, whitespace removed
    docx_paragraphs: list[str]
    body: list[str]  # the frozen fields' body paragraphs
    images: int  # pictures in the PDF


def issue_and_read(conn, case, actor, storage) -> Read:
    notice = issue(conn, case.id, actor, OPEN_AT, storage)
    doc = Document(notice.docx_path)
    paragraphs = [p.text for p in doc.paragraphs]
    images = subprocess.run(
        ["pdfimages", "-list", notice.pdf_path], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    return Read(
        notice.doc_type,
        notice.pdf_path,
        pdf_text(notice.pdf_path),
        squash("".join(paragraphs)),
        paragraphs,
        [p["text"] for p in notice.fields["body"]],
        len(images),
    )


def two_notices(
    conn, opener: Callable[[NoticeType], Any], other: NoticeType, actor, storage
) -> tuple[Read, Read]:
    """A 督办通知书 for the case, then (the case deleted and opened again) `other`."""
    first_case = opener(NoticeType.SUPERVISION_ORDER)
    first = issue_and_read(conn, first_case, actor, storage)
    delete_case(conn, first_case.id, actor, OPEN_AT, "改发其他文书")
    second = issue_and_read(conn, opener(other), actor, storage)
    return first, second


def check(read: Read, found: str, rule: tuple[str, ...], deadline: bool = False) -> None:
    """The origin sentence and the rule are in both files, the DOCX body is the PDF's, and a
    non-deadline case speaks of no deadline."""
    for text in (read.pdf, read.docx):
        assert squash(found) in text, read.doc_type
        for words in rule:
            assert squash(words) in text, (read.doc_type, words)
        if not deadline:
            assert [w for w in DEADLINE_WORDS if w in text] == [], read.doc_type
    for paragraph in read.body:
        assert paragraph in read.docx_paragraphs  # the same paragraph in the DOCX …
        assert squash(paragraph) in read.pdf  # … and in the PDF
    if deadline:
        assert "限时办结" in read.pdf


def look(read: Read, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    prefix = str(ARTIFACTS / f"notice-wording-{name}")
    page_one = ["-f", "1", "-l", "1", "-singlefile"]
    subprocess.run(["pdftoppm", "-png", "-r", "60", *page_one, read.pdf_path, prefix], check=True)


# ---------------------------------------------------------------- alerts


def ingest(conn, writer, validator, projector, events: list[dict[str, Any]]) -> None:
    assert submit(writer, validator, events).accepted == len(events)
    projector.catch_up(conn)


def alert_id(conn, rule: str, case_no: str | None = None) -> int:
    row = conn.execute(
        "select id from alerts where rule = %s and (%s::text is null or case_no = %s)"
        " order by id desc limit 1",
        (rule, case_no, case_no),
    ).fetchone()
    assert row is not None, f"no {rule} alert"
    return int(row["id"])


INSTANT = {
    "matter_code": factory.INSTANT_MATTER, "matter_name": "居民身份证换领",
    "case_type": "instant", "applicant_name": "李四",
}  # fmt: skip


def applied(case_no: str, when: datetime) -> dict[str, Any]:
    """A 承诺件 applied for, its matter named (as approval systems send it)."""
    event = factory.applied(case_no, when)
    return event | {"payload": event["payload"] | {"matter_name": "食品经营许可"}}


ACCEPT_INSTANT = {"matter_code": factory.INSTANT_MATTER, "case_type": "instant", "legal_days": 0}
EVENTS = {
    "case.promised_deadline": lambda: [
        applied("D1", factory.at(15, 9)),
        factory.accepted("D1", factory.at(15, 9, 20)),
    ],
    "fee.off_standard": lambda: [
        factory.event("case.applied", factory.at(16, 9), INSTANT, case_no="F1"),
        factory.event("case.accepted", factory.at(16, 9, 2), ACCEPT_INSTANT, case_no="F1"),
        factory.event(
            "fee.charged",
            factory.at(16, 9, 5),
            {"amount": "40.00", "receipt_no": "R1"},
            case_no="F1",
        ),
    ],
    "case.off_system": lambda: [
        applied("P1", factory.at(17, 9)),
        factory.accepted("P1", factory.at(17, 9, 20)),
        factory.completed("P1", factory.at(17, 9, 21)),
    ],
    "case.second_supplement": lambda: [
        applied("S1", factory.at(18, 9)),
        factory.supplement("S1", factory.at(18, 9, 10), requested=True),
        factory.supplement("S1", factory.at(19, 10), requested=True),
    ],
}
# rule -> (the other document, the rule breached as the notice words it, deadline case?)
ALERT_CASES = {
    "case.promised_deadline": (
        NoticeType.INSPECTION_NOTICE,
        (
            "关于食品经营许可办件超过承诺时限的",
            "政务服务限时办结制度关于在承诺时限内办结的规定",
            "督促承办人员依法依规尽快办结",
        ),
        True,
    ),
    "fee.off_standard": (
        NoticeType.RECTIFICATION_NOTICE,
        (
            "《中华人民共和国行政许可法》第五十九条关于按照公布的法定项目和标准收费的规定",
            "关于居民身份证换领办件收费与标准不符的",
            "办件编号F1（居民身份证换领）收费标准为20.00元，实际收取40.00元（票据号R1）",
            "多收的费用及时退还申请人",
        ),
        False,
    ),
    "case.off_system": (
        NoticeType.INSPECTION_ADVICE,
        ("关于食品经营许可办件疑似体外循环的", "严禁“体外循环”", "受理后仅60秒即办结"),
        False,
    ),
    "case.second_supplement": (
        NoticeType.WARNING_NOTICE,
        (
            "关于食品经营许可办件多次要求补正的",
            "《中华人民共和国行政许可法》第三十二条",
            "一次告知申请人需要补正的全部内容",
        ),
        False,
    ),
}


@pytest.mark.parametrize("rule", list(EVENTS))
def test_an_alerts_notices_name_the_e_supervision_finding_and_the_rule_of_its_family(
    rule, conn, actors, storage, bare_hall, writer, validator, projector, engine
):
    ingest(conn, writer, validator, projector, EVENTS[rule]())
    drain(engine)
    aid = alert_id(conn, rule)
    other, breached, deadline = ALERT_CASES[rule]
    supervisor = actors["supervisor"]

    def opener(kind: NoticeType):
        return open_from_alert(conn, aid, supervisor, OPEN_AT, notice_type=kind)

    first, second = two_notices(conn, opener, other, supervisor, storage)
    for read in (first, second):
        check(read, f"经{ORGAN}电子监察系统监测发现", breached, deadline)
    look(first, rule.replace(".", "-"))


def raise_alert(conn, f: Finding, **evidence: Any) -> int:
    """The alert of `f` with more evidence (a snapshot path, relative to the evidence folder)."""
    return records.apply_finding(conn, replace(f, evidence={**f.evidence, **evidence})).alert_id


def test_an_empty_window_alert_is_worded_as_seen_on_video_and_shows_its_snapshot(
    conn, actors, storage, bare_hall
):
    evidence_dir = storage.root / "evidence"
    start = datetime(2025, 9, 16, 10, 0, tzinfo=SHANGHAI)
    shot = video_evidence.evidence(conn, snapshot(conn, storage.root, W01, start))
    assert shot is not None and not shot.path.startswith("/")  # relative, as video stores it
    w = WindowState(W01, WHERE, DEFAULT_SCHEDULE, occupied=False, empty_since=start, waiting=2)
    ev = rules.window_evaluation(w, start + timedelta(minutes=35), official_calendar())
    [found] = [o for o in ev.outcomes if isinstance(o, Finding)]
    aid = raise_alert(conn, found, snapshot=shot.path)
    supervisor = actors["supervisor"]

    def opener(kind: NoticeType):
        return open_from_alert(
            conn, aid, supervisor, OPEN_AT, notice_type=kind, evidence_dir=evidence_dir
        )

    first, second = two_notices(conn, opener, NoticeType.BULLETIN, supervisor, storage)
    check(
        first,
        f"经{ORGAN}电子监察系统视频监测发现",
        ("关于1号窗口空岗的督办通知书", "窗口工作纪律关于工作时间坚守岗位、不得擅自离岗的规定",
         "市场监管局1号窗口无人在岗，持续35分钟，期间有2名群众等候"),
    )  # fmt: skip
    check(second, f"{ORGAN}在电子监察中发现", ("杜绝空岗、脱岗",))
    assert "现场截图" in first.pdf and first.images == 1  # the alert's snapshot, in the appendix
    look(first, "window-empty")


def test_a_bad_rating_spike_is_worded_as_found_by_statistics_against_satisfaction_rules(
    conn, actors, storage, bare_hall
):
    start = datetime(2025, 9, 16, 10, 0, tzinfo=SHANGHAI)
    place = AlertPlace("610802", "YY-ZW", "YY-ZW-SCJG")
    spike = SpikeWindow(Rule.BAD_RATING_SPIKE, "YY-ZW-SCJG", place, start, 8, 1.4, 0.99999)
    [found] = rules.spike_evaluation(spike, start + timedelta(hours=2)).outcomes
    assert isinstance(found, Finding)
    aid = records.apply_finding(conn, found).alert_id
    supervisor = actors["supervisor"]

    def opener(kind: NoticeType):
        return open_from_alert(conn, aid, supervisor, OPEN_AT, notice_type=kind)

    first, second = two_notices(conn, opener, NoticeType.RECTIFICATION_NOTICE, supervisor, storage)
    for read in (first, second):
        check(
            read,
            f"经{ORGAN}电子监察系统统计分析发现",
            ("市场监管局集中收到群众差评8件", "政务服务“好差评”制度", "向评价人回访"),
        )
    look(first, "rating-spike")


# ---------------------------------------------------------------- finding, complaint, by hand


def test_a_findings_notices_name_the_video_patrol_and_the_gbt_36112_checklist(
    conn, actors, storage, bare_hall
):
    found_at = datetime(2025, 9, 29, 9, 30, tzinfo=SHANGHAI)
    shot = snapshot(conn, storage.root, W01, found_at)
    fid = finding(conn, W01, found_at, evidence_id=shot, items=("on_duty", "appearance"))
    supervisor = actors["supervisor"]

    def opener(kind: NoticeType):
        return open_from_finding(
            conn, fid, supervisor, OPEN_AT, evidence_dir=storage.root / "evidence",
            notice_type=kind,
        )  # fmt: skip

    first, second = two_notices(conn, opener, NoticeType.WARNING_NOTICE, supervisor, storage)
    for read in (first, second):
        check(
            read,
            f"经{ORGAN}视频巡查发现",
            (
                "不得擅自离岗",
                "《政务服务中心服务现场管理规范》（GB/T 36112）关于窗口工作人员仪容仪表的要求",
                "按规定着装、佩戴工作牌",
            ),
        )
        assert read.images == 1
    look(first, "finding")


def test_a_substantiated_complaints_notices_name_the_check_and_answer_the_complainant(
    conn, actors, storage, bare_hall, writer, validator, projector
):
    complaint_events(
        writer, validator, "TS610802009", datetime(2025, 9, 22, 10, tzinfo=SHANGHAI),
        window="YY-ZW-W03", accepted=datetime(2025, 9, 23, 10, tzinfo=SHANGHAI),
        resolved=(datetime(2025, 9, 26, 16, tzinfo=SHANGHAI), True),
    )  # fmt: skip
    projector.catch_up(conn)
    supervisor = actors["supervisor"]

    def opener(kind: NoticeType):
        return open_from_complaint(conn, "TS610802009", supervisor, OPEN_AT, notice_type=kind)

    first, second = two_notices(conn, opener, NoticeType.INSPECTION_ADVICE, supervisor, storage)
    for read in (first, second):
        check(
            read,
            f"经{ORGAN}核查群众投诉",
            ("经核查投诉属实", "关于文明服务、规范用语的要求", "并将处理结果及时答复投诉人"),
        )
    look(first, "complaint")


def test_a_case_opened_by_hand_is_worded_as_investigated_with_the_rule_its_title_names(
    conn, actors, storage, bare_hall
):
    supervisor = actors["supervisor"]

    def opener(kind: NoticeType):
        draft = CaseDraft(
            "staff", "YY-ZW-W01-A", "1号窗口工作人员着装不规范",
            "2025年9月29日上午，1号窗口A岗工作人员未按规定着装、未佩戴工作牌",
            notice_type=kind,
        )  # fmt: skip
        return open_case(conn, draft, supervisor, OPEN_AT)

    first, second = two_notices(conn, opener, NoticeType.BULLETIN, supervisor, storage)
    check(first, f"经{ORGAN}调查核实", ("关于窗口工作人员仪容仪表的要求",))
    check(second, f"{ORGAN}在效能监察中发现", ("对照服务规范加强窗口人员仪容仪表管理",))
    look(first, "manual")
