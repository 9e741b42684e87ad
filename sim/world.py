"""The twin of one centre: a hall, its configuration and calendar, and any working day on demand.

A day depends only on (seed, centre, date), so the dataset writer, the live mode and the camera
frames all see the same world without sharing state."""

from __future__ import annotations

import random
from collections import OrderedDict
from datetime import date

from core.reference import Hall
from sim import clock
from sim.clock import Calendar, WorkingCalendar
from sim.config import SimConfig
from sim.context import DayContext
from sim.day import DayResult, run_day
from sim.envelope import Emitter
from sim.hall import build_hall
from sim.model import calibrate
from sim.presence import WindowDay

SEAT_CACHE_DAYS = 400


class Twin:
    def __init__(
        self,
        hall: Hall | None = None,
        config: SimConfig | None = None,
        calendar: WorkingCalendar | Calendar | None = None,
        cache_days: int = 4,
    ) -> None:
        self.config = config or SimConfig()
        self.hall = hall or build_hall(self.config.hall, self.config.seed)
        self.calendar = calendar if isinstance(calendar, Calendar) else Calendar(calendar)
        self.model = calibrate(self.hall, self.config)
        self._cache: OrderedDict[date, DayResult | None] = OrderedDict()
        self._cache_days = cache_days
        self._seats: OrderedDict[date, dict[str, WindowDay] | None] = OrderedDict()
        self.windows = {w.code: w for w in self.hall.windows}

    def day(self, day: date) -> DayResult | None:
        """Everything that starts on `day` (None on rest days); cached for a few days."""
        if day in self._cache:
            self._cache.move_to_end(day)
            return self._cache[day]
        result = self._generate(day) if self.calendar.is_working_day(day) else None
        self._cache[day] = result
        while len(self._cache) > self._cache_days:
            self._cache.popitem(last=False)
        return result

    def generate(self, day: date) -> DayResult | None:
        """Like `day` but without caching (for one pass over many days)."""
        if day in self._cache:
            return self._cache[day]
        return self._generate(day) if self.calendar.is_working_day(day) else None

    def _generate(self, day: date) -> DayResult:
        rng = random.Random(f"day|{self.config.seed}|{self.hall.center.code}|{day.isoformat()}")
        ctx = DayContext(
            self.hall, self.config, self.model, self.calendar, day, rng, Emitter(self.hall)
        )
        result = run_day(ctx)
        self._remember_seats(day, result.windows)
        return result

    def _remember_seats(self, day: date, windows: dict[str, WindowDay] | None) -> None:
        self._seats[day] = windows
        self._seats.move_to_end(day)
        while len(self._seats) > SEAT_CACHE_DAYS:
            self._seats.popitem(last=False)

    def seats(self, day: date) -> dict[str, WindowDay] | None:
        """The windows' timelines of a day (seat, customers, faults); kept for many days since
        camera frames ask for them at random moments."""
        if day not in self._seats:
            if not self.calendar.is_working_day(day):
                self._remember_seats(day, None)
            else:
                self.day(day)
        return self._seats[day]

    def window_day(self, window_code: str, moment: int) -> WindowDay | None:
        windows = self.seats(clock.local_date(moment))
        return None if windows is None else windows.get(window_code)
