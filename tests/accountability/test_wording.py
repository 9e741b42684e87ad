"""The wording of notices by the case's origin and rule, and the facts of a case opened from an
alert, worded for its rule (pure: no database). The alerts come from the real rule functions,
so the facts read the evidence the rules really write."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from accountability.alert_facts import ALERT_TITLES, AlertCase, alert_facts, alert_title
from accountability.facts import Place
from accountability.measures import Measure
from accountability.notices.compose import NoticeContext, body_text, compose
from accountability.notices.types import NoticeType
from accountability.numbering import default_issuer
from accountability.wording import (
    ALERT_GROUNDS,
    COMPLAINT_GROUNDS,
    GROUNDS,
    ITEM_GROUNDS,
    CaseOrigin,
    Ground,
    grounds_of,
    wording_for,
)
from alerts import rules
from alerts.findings import Finding, Rule
from alerts.findings import Place as AlertPlace
from alerts.rules import SpikeWindow
from alerts.state import CaseEvent, CaseTimeline, FeeCharge, MatterInfo, WindowState
from core.calendar import DEFAULT_SCHEDULE, official_calendar
from core.enums import CaseType, EventKind
from sim.names import COMPLAINT_CATEGORIES
from store.repos.accountability.cases import CaseFacts
from store.repos.alerts.records import AlertRow
from tests.fix_accountability import SHANGHAI
from video.patrol import CheckItem

# Words that belong to a case-handling time limit only.
DEADLINE_WORDS = ("限时办结", "承诺时限", "法定时限", "办结期限", "承诺办结", "超期", "超时")
ISSUER = default_issuer("YY-ZW", "榆阳区政务服务中心", "榆阳区")
ORGAN = ISSUER.name
T0 = datetime(2026, 10, 13, 10, 0, tzinfo=SHANGHAI)  # a Tuesday
NOW = T0 + timedelta(days=1)
WHERE = AlertPlace("610802", "YY-ZW", "YY-ZW-SCJG", "YY-ZW-W01")
PLACE = Place("市场监管局", "1号窗口")
PROMISED = MatterInfo("YY-ZW-M001", CaseType.PROMISED, 6, 20, None)
INSTANT = MatterInfo("YY-ZW-M002", CaseType.INSTANT, 0, 0, Decimal("20.00"))


def deadline_words(text: str) -> list[str]:
    return [w for w in DEADLINE_WORDS if w in text]


def row(f: Finding, **kw) -> AlertRow:
    """The alert row a finding becomes (as store.repos.alerts.records writes it)."""
    return AlertRow(
        id=1, rule=f.rule.value, subject=f.subject, dedup_key=f.dedup_key, level=f.level.value,
        status="open", region_code=f.place.region_code, center_code=f.place.center_code,
        department_code=f.place.department_code, window_code=f.place.window_code,
        case_no=f.case_no, summary=f.summary, evidence=dict(f.evidence), repeat_count=0,
        since=f.since, first_seen=f.since, last_seen=f.since, created_at=f.since,
        updated_at=f.since, escalation_role="supervisor", escalated_at=None, assignee=None,
        closed_at=None, dismiss_reason=None, silence_id=None, trigger_event_id=None,
    )  # fmt: skip


def the(evaluation, rule: Rule) -> Finding:
    return next(o for o in evaluation.outcomes if isinstance(o, Finding) and o.rule == rule)


def case(case_no: str, matter: str = "食品经营许可", **kw) -> CaseFacts:
    base = dict(
        case_no=case_no, center_code="YY-ZW", department_code="YY-ZW-SCJG",
        window_code="YY-ZW-W01", staff_id="YY-ZW-W01-A", matter_name=matter,
        case_type="promised", status="completed", accepted_at=T0, completed_at=None,
        promised_days=6, promised_due_at=None, legal_due_at=None,
    )  # fmt: skip
    return CaseFacts(**(base | kw))


def timeline(case_no: str, *events: tuple[EventKind, datetime]) -> CaseTimeline:
    return CaseTimeline(case_no, WHERE, tuple(CaseEvent(k, at) for k, at in events))


# ---------------------------------------------------------------- tables


def test_every_alert_rule_has_a_ground_and_a_title():
    assert set(ALERT_GROUNDS) == {r.value for r in Rule}
    assert set(ALERT_TITLES) == {r.value for r in Rule}


def test_every_checklist_item_and_complaint_category_has_a_ground():
    assert set(ITEM_GROUNDS) == {c.value for c in CheckItem}
    assert set(COMPLAINT_GROUNDS) >= set(COMPLAINT_CATEGORIES)


def test_every_ground_has_its_phrases_and_only_time_limits_speak_of_them():
    assert set(GROUNDS) == set(Ground)
    for ground, p in GROUNDS.items():
        for text in (p.basis, p.demand, p.prevent):
            assert text and not text.endswith(("。", "，", "；")), (ground, text)
        if not p.deadline:
            assert deadline_words(p.basis + p.demand + p.prevent) == [], ground


def test_the_rule_comes_from_the_origin_else_the_title_else_the_general_rule():
    assert grounds_of(CaseOrigin("alert", rule="fee.free_matter")) == (Ground.FEE_FREE,)
    finding = CaseOrigin("finding", items=("on_duty", "appearance", "on_duty"))
    assert grounds_of(finding) == (Ground.ON_DUTY, Ground.APPEARANCE)
    assert grounds_of(CaseOrigin("complaint", category="乱收费")) == (Ground.FEE_STANDARD,)
    assert grounds_of(CaseOrigin(), "食品经营许可办件超期未办结") == (Ground.PROMISED_DEADLINE,)
    assert grounds_of(CaseOrigin(), "免费事项违规收费") == (Ground.FEE_FREE,)
    assert grounds_of(CaseOrigin("alert"), "营业执照办件超过法定时限后延期") == (
        Ground.LATE_EXTENSION,
    )
    assert grounds_of(CaseOrigin(), "其他问题") == (Ground.GENERAL,)


@pytest.mark.parametrize(
    ("origin", "found"),
    [
        (CaseOrigin("alert", rule="fee.off_standard"), f"经{ORGAN}电子监察系统监测发现"),
        (CaseOrigin("alert", rule="window.empty"), f"经{ORGAN}电子监察系统视频监测发现"),
        (CaseOrigin("alert", rule="rating.spike"), f"经{ORGAN}电子监察系统统计分析发现"),
        (CaseOrigin("finding", items=("attitude",)), f"经{ORGAN}视频巡查发现"),
        (CaseOrigin("complaint", substantiated=True), f"经{ORGAN}核查群众投诉"),
        (CaseOrigin("complaint", substantiated=None), "据群众投诉反映"),
        (CaseOrigin("manual"), f"经{ORGAN}调查核实"),
    ],
)
def test_the_finding_sentence_names_what_found_the_problem(origin, found):
    assert wording_for(origin, ORGAN).found == found


# ---------------------------------------------------------------- bodies


def context(doc_type: NoticeType, origin: CaseOrigin, title: str, **kw) -> NoticeContext:
    base = dict(
        doc_type=doc_type, issuer=ISSUER, doc_number="榆政服效督〔2026〕1号",
        issued_on=date(2026, 10, 14), case_title=title, department="市场监管局",
        subject_kind="window", subject_name="1号窗口", facts="事实", measure=Measure.TALK,
        reply_due=date(2026, 10, 21), origin=origin,
    )  # fmt: skip
    return NoticeContext(**(base | kw))


CASES = [
    (CaseOrigin("alert", rule="fee.off_standard"), "营业执照办件收费与标准不符", "第五十九条"),
    (CaseOrigin("alert", rule="case.off_system"), "营业执照办件疑似体外循环", "体外循环"),
    (CaseOrigin("alert", rule="case.second_supplement"), "办件多次要求补正", "第三十二条"),
    (CaseOrigin("finding", items=("on_duty", "appearance")), "1号窗口工作人员不在岗", "GB/T 36112"),
    (CaseOrigin("complaint", category="服务态度", substantiated=True), "群众投诉", "文明服务"),
    (CaseOrigin("manual"), "1号窗口工作人员着装不规范", "仪容仪表"),
]


@pytest.mark.parametrize("doc_type", list(NoticeType))
@pytest.mark.parametrize(("origin", "title", "rule"), CASES)
def test_every_notice_type_words_a_non_deadline_case_by_its_origin_and_rule(
    doc_type, origin, title, rule
):
    words = wording_for(origin, ORGAN, title)
    body = body_text(context(doc_type, origin, title))
    assert words.during in body if doc_type is NoticeType.BULLETIN else words.found in body
    assert f"违反了{words.basis}" in body and rule in body
    if doc_type is NoticeType.BULLETIN:
        assert words.prevent in body  # 希望各进驻部门…以此为戒，<the lasting measure>
    else:
        assert words.demand in body  # the correction asked for
    assert deadline_words(body) == []
    assert "{" not in body and "。。" not in body and "，，" not in body


def test_a_deadline_case_keeps_the_deadline_wording():
    origin = CaseOrigin("alert", rule="case.promised_deadline")
    fields = compose(context(NoticeType.SUPERVISION_ORDER, origin, "食品经营许可办件超过承诺时限"))
    body = "".join(p.text for p in fields.body)
    assert "违反了政务服务限时办结制度关于在承诺时限内办结的规定" in body
    assert "督促承办人员依法依规尽快办结" in body


def test_a_complaint_asks_for_an_answer_to_the_complainant():
    origin = CaseOrigin("complaint", category="推诿扯皮", substantiated=True)
    body = body_text(context(NoticeType.INSPECTION_NOTICE, origin, "群众投诉推诿扯皮问题"))
    assert "首问负责制" in body and "并将处理结果及时答复投诉人" in body


def test_a_measure_against_a_department_is_said_to_the_unit():
    body = body_text(
        context(NoticeType.INSPECTION_NOTICE, CaseOrigin(), "收费", subject_kind="department")
    )
    assert "你单位存在以下问题" in body and "决定对你单位予以约谈" in body


# ---------------------------------------------------------------- facts of alerts


def about(f: Finding, c: CaseFacts | None = None, place: Place = PLACE) -> AlertCase:
    return AlertCase(row(f), c, place, NOW, SHANGHAI)


def test_a_fee_alert_states_the_standard_and_the_amount_not_a_deadline():
    charge = FeeCharge("C1", WHERE, T0, Decimal("40.00"), INSTANT, "R1")
    a = about(the(rules.fee_evaluation(charge), Rule.FEE_OFF_STANDARD), case("C1", "营业执照"))
    assert alert_title(a) == "营业执照办件收费与标准不符"
    text = alert_facts(a)
    assert text == (
        "办件编号C1（营业执照）收费标准为20.00元，实际收取40.00元（票据号R1），与收费标准不符。"
        "电子监察系统于2026年10月13日10时00分对该办件亮红牌"
    )
    free = FeeCharge("C2", WHERE, T0, Decimal("15"), replace(INSTANT, fee=None))
    text = alert_facts(about(the(rules.fee_evaluation(free), Rule.FEE_FOR_FREE_MATTER)))
    assert "为免费事项，却向申请人收取费用15元" in text and deadline_words(text) == []


def test_process_anomalies_say_what_happened_to_the_case():
    quick = timeline(
        "P1", (EventKind.CASE_ACCEPTED, T0), (EventKind.CASE_COMPLETED, T0 + timedelta(seconds=90))
    )
    ev = rules.process_evaluation(quick, PROMISED, official_calendar(), DEFAULT_SCHEDULE)
    text = alert_facts(about(the(ev, Rule.OFF_SYSTEM), case("P1")))
    assert "为承诺件，于2026年10月13日10时00分受理后仅90秒即办结" in text
    assert "体外循环" in text and deadline_words(text) == []

    asked = timeline(
        "S1",
        (EventKind.CASE_SUPPLEMENT_REQUESTED, T0),
        (EventKind.CASE_SUPPLEMENT_REQUESTED, T0 + timedelta(days=1)),
    )
    ev = rules.process_evaluation(asked, PROMISED, official_calendar(), DEFAULT_SCHEDULE)
    text = alert_facts(about(the(ev, Rule.SECOND_SUPPLEMENT), case("S1")))
    assert "先后于2026年10月13日10时00分、2026年10月14日10时00分2次要求申请人补正材料" in text
    assert "未做到一次性告知" in text and deadline_words(text) == []

    unaccepted = timeline("U1", (EventKind.CASE_COMPLETED, T0))
    ev = rules.process_evaluation(unaccepted, PROMISED, official_calendar(), DEFAULT_SCHEDULE)
    text = alert_facts(about(the(ev, Rule.COMPLETED_UNACCEPTED), case("U1")))
    assert "没有该办件的受理记录" in text and deadline_words(text) == []


def test_an_empty_window_says_since_when_how_long_and_who_waited():
    w = WindowState("YY-ZW-W01", WHERE, DEFAULT_SCHEDULE, occupied=False, empty_since=T0, waiting=3)
    ev = rules.window_evaluation(w, T0 + timedelta(minutes=40), official_calendar())
    a = about(the(ev, Rule.WINDOW_EMPTY))
    assert alert_title(a) == "1号窗口空岗"
    assert alert_facts(a) == (
        "2026年10月13日10时00分起，市场监管局1号窗口无人在岗，持续40分钟，期间有3名群众等候。"
        "电子监察系统于2026年10月13日10时00分亮红牌"
    )


def test_a_spike_says_how_many_against_the_usual():
    spike = SpikeWindow(Rule.BAD_RATING_SPIKE, "YY-ZW-SCJG", WHERE, T0, 9, 1.3, 0.99999)
    a = about(the(rules.spike_evaluation(spike, T0 + timedelta(hours=2)), Rule.BAD_RATING_SPIKE),
              place=Place("市场监管局"))  # fmt: skip
    assert alert_title(a) == "市场监管局差评集中"
    text = alert_facts(a)
    assert "自2026年10月13日10时00分起，市场监管局集中收到群众差评9件" in text
    assert "而按以往同期水平测算约为1.3件，差评数量明显异常" in text


def test_a_deadline_alert_keeps_its_deadline_facts():
    f = Finding(Rule.CASE_PROMISED, "D1", WHERE, rules.R, T0, "承诺时限红牌：D1", {}, case_no="D1")
    c = case("D1", promised_due_at=T0 - timedelta(days=1))
    text = alert_facts(about(f, c))
    assert text.startswith("办件编号D1（食品经营许可，承诺时限6个工作日）于2026年10月13日受理")
    assert "承诺办结期限为2026年10月12日，截至2026年10月14日10时00分仍未办结，超过承诺时限" in text


def test_an_alert_without_words_of_its_own_falls_back_to_its_summary():
    f = Finding(Rule.CASE_PROMISED, "D9", WHERE, rules.R, T0, "承诺时限红牌：D9", {}, case_no="D9")
    assert alert_facts(about(f)).startswith("承诺时限红牌：D9。电子监察系统于")


def test_a_standards_number_stays_on_one_line_in_the_pdf():
    from accountability.notices.pdf import keep_standards

    html = str(keep_standards("《规范》（GB/T 36112）和GB/T 9704-2012 <b>"))
    gap = '<span class="gap"></span>'
    assert html == (
        f'《规范》（<span class="nowrap">GB/T{gap}36112</span>）和'
        f'<span class="nowrap">GB/T{gap}9704-2012</span> &lt;b&gt;'
    )
