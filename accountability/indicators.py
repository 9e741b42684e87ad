"""Indicators of DOMAIN.md for a window, staff member, department, centre or region, per day,
month, quarter or year, from the daily aggregate (store/repos/indicators.py). Definitions, for
cases of the period (local days of the centre):

- 办结数: cases completed in the period; 受理数: cases accepted in the period.
- 按时办结率 = completed by the promised clock's due time / completed with a due time.
- 提前办结率 = completed on a day before the due day / completed with a due time;
  超时办结数 = completed after the due time.
- 现场办结率 (即办件) = 即办件 accepted in the period, completed on the acceptance day without a
  补正 / 即办件 accepted in the period.
- 日结率 = accepted in the period and completed on the acceptance day / accepted.
- 平均办结时间: 即办件 in minutes from acceptance to completion; 承诺件 in working days (national
  calendar) from the acceptance day to the completion day.
- 提速率 = 1 − Σ actual working days / Σ legal working days over completed 承诺件 with a legal
  limit (the common reading: ratio of sums).
- 满意率 = ratings 1–2 / rated; 差评率 = ratings 4–5 / rated; 评议率 = rated / completed.
- 投诉率 = complaints filed in the period / completed (departments, centres and regions only:
  complaints name no window or person).
- Data completeness: completed cases lacking acceptance, staff, window or matter / completed.
- 在岗率 (and 视频覆盖率) from the video presence samples, for every level: see
  accountability/seat_time.py for the minutes counted and how staff are credited.
- 进驻率 = matters that should be handled in the hall (应进必进) and are in the hall's catalogue
  (已进驻) / matters that should be. "Handled in the hall" is the catalogue's word, not the
  period's traffic: the seed documents count 进驻 from the catalogue (应进驻 X 项, 已进驻 Y 项),
  and a matter without applicants this month is still handled in the hall. Matters of the hall
  catalogue without any case accepted at a window in the period are counted beside it
  (有办件事项), which shows 明进暗不进 — in the hall on paper only.
- 审核权授权率 / 审批权授权率 = matters in the hall whose windows hold the department's 审核权 /
  审批权 / matters in the hall.
  The catalogue has no history: any period reads the current catalogue. Departments, centres
  and regions only (a window or a person has no catalogue).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from psycopg import Connection

from accountability.seat_time import SeatTime, seat_times
from store.repos import catalogue as catalogue_repo
from store.repos import indicators as repo
from store.repos import presence_daily


class Level(StrEnum):
    WINDOW = "window"
    STAFF = "staff"
    DEPARTMENT = "department"
    CENTER = "center"
    REGION = "region"


LEVEL_LABELS = {
    Level.WINDOW: "窗口",
    Level.STAFF: "工作人员",
    Level.DEPARTMENT: "部门",
    Level.CENTER: "中心",
    Level.REGION: "区域",
}


@dataclass(frozen=True)
class Period:
    kind: str  # day | month | quarter | year
    start: date
    end: date  # exclusive

    @property
    def label(self) -> str:
        s = self.start
        return {
            "day": f"{s.year}年{s.month}月{s.day}日",
            "month": f"{s.year}年{s.month}月",
            "quarter": f"{s.year}年第{(s.month - 1) // 3 + 1}季度",
            "year": f"{s.year}年",
        }[self.kind]


def parse_period(text: str) -> Period:
    """2025-10-09 (day), 2025-10 (month), 2025-Q4 (quarter), 2025 (year)."""
    text = text.strip()
    if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text):
        d = date(int(m[1]), int(m[2]), int(m[3]))
        return Period("day", d, d + timedelta(days=1))
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
        return month_period(int(m[1]), int(m[2]))
    if m := re.fullmatch(r"(\d{4})-?[Qq]([1-4])", text):
        first = date(int(m[1]), 3 * int(m[2]) - 2, 1)
        return Period("quarter", first, _add_months(first, 3))
    if m := re.fullmatch(r"(\d{4})", text):
        return Period("year", date(int(m[1]), 1, 1), date(int(m[1]) + 1, 1, 1))
    raise ValueError(f"period: 2025-10-09, 2025-10, 2025-Q4 or 2025, got {text!r}")


def month_period(year: int, month: int) -> Period:
    first = date(year, month, 1)
    return Period("month", first, _add_months(first, 1))


def _add_months(d: date, n: int) -> date:
    y, m = divmod(d.month - 1 + n, 12)
    return date(d.year + y, m + 1, 1)


@dataclass(frozen=True)
class Indicators:
    key: str
    accepted: int
    completed: int
    on_time_rate: float | None
    early_rate: float | None
    late: int
    first_visit_rate: float | None  # 现场办结率 (即办件)
    same_day_rate: float | None  # 日结率
    instant_minutes: float | None
    promised_days: float | None
    speedup_rate: float | None
    satisfaction_rate: float | None
    bad_rate: float | None
    rated_rate: float | None
    complaints: int | None
    complaint_rate: float | None
    incomplete_rate: float | None
    early: int = 0
    sums: repo.Sums | None = None
    seat_rate: float | None = None  # 在岗率
    video_coverage: float | None = None  # 视频覆盖率
    entry_rate: float | None = None  # 进驻率
    review_rate: float | None = None  # 审核权授权率
    approval_rate: float | None = None  # 审批权授权率
    seat: SeatTime | None = None
    catalogue: catalogue_repo.Catalogue | None = None


def _ratio(a: float, b: float) -> float | None:
    return a / b if b else None


def from_sums(s: repo.Sums, complaints: int | None = None) -> Indicators:
    return Indicators(
        key=s.key,
        accepted=s.acc_n,
        completed=s.comp_n,
        on_time_rate=_ratio(s.on_time_n, s.comp_due_n),
        early_rate=_ratio(s.early_n, s.comp_due_n),
        late=s.late_n,
        first_visit_rate=_ratio(s.inst_first_visit, s.inst_n),
        same_day_rate=_ratio(s.acc_same_day, s.acc_n),
        instant_minutes=_ratio(s.inst_minutes, s.inst_comp_n),
        promised_days=_ratio(s.prom_wd, s.prom_comp_n),
        speedup_rate=1 - s.prom_wd / s.legal_wd if s.legal_wd else None,
        satisfaction_rate=_ratio(s.good_n, s.rated_n),
        bad_rate=_ratio(s.bad_n, s.rated_n),
        rated_rate=_ratio(s.rated_n, s.comp_n),
        complaints=complaints,
        complaint_rate=_ratio(complaints, s.comp_n) if complaints is not None else None,
        incomplete_rate=_ratio(s.incomplete_n, s.comp_n),
        early=s.early_n,
        sums=s,
    )


def with_extras(
    i: Indicators, seat: SeatTime | None, cat: catalogue_repo.Catalogue | None
) -> Indicators:
    """`i` with 在岗率 from `seat` and 进驻率/授权率 from `cat`."""
    return replace(
        i,
        seat=seat,
        seat_rate=seat.rate if seat else None,
        video_coverage=seat.coverage if seat else None,
        catalogue=cat,
        entry_rate=_ratio(cat.entered_n, cat.required_n) if cat else None,
        review_rate=_ratio(cat.review_n, cat.in_hall_n) if cat else None,
        approval_rate=_ratio(cat.approval_n, cat.in_hall_n) if cat else None,
    )


def zero_sums(key: str) -> repo.Sums:
    return repo.Sums(key, *([0] * len(repo.SUM_COLUMNS)))


def refresh_all(conn: Connection[Any]) -> None:
    """Bring both daily aggregates (cases, presence) up to date."""
    repo.refresh(conn)
    presence_daily.refresh(conn)


def compute(
    conn: Connection[Any],
    level: Level | str,
    period: Period,
    *,
    region_prefix: str | None = None,
    department_code: str | None = None,
    center_code: str | None = None,
    refresh: bool = False,
    now: datetime | None = None,
) -> list[Indicators]:
    """The indicators of every group of `level` in scope for `period` (groups with cases, seat
    time or a catalogue); scheduled minutes count up to `now` when given. The seat-time
    aggregate is brought up to date by `refresh` here, by the bulletin job (hourly) and by
    绩效统计's 刷新统计."""
    level = Level(level)
    if refresh:
        refresh_all(conn)
    scope: dict[str, Any] = {
        "region_prefix": region_prefix,
        "department_code": department_code,
        "center_code": center_code,
    }
    rows = {s.key: s for s in repo.sums(conn, level.value, period.start, period.end, **scope)}
    seats = seat_times(conn, level.value, period.start, period.end, now=now, **scope)
    cats: dict[str, catalogue_repo.Catalogue] = {}
    if level in (Level.DEPARTMENT, Level.CENTER, Level.REGION):
        found = catalogue_repo.catalogue(conn, level.value, period.start, period.end, **scope)
        cats = {c.key: c for c in found}
    per_dep = repo.complaints(conn, period.start, period.end, center_code=center_code)
    out = []
    for key in sorted(set(rows) | set(seats) | set(cats)):
        n: int | None = None
        if level is Level.DEPARTMENT:
            n = per_dep.get(key, 0)
        elif level in (Level.CENTER, Level.REGION):
            n = sum(per_dep.values())
        i = from_sums(rows.get(key) or zero_sums(key), n)
        out.append(with_extras(i, seats.get(key), cats.get(key)))
    return out


def trend(
    conn: Connection[Any], level: Level | str, period: Period, **scope: Any
) -> dict[str, list[tuple[date, Indicators]]]:
    """Per group, the indicators of each day of `period` (for trend charts)."""
    rows = repo.sums(conn, Level(level).value, period.start, period.end, by_day=True, **scope)
    out: dict[str, list[tuple[date, Indicators]]] = {}
    for s in rows:
        day, key = s.key.split("|", 1)
        out.setdefault(key, []).append((date.fromisoformat(day), from_sums(s)))
    return out
