"""What every generator of a day needs: the hall, the configuration, the calibrated model, the
working calendar, the day's opening sessions, its random stream and where output goes."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from core.reference import Hall, Schedule
from sim import clock
from sim.clock import Calendar
from sim.config import SimConfig
from sim.envelope import Emitter
from sim.model import Model
from sim.truth import TruthItem


@dataclass
class DayContext:
    hall: Hall
    cfg: SimConfig
    model: Model
    cal: Calendar
    day: date
    rng: random.Random
    em: Emitter
    truth: list[TruthItem] = field(default_factory=list)

    @property
    def schedule(self) -> Schedule:
        return self.hall.center.schedule

    @property
    def sessions(self) -> list[tuple[int, int]]:
        return clock.sessions(self.day, self.schedule)

    @property
    def region_code(self) -> str:
        return self.hall.center.region_code

    @property
    def center_code(self) -> str:
        return self.hall.center.code

    def working_time(self, day: date, after: int | None = None) -> int:
        """A random instant inside the opening sessions of `day`, later than `after` if given
        (falls back to close of business minus a minute)."""
        spans = [
            (a, b) for a, b in clock.sessions(day, self.schedule) if after is None or b > after
        ]
        if not spans:
            return clock.close_of_business(day, self.schedule) - 60
        a, b = self.rng.choice(spans)
        if after is not None:
            a = max(a, after + 60)
        return self.rng.randrange(a, max(a + 1, b))

    def due(self, accepted: date, days: int) -> int:
        return clock.due_at(self.cal, accepted, days, self.schedule)

    def snap(self, t: int) -> int:
        """Move `t` forward into opening hours of a working day."""
        day = clock.local_date(t)
        for _ in range(30):
            if self.cal.is_working_day(day):
                for a, b in clock.sessions(day, self.schedule):
                    if t < b:
                        return max(t, a)
            day = date.fromordinal(day.toordinal() + 1)
            t = clock.midnight(day)
        return t
