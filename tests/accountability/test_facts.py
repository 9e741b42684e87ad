"""The words of cases opened from a patrol finding or a complaint (pure: no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from accountability.facts import (
    FINDING_PHRASES,
    Place,
    complaint_facts,
    complaint_title,
    finding_facts,
    finding_timeline,
    finding_title,
    origin_text,
)
from core.enums import ComplaintChannel
from store.repos.accountability.origins import ComplaintFacts
from store.repos.patrols import FindingHistoryRow, FindingRow
from tests.fix_accountability import SHANGHAI
from video.patrol import CheckItem, finding_clocks

FOUND = datetime(2026, 10, 14, 9, 30, tzinfo=SHANGHAI)
CLOCKS = finding_clocks(FOUND)
FINDING = FindingRow(
    id=7,
    patrol_id=None,
    window_code="YY-ZW-W01",
    center_code="YY-ZW",
    department_code="YY-ZW-SCJG",
    region_code="610802",
    inspector="inspector",
    items=["on_duty", "attitude"],
    severity="major",
    note="窗口无人，群众等候十分钟。",
    evidence_id=3,
    found_at=FOUND,
    respond_due_at=CLOCKS.respond_due_at,
    fix_due_at=CLOCKS.fix_due_at,
    status="open",
    responded_at=None,
    fixed_at=None,
)
PLACE = Place("市场监管局", "1号窗口", "张三")
COMPLAINT = ComplaintFacts(
    complaint_no="TS610802001",
    region_code="610802",
    center_code="YY-ZW",
    department_code="YY-ZW-GA",
    department_name="公安局",
    window_code="YY-ZW-W03",
    staff_id=None,
    channel="12345",
    category="服务态度",
    summary="工作人员态度生硬，拒绝解释补正要求。",
    status="resolved",
    filed_at=datetime(2026, 10, 8, 10, 0, tzinfo=SHANGHAI),
    accepted_at=datetime(2026, 10, 9, 10, 0, tzinfo=SHANGHAI),
    resolved_at=datetime(2026, 10, 12, 16, 0, tzinfo=SHANGHAI),
    substantiated=True,
    satisfied=False,
)


def test_every_checklist_item_has_a_phrase_for_the_notice():
    assert set(FINDING_PHRASES) == {c.value for c in CheckItem}


def test_finding_facts_say_when_where_who_what_and_the_inspectors_note():
    text = finding_facts(FINDING, PLACE, FOUND + timedelta(minutes=20), SHANGHAI)
    assert text.startswith(
        "2026年10月14日9时30分，视频巡查发现市场监管局1号窗口（当班工作人员张三）"
    )
    assert "工作人员不在岗、工作人员服务态度不佳，情节较重" in text
    assert "巡查记录：窗口无人，群众等候十分钟。" in text  # one full stop, not two
    assert "应于2026年10月14日10时30分前响应、2026年10月15日9时30分前整改到位" in text
    assert text.endswith("截至2026年10月14日9时50分所在单位未响应")


def test_finding_facts_say_which_clocks_ran_out():
    late = finding_facts(FINDING, PLACE, FOUND + timedelta(hours=2), SHANGHAI)
    assert late.endswith("所在单位未响应，已超过响应时限")
    very_late = finding_facts(FINDING, PLACE, FOUND + timedelta(days=2), SHANGHAI)
    assert very_late.endswith("已超过响应和整改时限")
    responded = replace(FINDING, status="responded", responded_at=FOUND + timedelta(hours=3))
    text = finding_facts(responded, PLACE, FOUND + timedelta(days=2), SHANGHAI)
    assert "12时30分响应（超过响应时限）" in text and text.endswith("已超过整改时限")
    fixed = replace(responded, status="fixed", fixed_at=FOUND + timedelta(hours=5))
    assert finding_facts(fixed, PLACE, FOUND + timedelta(days=2), SHANGHAI).endswith(
        "该问题于2026年10月14日14时30分整改到位"
    )


def test_a_finding_title_names_the_window_and_the_problems():
    assert finding_title(FINDING, PLACE) == "1号窗口工作人员不在岗、工作人员服务态度不佳"


def test_the_finding_timeline_adds_each_clock_that_ran_out_in_time_order():
    history = [
        FindingHistoryRow(FOUND, "inspector", "opened", "窗口无人"),
        FindingHistoryRow(FOUND + timedelta(hours=3), "liaison", "responded", ""),
    ]
    rows = finding_timeline(FINDING, history, FOUND + timedelta(days=2), {"liaison": "王联络"})
    assert [text for _, text in rows] == [
        "视频巡查发现问题：工作人员不在岗、工作人员服务态度不佳（inspector）",
        "响应时限届满，所在单位未响应",
        "所在单位响应（王联络）",
        "整改时限届满，问题未整改到位",
    ]
    on_time = finding_timeline(FINDING, history[:1], FOUND + timedelta(minutes=5))
    assert len(on_time) == 1


def test_complaint_facts_say_the_channel_whom_what_and_the_verdict():
    place = Place("公安局", "3号窗口")
    text = complaint_facts(COMPLAINT, place, datetime(2026, 10, 14, 9, tzinfo=SHANGHAI), SHANGHAI)
    assert text == (
        "2026年10月8日，群众通过12345政务服务便民热线投诉公安局3号窗口服务态度问题"
        "（投诉编号TS610802001），反映：工作人员态度生硬，拒绝解释补正要求。"
        "该投诉于2026年10月12日办结，经核查投诉属实，投诉人对处理结果不满意"
    )
    assert complaint_title(COMPLAINT, place) == "群众投诉3号窗口服务态度问题"


def test_an_open_complaint_says_how_far_it_got():
    now = datetime(2026, 10, 14, 9, tzinfo=SHANGHAI)
    accepted = replace(COMPLAINT, status="accepted", resolved_at=None, substantiated=None)
    assert complaint_facts(accepted, Place("公安局"), now, SHANGHAI).endswith(
        "该投诉于2026年10月9日受理，截至2026年10月14日9时00分尚未办结"
    )
    filed = replace(accepted, status="filed", accepted_at=None)
    assert "尚未受理" in complaint_facts(filed, Place("公安局"), now, SHANGHAI)


def test_every_complaint_channel_has_words():
    from accountability.facts import CHANNEL_PHRASES

    assert set(CHANNEL_PHRASES) == {c.value for c in ComplaintChannel}


def test_the_origin_of_a_case_reads_as_its_source():
    assert origin_text("finding", "finding:7") == "巡查发现 #7"
    assert origin_text("alert", "alert:12") == "告警 #12"
    assert origin_text("complaint", "complaint:TS001") == "群众投诉 TS001"
    assert origin_text("manual", None) == "手工立案"
