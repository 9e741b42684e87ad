"""Everything the rules are configured with, in one value: working calendars per region,
opening hours per centre and window, rule thresholds per centre, and the warning-policy preset
chosen per centre and per matter (DOMAIN.md presets: yulin, one_day, vendor, deadline)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from alerts.findings import Rule
from alerts.rules import RuleParams
from alerts.spikes import SpikeParams
from alerts.state import ClockState, event_place
from core.calendar import DEFAULT_SCHEDULE, WorkingCalendar
from core.clocks import Budget, BudgetUnit, Clock, PolicyName, WarningPolicy
from core.enums import EventKind
from core.reference import Schedule

# Default preset of each clock rule; centres and matters may choose another.
DEFAULT_PRESETS: dict[Rule, PolicyName] = {
    Rule.CASE_PROMISED: PolicyName.YULIN,
    Rule.CASE_LEGAL: PolicyName.DEADLINE,
    Rule.COMPLAINT_ACCEPTANCE: PolicyName.ONE_DAY,
    Rule.COMPLAINT_COMPLETION: PolicyName.ONE_DAY,
    Rule.RATING_RECTIFICATION: PolicyName.ONE_DAY,
    Rule.SUPERVISION_REPLY: PolicyName.DEADLINE,
    Rule.PATROL_FINDING: PolicyName.DEADLINE,
}
# Budgets of the clocks the engine starts itself from complaint events (DOMAIN.md: acceptance
# 3–7 working days, completion 13–30 working days, both from filing; local rules differ).
COMPLAINT_ACCEPTANCE_DAYS = 5
COMPLAINT_COMPLETION_DAYS = 15


@dataclass
class RuleContext:
    calendar: WorkingCalendar  # national days and every local override
    schedules: Mapping[str, Schedule] = field(default_factory=dict)  # centre or window code
    params: Mapping[str, RuleParams] = field(default_factory=dict)  # per centre
    presets: Mapping[tuple[str, str, str], str] = field(default_factory=dict)  # scope,code,rule
    spike: SpikeParams = field(default_factory=SpikeParams)
    escalate_minutes: Mapping[str, int] = field(default_factory=dict)
    _by_region: dict[str, WorkingCalendar] = field(default_factory=dict, repr=False)

    def calendar_for(self, region_code: str) -> WorkingCalendar:
        cal = self._by_region.get(region_code)
        if cal is None:
            cal = self._by_region[region_code] = self.calendar.for_region(region_code)
        return cal

    def schedule_for(self, center_code: str, window_code: str | None = None) -> Schedule:
        if window_code and window_code in self.schedules:
            return self.schedules[window_code]
        return self.schedules.get(center_code, DEFAULT_SCHEDULE)

    def params_for(self, center_code: str) -> RuleParams:
        return self.params.get(center_code, RuleParams())

    def policy(self, rule: Rule, center_code: str, matter_code: str | None = None) -> WarningPolicy:
        """The matter's preset wins over the centre's, which wins over the default."""
        for key in (("matter", matter_code or "", rule.value), ("center", center_code, rule.value)):
            name = self.presets.get(key)
            if name:
                return WarningPolicy.preset(name)
        return WarningPolicy.preset(DEFAULT_PRESETS.get(rule, PolicyName.DEADLINE))


def complaint_clocks(
    ctx: RuleContext, complaint_no: str, events: Sequence[Mapping[str, Any]]
) -> list[ClockState]:
    """The acceptance and completion clocks of one complaint, from its events."""
    rows = sorted(events, key=lambda e: _at(e["occurred_at"]))
    filed = next((e for e in rows if e["kind"] == EventKind.COMPLAINT_FILED), None)
    if filed is None:
        return []
    accepted = next((e for e in rows if e["kind"] == EventKind.COMPLAINT_ACCEPTED), None)
    resolved = next((e for e in rows if e["kind"] == EventKind.COMPLAINT_RESOLVED), None)
    place = event_place(filed)
    out = []
    specs = [
        (Rule.COMPLAINT_ACCEPTANCE, filed, COMPLAINT_ACCEPTANCE_DAYS, accepted or resolved),
        (Rule.COMPLAINT_COMPLETION, filed, COMPLAINT_COMPLETION_DAYS, resolved),
    ]
    for rule, start, days, stop in specs:
        clock = Clock(
            _at(start["occurred_at"]),
            Budget(days, BudgetUnit.WORKING_DAYS),
            policy=ctx.policy(rule, place.center_code),
        )
        stopped = _at(stop["occurred_at"]) if stop is not None else None
        out.append(ClockState(rule, complaint_no, place, clock, stopped_at=stopped))
    return out


def _at(value: object) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
