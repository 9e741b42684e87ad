"""The demo centre: reference data from sim/, the national working calendar, one user per role,
and the matter catalogue's 进驻 and 授权 fields (`demo_catalogue`)."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from typing import Any

from psycopg import Connection

from core.enums import CaseType, Role
from core.reference import Department, Hall, Matter
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


@dataclass(frozen=True)
class CatalogueTargets:
    """Design targets of the demo catalogue, from the seed documents (DOMAIN.md → Indicators),
    as the twin's other targets are (sim/config.py Targets). The catalogue is drawn to meet them
    as closely as whole matters allow; the indicators only count the catalogue."""

    in_hall: float = 0.768  # of the matters that should be in the hall (应进必进), share in it
    review: float = 0.7729  # of the matters in the hall, share whose windows hold 审核权
    approval: float = 0.4219  # … and 审批权 (a subset of those with 审核权)


def demo_catalogue(hall: Hall, targets: CatalogueTargets = CatalogueTargets()) -> Hall:
    """`hall` with its catalogue filled in: the twin's matters are the ones handled in the hall;
    windows hold 审批权 first for 即办件 (finished at the window), then 审核权 for more; and
    each department keeps some matters that should be in the hall but are still handled at its
    own office (应进未进, never seen at a window). Deterministic per centre."""
    rng = random.Random(f"catalogue|{hall.center.code}")
    matters = list(hall.matters)
    order = sorted(
        range(len(matters)),
        key=lambda i: (matters[i].case_type is not CaseType.INSTANT, rng.random()),
    )
    review = set(order[: round(targets.review * len(matters))])
    approval = set(order[: round(targets.approval * len(matters))])
    inside = [
        m.model_copy(
            update={"review_authorised": i in review, "approval_authorised": i in approval}
        )
        for i, m in enumerate(matters)
    ]
    missing = round(len(matters) * (1 - targets.in_hall) / targets.in_hall)
    outside = _outside_matters(hall, missing, rng)
    return hall.model_copy(update={"matters": (*inside, *outside)})


def _outside_matters(hall: Hall, n: int, rng: random.Random) -> list[Matter]:
    """`n` 应进未进 matters, spread over the departments by their catalogue size."""
    from sim import names

    sizes = [sum(m.department_code == d.code for m in hall.matters) or 1 for d in hall.departments]
    taken = {m.name for m in hall.matters}
    out: list[Matter] = []
    for dept in rng.choices(hall.departments, weights=sizes, k=n):
        name = _free_name(dept, names, taken)
        taken.add(name)
        number = sum(m.department_code == dept.code for m in out) + 1
        out.append(
            Matter(
                code=f"{dept.code}-X{number:03d}",
                name=name,
                department_code=dept.code,
                case_type=CaseType.PROMISED,
                legal_days=20,
                promised_days=7,
                in_hall=False,
            )
        )
    return out


def _free_name(dept: Department, names: Any, taken: set[str]) -> str:
    seed = next((d for d in names.DEPARTMENTS if d.name == dept.name), None)
    pool = (*seed.promised, *seed.instant) if seed else (f"{dept.name}审批事项",)
    for suffix in ("", "（变更）", "（延续）", "（注销）", "（备案）", "（补证）", "（迁移）"):
        for base in pool:
            if base + suffix not in taken:
                return base + suffix
    return f"{pool[0]}（{len(taken)}）"
