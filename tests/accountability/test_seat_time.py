"""The 在岗 aggregate (presence_daily): opening minutes only, a camera fault is not an empty seat,
incremental refreshes, and days whose samples were purged keep their numbers."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from accountability.indicators import Level, compute, parse_period
from accountability.seat_time import scheduled_minutes
from core.calendar import official_calendar
from core.reference import Schedule
from store.repos import presence_daily
from store.repos import video as video_repo

TZ = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 10, 14)  # a Wednesday
W1, W2 = "YY-ZW-W01", "YY-ZW-W02"


def samples(window: str, start: str, minutes: int, occupied: bool | None, every: int = 10):
    """Samples every `every` seconds for `minutes` from local `start` on DAY."""
    t0 = datetime.combine(DAY, datetime.strptime(start, "%H:%M").time(), tzinfo=TZ)
    status = "ok" if occupied is not None else "offline"
    return [
        (t0 + timedelta(seconds=s), "CAM-" + window, window, 0, occupied, 0.5, status)
        for s in range(0, minutes * 60, every)
    ]


def day_row(conn, window: str) -> tuple[int, int]:
    [r] = [
        r
        for r in presence_daily.days(conn, DAY, DAY + timedelta(days=1))
        if r.window_code == window
    ]
    return r.observed_min, r.seat_min


def test_only_opening_minutes_count_and_a_camera_fault_is_not_an_empty_seat(conn, small):
    video_repo.write_presence(
        conn,
        samples(W1, "08:30", 60, True)  # 08:30-09:30: only 09:00-09:30 is open
        + samples(W1, "11:50", 20, False)  # 11:50-12:10: 10 open minutes, the rest is lunch
        + samples(W1, "14:00", 30, None)  # a camera fault: not judged
        + samples(W1, "15:00", 60, True),
    )
    presence_daily.refresh(conn)
    assert day_row(conn, W1) == (30 + 10 + 60, 30 + 60)
    [w1] = [i for i in compute(conn, Level.WINDOW, parse_period(DAY.isoformat())) if i.key == W1]
    assert w1.seat.scheduled_minutes == 420  # 09:00-12:00, 13:30-17:30
    assert w1.seat_rate == pytest.approx(90 / 100)
    assert w1.video_coverage == pytest.approx(100 / 420)


def test_a_refresh_adds_new_samples_and_keeps_days_whose_samples_were_purged(conn, small):
    video_repo.write_presence(conn, samples(W1, "09:00", 60, True) + samples(W2, "09:00", 30, True))
    presence_daily.refresh(conn)
    assert day_row(conn, W2) == (30, 30)
    video_repo.write_presence(conn, samples(W2, "10:00", 30, False))
    presence_daily.refresh(conn)  # from the last stored day on
    assert day_row(conn, W2) == (60, 30)
    # retention drops the morning's first samples: the stored day keeps what it had
    video_repo.purge_presence(
        conn, datetime.combine(DAY, datetime.min.time(), TZ) + timedelta(hours=9, minutes=30)
    )
    presence_daily.refresh(conn, since=DAY)
    assert day_row(conn, W1) == (60, 60) and day_row(conn, W2) == (60, 30)


def test_scheduled_minutes_follow_the_calendar_and_stop_at_now():
    cal, schedule = official_calendar(), Schedule()
    assert scheduled_minutes(cal, schedule, date(2025, 10, 1)) == 0  # 国庆
    assert scheduled_minutes(cal, schedule, date(2025, 10, 11)) == 420  # 调休 Saturday
    noon = datetime(2025, 10, 13, 12, 0, tzinfo=TZ)
    assert scheduled_minutes(cal, schedule, date(2025, 10, 13), noon) == 180
    assert scheduled_minutes(cal, schedule, date(2025, 10, 14), noon) == 0
