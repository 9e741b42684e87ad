"""A province in one deployment: 陕西省 with two cities and three counties, a centre at every
level, one user at each level, today's queue events and one day's cases written through the
ingest writer and folded by the projector."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from core.enums import RegionLevel, Role
from core.events import event_uuid
from core.reference import Hall, Region
from hallwatch.demo import seed_hall
from ingest.projector import Projector
from ingest.service import IngestService
from store.repos import users
from tests.edge.events import case_stream
from tests.fix_people import PASSWORD, small_hall

CASE_T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # 09:00 Asia/Shanghai, a working Monday
CASE_DAY = date(2026, 11, 2)

SHAANXI = Region(code="610000", name="陕西省", level=RegionLevel.PROVINCE)
YULIN = Region(code="610800", name="榆林市", level=RegionLevel.CITY, parent_code="610000")
YUYANG = Region(code="610802", name="榆阳区", level=RegionLevel.COUNTY, parent_code="610800")
SHENMU = Region(code="610881", name="神木市", level=RegionLevel.COUNTY, parent_code="610800")
XIAN = Region(code="610100", name="西安市", level=RegionLevel.CITY, parent_code="610000")
YANTA = Region(code="610113", name="雁塔区", level=RegionLevel.COUNTY, parent_code="610100")


@dataclass(frozen=True)
class Centre:
    code: str
    name: str
    region: Region
    chain: tuple[Region, ...]  # ancestors first
    events_today: int

    @property
    def cases(self) -> int:
        """Cases accepted and completed on CASE_DAY (2 × events_today, to tell them apart)."""
        return 2 * self.events_today


CENTRES = (
    Centre("SX-ZW", "陕西省政务服务中心", SHAANXI, (SHAANXI,), 1),
    Centre("YL-ZW", "榆林市政务服务中心", YULIN, (SHAANXI, YULIN), 2),
    Centre("YY-ZW", "榆阳区政务服务中心", YUYANG, (SHAANXI, YULIN, YUYANG), 3),
    Centre("SM-ZW", "神木市政务服务中心", SHENMU, (SHAANXI, YULIN, SHENMU), 4),
    Centre("XA-ZW", "西安市政务服务中心", XIAN, (SHAANXI, XIAN), 5),
    Centre("YT-ZW", "雁塔区政务服务中心", YANTA, (SHAANXI, XIAN, YANTA), 6),
)

# (username, display name, role, region): one user at each level of the tree
PEOPLE = (
    ("sheng", "省中心主任", Role.LEADER, SHAANXI.code),
    ("shi", "市监察员", Role.SUPERVISOR, YULIN.code),
    ("xian", "县监察员", Role.SUPERVISOR, YUYANG.code),
)


def hall_of(c: Centre) -> Hall:
    h = small_hall(center=c.code, name=c.name)
    return h.model_copy(
        update={
            "regions": c.chain,
            "center": h.center.model_copy(update={"region_code": c.region.code}),
        }
    )


def _events(c: Centre, now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "event_id": str(event_uuid("province-test", c.code, i)),
            "kind": "queue.ticket_issued",
            "occurred_at": (now - timedelta(seconds=1 + i)).isoformat(),
            "source": "test.queue",
            "region_code": c.region.code,
            "center_code": c.code,
            "payload": {"ticket_no": f"A{i:03d}"},
        }
        for i in range(c.events_today)
    ]


def _cases(c: Centre) -> list[dict[str, Any]]:
    return list(case_stream(c.cases, region=c.region.code, center=c.code, tag="p", start=CASE_T0))


def seed_province(conn: Any, db_url: str) -> None:
    """Save every centre, add the users, write today's queue events and CASE_DAY's cases
    through ingest, and fold the cases into their projection."""
    import psycopg

    for c in CENTRES:
        seed_hall(conn, hall_of(c))
    for username, display, role, region in PEOPLE:
        users.add(conn, username, PASSWORD, role, region, display)
    now = datetime.now(UTC)
    raw = [e for c in CENTRES for e in (*_events(c, now), *_cases(c))]
    service = IngestService(db_url)  # the in-process entry of ingest (as the sim uses it)
    service.start_workers()
    try:
        outcome = service.submit(raw, source="test")
    finally:
        service.stop_workers()
    assert (outcome.accepted, outcome.rejected) == (len(raw), 0), outcome
    with psycopg.connect(db_url, autocommit=True) as fold:
        Projector().catch_up(fold)
