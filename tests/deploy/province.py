"""A province in one deployment: 陕西省 with two cities and three counties, a centre at every
level, one user at each level, and today's events written through the ingest writer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from core.enums import RegionLevel, Role
from core.events import event_uuid
from core.reference import Hall, Region
from hallwatch.demo import seed_hall
from ingest.validate import Accepted, Validator
from ingest.writer import Submission, Writer
from store.repos import users
from tests.fix_people import PASSWORD, small_hall

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


def seed_province(conn: Any, db_url: str) -> None:
    """Save every centre, add the users, write today's events through ingest."""
    import psycopg

    for c in CENTRES:
        seed_hall(conn, hall_of(c))
    for username, display, role, region in PEOPLE:
        users.add(conn, username, PASSWORD, role, region, display)
    now = datetime.now(UTC)
    validator = Validator()
    items = [validator.check(e) for c in CENTRES for e in _events(c, now)]
    assert all(isinstance(i, Accepted) for i in items), items
    writer = Writer(lambda: psycopg.connect(db_url)).start()
    try:
        outcome = writer.write(Submission(items=items, source="test"), timeout=30)
    finally:
        writer.stop()
    assert outcome.accepted == sum(c.events_today for c in CENTRES)
