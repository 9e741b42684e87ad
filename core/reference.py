"""Reference data of a hall as plain typed values: regions, centres, departments, windows, staff,
matters and cameras. `sim/` builds them, `store/` persists them, everything else reads them."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from core.enums import CaseType, RegionLevel
from core.events import CODE, REGION_CODE


class _Ref(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Session(_Ref):
    """One opening session of a day, e.g. 09:00–12:00."""

    start: time
    end: time


class Schedule(_Ref):
    """Opening hours of a centre or window on working days; the lunch break is the gap between
    sessions. Times are local to `timezone`."""

    timezone: str = "Asia/Shanghai"
    sessions: tuple[Session, ...] = (
        Session(start=time(9, 0), end=time(12, 0)),
        Session(start=time(13, 30), end=time(17, 30)),
    )

    @property
    def minutes_per_day(self) -> int:
        return sum(
            (s.end.hour * 60 + s.end.minute) - (s.start.hour * 60 + s.start.minute)
            for s in self.sessions
        )


class Region(_Ref):
    code: str = Field(pattern=REGION_CODE, description="行政区划代码")
    name: str
    level: RegionLevel
    parent_code: str | None = None


class Center(_Ref):
    code: str = Field(pattern=CODE)
    name: str
    region_code: str = Field(pattern=REGION_CODE)
    schedule: Schedule = Schedule()
    address: str | None = None


class Department(_Ref):
    code: str = Field(pattern=CODE)
    center_code: str
    name: str
    short_name: str | None = None


class Window(_Ref):
    code: str = Field(pattern=CODE)
    center_code: str
    department_code: str
    name: str  # e.g. "12号窗口"
    position: tuple[int, int] = (0, 0)  # (row, column) on the hall map
    schedule: Schedule | None = None  # None: the centre's schedule


class Staff(_Ref):
    staff_id: str = Field(pattern=CODE)
    name: str
    department_code: str
    window_code: str | None = None
    post: str = "A"  # AB岗: "A" or "B"
    chief_representative: bool = False


class Matter(_Ref):
    code: str = Field(pattern=CODE, description="事项实施编码")
    name: str
    department_code: str
    case_type: CaseType
    legal_days: int = Field(ge=0, description="法定时限(工作日), 0 for 即办")
    promised_days: int = Field(ge=0, description="承诺时限(工作日), 0 for 即办")
    fee: Decimal | None = Field(default=None, description="收费标准(元); None means free")
    level: int = Field(default=4, ge=1, le=6, description="行使层级 1 国家 … 6 村")
    hall_required: bool = Field(default=True, description="应进必进: should be handled in the hall")
    in_hall: bool = Field(default=True, description="已进驻: in the hall's catalogue")
    review_authorised: bool = Field(default=False, description="审核权 delegated to the window")
    approval_authorised: bool = Field(default=False, description="审批权 delegated to the window")


class Camera(_Ref):
    code: str = Field(pattern=CODE)
    center_code: str
    window_code: str | None
    name: str
    url: str  # rtsp://, http://, file path, or sim://<window_code>
    seat_regions: tuple[tuple[tuple[int, int], ...], ...] = ()  # polygons in pixels
    privacy_masks: tuple[tuple[tuple[int, int], ...], ...] = ()


class Hall(_Ref):
    """Everything about one centre, in one value."""

    regions: tuple[Region, ...]
    center: Center
    departments: tuple[Department, ...]
    windows: tuple[Window, ...]
    staff: tuple[Staff, ...]
    matters: tuple[Matter, ...]
    cameras: tuple[Camera, ...]
