"""The demo centre: reference data from sim/, the national working calendar, one user per role."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from psycopg import Connection

from core.enums import Role
from core.reference import Hall
from store.repos import audit, reference, users

log = logging.getLogger(__name__)

DEMO_PASSWORD = "hallwatch"


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: Role


DEMO_USERS = (
    DemoUser("supervisor", "张监察", Role.SUPERVISOR),
    DemoUser("inspector", "李巡查", Role.INSPECTOR),
    DemoUser("liaison", "王联络", Role.LIAISON),
    DemoUser("leader", "赵主任", Role.LEADER),
    DemoUser("admin", "系统管理员", Role.ADMIN),
)


def seed_users(conn: Connection[Any], hall: Hall) -> list[DemoUser]:
    """Create the demo users (scoped to the hall's region) unless they exist; returns them."""
    department = hall.departments[0].code
    for u in DEMO_USERS:
        if users.get(conn, u.username) is None:
            users.add(
                conn,
                u.username,
                DEMO_PASSWORD,
                u.role,
                hall.center.region_code,
                u.display_name,
                department if u.role is Role.LIAISON else None,
            )
            audit.write(
                conn,
                "system",
                "user.add",
                u.username,
                hall.center.region_code,
                role=u.role.value,
                demo=True,
            )
    return list(DEMO_USERS)


def seed_hall(conn: Connection[Any], hall: Hall) -> None:
    reference.save_hall(conn, hall)
    log.info(
        "demo centre %s (%s): %d departments, %d windows",
        hall.center.name,
        hall.center.code,
        len(hall.departments),
        len(hall.windows),
    )
