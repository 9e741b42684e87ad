"""Cases opened from a video-patrol finding and from a complaint, against the real database:
the subject (who was on duty, else the window; the window or department a complaint names),
the facts, the evidence (the finding's snapshot, in the 督办通知书's appendix), the origin link,
one live case per origin, the audit log."""

from __future__ import annotations

import hashlib
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from accountability.issuing import issue
from accountability.origins import open_from_complaint, open_from_finding
from accountability.service import AccountabilityError, NotFound, delete_case
from store.repos import audit
from store.repos.accountability import cases as repo
from store.repos.accountability import origins as origin_repo
from tests.accountability.origin_samples import clock_events, complaint_events, finding, snapshot
from tests.fix_accountability import SHANGHAI

FOUND = datetime(2026, 10, 14, 9, 30, tzinfo=SHANGHAI)
LATER = FOUND + timedelta(hours=2)
W01, A, B = "YY-ZW-W01", "YY-ZW-W01-A", "YY-ZW-W01-B"


@pytest.fixture
def shot_finding(conn, bare_hall, storage):
    """A finding at window 1 with its snapshot: (finding id, evidence id)."""
    evidence_id = snapshot(conn, storage.root, W01, FOUND)
    return finding(conn, W01, FOUND, evidence_id=evidence_id), evidence_id


def open_finding(conn, finding_id, actor, storage, now=LATER):
    return open_from_finding(conn, finding_id, actor, now, evidence_dir=storage.root / "evidence")


def test_a_finding_is_charged_to_the_one_staff_member_on_duty_with_facts_and_snapshot(
    conn, actors, storage, shot_finding, writer, validator
):
    fid, evidence_id = shot_finding
    clock_events(
        writer,
        validator,
        [
            ("in", A, FOUND - timedelta(hours=1)),
            ("in", B, FOUND - timedelta(minutes=50)),
            ("out", B, FOUND - timedelta(minutes=20)),  # B left before the finding
            ("out", A, FOUND + timedelta(hours=8)),  # A's clock-out after it does not count
        ],
    )
    case = open_finding(conn, fid, actors["supervisor"], storage)

    assert (case.subject_kind, case.subject_code, case.subject_name) == ("staff", A, "1号窗口A岗")
    assert (case.origin, case.origin_ref, case.state) == ("finding", f"finding:{fid}", "draft")
    assert case.department_name == "市场监管局"
    assert case.title == "1号窗口工作人员不在岗"
    assert case.facts.startswith(
        "2026年10月14日9时30分，视频巡查发现市场监管局1号窗口（当班工作人员1号窗口A岗）工作人员不在岗"
    )
    assert "巡查记录：窗口无人在岗，群众等候" in case.facts
    assert "已超过响应时限" in case.facts  # 11:30, the 1-hour response ran out at 10:30

    evidence = repo.evidence(conn, case.id)
    shot = next(e for e in evidence if e.kind == "snapshot")
    assert Path(shot.path).is_absolute() and Path(shot.path).is_file()
    assert shot.sha256 == hashlib.sha256(Path(shot.path).read_bytes()).hexdigest()
    assert shot.ref == f"evidence:{evidence_id}" and shot.occurred_at == FOUND
    assert [e.caption for e in evidence if e.kind == "timeline"] == [
        "视频巡查发现问题：工作人员不在岗（inspector）",
        "响应时限届满，所在单位未响应",
    ]
    opened = audit.recent(conn, action="accountability.open")
    assert [(a.subject, a.detail["origin_ref"]) for a in opened] == [
        (f"case:{case.id}", f"finding:{fid}")
    ]


def test_a_finding_without_one_person_on_duty_is_charged_to_the_window(
    conn, actors, storage, shot_finding, writer, validator
):
    fid, _ = shot_finding
    clock_events(writer, validator, [("in", A, FOUND - timedelta(hours=1))])
    clock_events(writer, validator, [("in", B, FOUND - timedelta(hours=1))])  # both on duty
    case = open_finding(conn, fid, actors["supervisor"], storage)
    assert (case.subject_kind, case.subject_code, case.subject_name) == ("window", W01, "1号窗口")
    assert "当班" not in case.facts


def test_a_second_click_on_a_finding_shows_the_first_case(
    conn, actors, storage, shot_finding, writer, validator
):
    fid, _ = shot_finding
    first = open_finding(conn, fid, actors["supervisor"], storage)
    assert first.subject_kind == "window"  # nobody clocked in yet
    # a late clock-in would now name a person: the finding still has its one case
    clock_events(writer, validator, [("in", A, FOUND - timedelta(hours=1))])
    again = open_finding(conn, fid, actors["supervisor"], storage, now=LATER + timedelta(hours=1))
    assert again.id == first.id and again.subject_kind == "window"
    assert len(repo.list_cases(conn, region_prefix=None)) == 1
    assert len(repo.evidence(conn, first.id)) == len(repo.evidence(conn, again.id))
    assert origin_repo.live_cases_of(conn, "finding", [f"finding:{fid}", "finding:0"]) == {
        f"finding:{fid}": first.id
    }


def test_a_finding_whose_case_was_deleted_can_be_opened_again(conn, actors, storage, shot_finding):
    fid, _ = shot_finding
    first = open_finding(conn, fid, actors["supervisor"], storage)
    delete_case(conn, first.id, actors["supervisor"], LATER, "误立案")
    second = open_finding(conn, fid, actors["supervisor"], storage)
    assert second.id != first.id and second.origin_ref == first.origin_ref


def test_only_a_supervisor_in_scope_opens_a_case_from_a_finding(
    conn, actors, storage, shot_finding
):
    fid, _ = shot_finding
    for who in ("inspector", "liaison", "admin", "leader"):
        with pytest.raises(AccountabilityError):
            open_finding(conn, fid, actors[who], storage)
    with pytest.raises(NotFound):
        open_finding(conn, 999_999, actors["supervisor"], storage)
    assert repo.list_cases(conn, region_prefix=None) == []


def test_the_supervision_order_of_a_finding_shows_its_snapshot_in_the_appendix(
    conn, actors, storage, shot_finding
):
    fid, _ = shot_finding
    case = open_finding(conn, fid, actors["supervisor"], storage)
    notice = issue(conn, case.id, actors["supervisor"], LATER, storage)
    text = "".join(
        subprocess.run(
            ["pdftotext", notice.pdf_path, "-"], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    assert "关于1号窗口工作人员不在岗的督办通知书" in text
    assert "相关证据材料" in text and "视频巡查截图" in text
    images = subprocess.run(
        ["pdfimages", "-list", notice.pdf_path], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert [line.split()[3:5] for line in images] == [["640", "360"]]  # the snapshot, whole


def test_a_substantiated_complaint_about_a_window_opens_a_case_with_its_events(
    conn, actors, bare_hall, writer, validator, projector
):
    complaint_events(
        writer,
        validator,
        "TS610802001",
        FOUND - timedelta(days=6),
        window="YY-ZW-W03",
        accepted=FOUND - timedelta(days=5),
        resolved=(FOUND - timedelta(days=1), True),
    )
    projector.catch_up(conn)
    listed = origin_repo.open_complaints(conn, region_prefix="610802")
    assert [(c.complaint_no, c.window_code) for c in listed] == [("TS610802001", "YY-ZW-W03")]

    case = open_from_complaint(conn, "TS610802001", actors["supervisor"], LATER)
    assert (case.subject_kind, case.subject_code, case.department_name) == (
        "window",
        "YY-ZW-W03",
        "公安局",
    )
    assert (case.origin, case.origin_ref) == ("complaint", "complaint:TS610802001")
    assert case.title == "群众投诉3号窗口服务态度问题"
    assert case.facts.startswith(
        "2026年10月8日，群众通过12345政务服务便民热线投诉公安局3号窗口服务态度问题"
    )
    assert "经核查投诉属实，投诉人对处理结果不满意" in case.facts
    evidence = repo.evidence(conn, case.id)
    assert [e.caption for e in evidence] == ["投诉登记", "投诉受理", "投诉办结"]

    again = open_from_complaint(conn, "TS610802001", actors["supervisor"], LATER)
    assert again.id == case.id
    assert origin_repo.open_complaints(conn, region_prefix="610802") == []  # it has its case


def test_a_complaint_is_charged_to_the_staff_member_else_the_department_it_names(
    conn, actors, bare_hall, writer, validator, projector
):
    complaint_events(writer, validator, "TS1", FOUND, department="YY-ZW-SCJG", window=W01, staff=A)
    complaint_events(writer, validator, "TS2", FOUND, department="YY-ZW-SCJG")
    projector.catch_up(conn)
    one = open_from_complaint(conn, "TS1", actors["supervisor"], LATER)
    two = open_from_complaint(conn, "TS2", actors["supervisor"], LATER)
    assert (one.subject_kind, one.subject_code) == ("staff", A)
    assert (two.subject_kind, two.subject_code) == ("department", "YY-ZW-SCJG")
    assert "截至2026年10月14日11时30分该投诉尚未受理" in two.facts


def test_unfounded_resolved_complaints_are_not_offered_and_others_stay_in_scope(
    conn, actors, bare_hall, writer, validator, projector
):
    complaint_events(writer, validator, "TS1", FOUND, resolved=(LATER, False))  # not founded
    complaint_events(writer, validator, "TS2", FOUND, department="YY-ZW-SCJG")
    complaint_events(writer, validator, "TS3", FOUND, department="YY-ZW-GA")
    projector.catch_up(conn)
    everyone = origin_repo.open_complaints(conn, region_prefix="610802")
    assert sorted(c.complaint_no for c in everyone) == ["TS2", "TS3"]
    own = origin_repo.open_complaints(conn, region_prefix="610802", department_code="YY-ZW-SCJG")
    assert [c.complaint_no for c in own] == ["TS2"]
    assert origin_repo.open_complaints(conn, region_prefix="610803") == []
    with pytest.raises(AccountabilityError):
        open_from_complaint(conn, "TS2", actors["liaison"], LATER)
    with pytest.raises(NotFound):
        open_from_complaint(conn, "TS404", actors["supervisor"], LATER)
