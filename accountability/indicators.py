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
在岗率 needs the video presence samples and 进驻率/授权率 the catalogue; they are not computed here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from psycopg import Connection

from store.repos import indicators as repo


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


def compute(
    conn: Connection[Any],
    level: Level | str,
    period: Period,
    *,
    region_prefix: str | None = None,
    department_code: str | None = None,
    center_code: str | None = None,
    refresh: bool = False,
) -> list[Indicators]:
    """The indicators of every group of `level` in scope for `period`."""
    level = Level(level)
    if refresh:
        repo.refresh(conn)
    rows = repo.sums(
        conn,
        level.value,
        period.start,
        period.end,
        region_prefix=region_prefix,
        department_code=department_code,
        center_code=center_code,
    )
    per_dep = repo.complaints(conn, period.start, period.end, center_code=center_code)
    out = []
    for s in rows:
        n: int | None = None
        if level is Level.DEPARTMENT:
            n = per_dep.get(s.key, 0)
        elif level in (Level.CENTER, Level.REGION):
            n = sum(per_dep.values())
        out.append(from_sums(s, n))
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
