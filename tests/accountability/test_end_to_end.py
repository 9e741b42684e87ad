"""From a planted overdue 办件 of the twin to its red alert (ingest → projector → the alert
engine's clock timers), an accountability case opened from the alert, and a 督办通知书 whose
number, facts, department and reply deadline are right in the PDF (pdftotext) and the DOCX
(python-docx)."""

from __future__ import annotations

import subprocess
from datetime import datetime
from zoneinfo import ZoneInfo

from docx import Document

from accountability.issuing import issue
from accountability.origins import open_from_alert
from accountability.service import Actor
from store.repos import users
from store.repos.accountability import cases as repo
from tests.fix_browser import ARTIFACTS

TZ = ZoneInfo("Asia/Shanghai")


def squash(text: str) -> str:
    return "".join(text.split())


def test_a_planted_overdue_case_ends_in_a_supervision_order_with_the_right_fields(october, storage):
    # `october`: the twin's month went through ingest's writer and projector, then the alert
    # engine's clock timers (tests/accountability/conftest.py)
    conn, data = october
    planted = {
        v["case_no"] for v in data.truth["violations"] if v["kind"] == "case_overdue_promised"
    }
    assert planted
    red = conn.execute(
        "select id, case_no, department_code from alerts where rule = 'case.promised_deadline'"
        " and level = 'red' and case_no = any(%s) and not exists (select 1 from"
        " accountability_cases c where c.origin_ref = 'alert:' || alerts.id)"
        " order by id desc limit 1",
        (list(planted),),
    ).fetchone()
    assert red is not None, "no red alert for a planted overdue case"

    supervisor = Actor.of(users.get(conn, "supervisor"))
    now = datetime.now(TZ)
    case = open_from_alert(conn, red["id"], supervisor, now)
    facts = repo.case_facts(conn, red["case_no"])
    assert case.origin_ref == f"alert:{red['id']}"
    assert (case.subject_kind, case.subject_code) == ("staff", facts.staff_id)
    assert red["case_no"] in case.facts and "超过承诺时限" in case.facts

    notice = issue(conn, case.id, supervisor, now, storage)
    case = repo.get_case(conn, case.id)
    due = case.reply_due_at.astimezone(TZ)
    deadline = f"请于{due.year}年{due.month}月{due.day}日前"
    assert case.state == "awaiting_reply" and due.hour == 17

    text = squash(
        subprocess.run(["pdftotext", notice.pdf_path, "-"], capture_output=True, text=True,
                       check=True).stdout
    )  # fmt: skip
    assert notice.doc_number == f"{notice.doc_number[:5]}〔{now.year}〕{notice.number}号"
    assert notice.doc_number in text
    assert f"{case.department_name}：" in text  # the addressee
    assert squash(case.facts) in text
    assert deadline in text
    assert "督办通知书" in text and "相关证据材料" in text

    doc = Document(notice.docx_path)
    body = squash("\n".join(p.text for p in doc.paragraphs))
    assert notice.doc_number in body
    assert f"{case.department_name}：" in body
    assert squash(case.facts) in body
    assert deadline in body
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "窗口受理" in cells  # the 办件's timeline in the evidence appendix
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", notice.pdf_path,
                    str(ARTIFACTS / "notice-e2e")], check=True)  # fmt: skip
