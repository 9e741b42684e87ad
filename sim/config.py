"""Configuration of the digital twin: the hall's size and mix, the traffic, the design targets and
the planted violations. Every model rejects unknown keys; every field says what it means."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_START = date(2025, 9, 15)  # a Monday; 30 days cover 国庆/中秋 and two 调休 workdays


class _Cfg(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HallConfig(_Cfg):
    """Size and mix of one centre (DOMAIN.md seed facts)."""

    departments: int = Field(default=15, ge=1, le=20, description="进驻部门数 (12–18 typical)")
    windows: int = Field(default=40, ge=1, le=200, description="窗口数 (30–60 typical)")
    matters: int = Field(default=100, ge=1, le=1000, description="事项数 in the catalogue")
    chargeable_share: float = Field(default=0.2, ge=0, le=1, description="share of 收费 matters")
    legal_days_weights: dict[int, float] = Field(
        default={20: 0.6, 15: 0.1, 10: 0.15, 5: 0.1, 30: 0.05},
        description="法定时限 (working days) of 承诺件 matters and their weights",
    )
    promise_cut: float = Field(
        default=0.65, ge=0, lt=1, description="承诺时限 = 法定时限 × (1 − cut), at least 1 day"
    )
    region_code: str = Field(default="610802", description="行政区划代码 of the (first) centre")
    centers: int = Field(
        default=1, ge=1, le=8, description="several centres: province, city, then counties"
    )


class TrafficConfig(_Cfg):
    """Arrivals, service and the shape of a day."""

    cases_per_window_day: float = Field(default=28.0, gt=0, description="mean tickets per window")
    weekday_factors: tuple[float, ...] = Field(
        default=(1.3, 1.05, 1.0, 0.95, 0.85, 0.8, 0.8),
        description="Monday … Sunday (weekend factors apply to 调休 make-up workdays)",
    )
    instant_service_minutes: float = Field(default=6.0, gt=0, description="mean 即办 service")
    promised_service_minutes: float = Field(default=11.0, gt=0, description="mean 承诺件 service")
    refused_share: float = Field(default=0.01, ge=0, le=1, description="不予受理 at the window")
    supplement_share: float = Field(default=0.06, ge=0, le=1, description="补正 before acceptance")
    special_procedure_share: float = Field(default=0.03, ge=0, le=1, description="特别程序")
    extension_share: float = Field(default=0.02, ge=0, le=1, description="延期 +10 working days")
    returned_share: float = Field(default=0.03, ge=0, le=1, description="办结 as 退回")
    rated_share: float = Field(default=0.6, ge=0, le=1, description="评议率 (others unrated)")
    score_weights: tuple[float, float, float, float, float] = Field(
        default=(0.87, 0.118, 0.006, 0.004, 0.002),
        description="评价 1 非常满意 … 5 非常不满意",
    )
    short_absences_per_day: float = Field(default=3.0, ge=0, description="harmless 离座 (<15 min)")
    b_post_day_share: float = Field(default=0.06, ge=0, le=1, description="days B staff sits")


class Targets(_Cfg):
    """Design targets (seed figures); the generator is calibrated to meet them."""

    same_day_rate: float = Field(default=0.77, ge=0, le=1, description="日结率")
    instant_share: float = Field(default=0.70, ge=0, le=1, description="即办件 share")
    promised_mean_days: float = Field(default=3.2, gt=0, description="承诺件 mean working days")
    speedup_rate: float = Field(default=0.78, ge=0, lt=1, description="提速率 1 − actual/legal")
    satisfaction_rate: float = Field(default=0.985, ge=0, le=1, description="满意率")
    complaints_per_1000: float = Field(default=2.0, ge=0, description="complaints per 1,000 cases")


class ViolationConfig(_Cfg):
    """Planted violations, as mean counts per working day of a centre (spread evenly)."""

    overdue_promised: float = Field(default=1.0, ge=0, description="承诺件 finished late")
    overdue_legal: float = Field(default=0.34, ge=0, description="finished after the legal limit")
    window_empty: float = Field(default=1.5, ge=0, description="空岗 of 16–70 minutes")
    camera_fault: float = Field(default=1.0, ge=0, description="offline/frozen/covered/dark/moved")
    spike: float = Field(default=0.34, ge=0, description="complaint or 差评 spikes, alternating")
    spike_factor: float = Field(default=3.0, ge=1, description="spike size × baseline")
    spike_min_count: int = Field(default=5, ge=1, description="at least this many in the spike")
    fee_off_standard: float = Field(default=0.5, ge=0, description="fee ≠ the standard")
    instant_through: float = Field(default=0.34, ge=0, description="承诺件 done within a minute")
    second_supplement: float = Field(default=0.34, ge=0, description="a second 补正 request")
    late_supplement: float = Field(default=0.34, ge=0, description="补正 notice after 5 days")
    empty_threshold_minutes: int = Field(default=15, ge=1, description="空岗 alert threshold")


class SimConfig(_Cfg):
    """One simulation run. `start` defaults to a fixed date so outputs are reproducible."""

    seed: int = 7
    start: date = DEFAULT_START
    days: int = Field(default=30, ge=1, le=3660)
    hall: HallConfig = HallConfig()
    traffic: TrafficConfig = TrafficConfig()
    targets: Targets = Targets()
    violations: ViolationConfig = ViolationConfig()
    drain: bool = Field(
        default=False, description="keep the lifecycle events of open cases after the last day"
    )
    presence_sample_seconds: int = Field(
        default=0, ge=0, description="emit presence.sample/camera.health events (0: leave to video)"
    )
