"""Accountability fixtures: the people of the small hall as actors, a storage under the test's
temporary directory, a fixed `now`, and a helper that opens a case against a staff member."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from accountability.files import Storage
from accountability.measures import Measure
from accountability.notices.types import NoticeType
from accountability.service import Actor, CaseDraft, open_case
from core.enums import AlertLevel, Role
from hallwatch.demo import DEMO_USERS

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 10, 14, 9, 0, tzinfo=SHANGHAI)  # a Wednesday
FACTS = (
    "办件编号YY-ZW-2026-000123（食品经营许可，承诺时限6个工作日）于2026年9月28日受理，"
    "承诺办结期限为2026年10月13日，截至2026年10月14日9时仍未办结，已超过承诺时限"
)


@pytest.fixture
def storage(tmp_path) -> Storage:
    return Storage(tmp_path / "var")


@pytest.fixture
def actors(bare_hall) -> dict[str, Actor]:
    """The demo people of the small hall as actors: supervisor, inspector, liaison (of the
    hall's first department), leader, admin (the same names and scopes as hallwatch.demo's
    users, without their slow password hashes; the browser test adds the real users)."""
    region = bare_hall.center.region_code
    liaison_dep = bare_hall.departments[0].code

    def dep(role: Role) -> str | None:
        return liaison_dep if role is Role.LIAISON else None

    return {
        u.username: Actor(
            u.username, u.role, region, liaison_dep if u.role is Role.LIAISON else None
        )
        for u in DEMO_USERS
    }


def draft(
    staff_id: str = "YY-ZW-W01-A",
    *,
    notice: NoticeType = NoticeType.SUPERVISION_ORDER,
    measure: Measure = Measure.REMINDER,
    origin_ref: str | None = None,
    title: str = "食品经营许可办件超期未办结",
) -> CaseDraft:
    return CaseDraft(
        subject_kind="staff",
        subject_code=staff_id,
        title=title,
        facts=FACTS,
        origin="alert" if origin_ref else "manual",
        origin_ref=origin_ref,
        alert_level=AlertLevel.RED if origin_ref else None,
        measure=measure,
        notice_type=notice,
    )


@pytest.fixture
def open_staff_case(conn, actors):
    def make(**kw):
        return open_case(conn, draft(**kw), actors["supervisor"], NOW)

    return make


@pytest.fixture
def bare_hall(conn):
    """The small hall without users (no password hashing: faster)."""
    from hallwatch.demo import seed_hall
    from tests.fix_people import small_hall

    h = small_hall()
    seed_hall(conn, h)
    return h
