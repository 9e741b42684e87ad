"""Named personas and a small county hall for tests (healthchecks' hc/test.py habit)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.enums import CaseType, RegionLevel
from core.reference import (
    Camera,
    Center,
    Department,
    Hall,
    Matter,
    Region,
    Staff,
    Window,
)
from hallwatch.demo import DEMO_PASSWORD, seed_hall, seed_users

PASSWORD = DEMO_PASSWORD


def small_hall(
    county: str = "610802",
    center: str = "YY-ZW",
    name: str = "榆阳区政务服务中心",
    city: str = "610800",
    province: str = "610000",
) -> Hall:
    """A county centre with 2 departments and 4 windows; codes prefixed by the centre code."""
    deps = (
        Department(code=f"{center}-SCJG", center_code=center, name="市场监管局", short_name="市场"),
        Department(code=f"{center}-GA", center_code=center, name="公安局", short_name="公安"),
    )
    windows = tuple(
        Window(
            code=f"{center}-W{i:02d}",
            center_code=center,
            department_code=deps[i // 3].code,
            name=f"{i}号窗口",
            position=(0, i),
        )
        for i in range(1, 5)
    )
    return Hall(
        regions=(
            Region(code=province, name="陕西省", level=RegionLevel.PROVINCE),
            Region(code=city, name="榆林市", level=RegionLevel.CITY, parent_code=province),
            Region(code=county, name="榆阳区", level=RegionLevel.COUNTY, parent_code=city),
        ),
        center=Center(code=center, name=name, region_code=county),
        departments=deps,
        windows=windows,
        staff=tuple(
            Staff(
                staff_id=f"{w.code}-{post}",
                name=f"{w.name}{post}岗",
                department_code=w.department_code,
                window_code=w.code,
                post=post,
            )
            for w in windows
            for post in "AB"
        ),
        matters=(
            Matter(
                code=f"{center}-M001",
                name="食品经营许可",
                department_code=deps[0].code,
                case_type=CaseType.PROMISED,
                legal_days=20,
                promised_days=6,
            ),
            Matter(
                code=f"{center}-M002",
                name="居民身份证换领",
                department_code=deps[1].code,
                case_type=CaseType.INSTANT,
                legal_days=0,
                promised_days=0,
                fee=Decimal("20.00"),
            ),
        ),
        cameras=tuple(
            Camera(
                code=f"{w.code}-CAM",
                center_code=center,
                window_code=w.code,
                name=f"{w.name}摄像机",
                url=f"sim://{w.code}",
            )
            for w in windows
        ),
    )


@pytest.fixture
def hall(conn) -> Hall:
    """The small hall saved in the test database, with one demo user per role."""
    h = small_hall()
    seed_hall(conn, h)
    seed_users(conn, h)
    return h
