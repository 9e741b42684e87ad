"""Reference data: save a whole hall (idempotent upsert), read regions, centres, departments,
windows, staff, matters and cameras as the typed values of core.reference."""

from __future__ import annotations

from typing import Any

from psycopg import Connection
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from core.reference import Camera, Center, Department, Hall, Matter, Region, Staff, Window
from core.regions import region_prefix


def save_hall(conn: Connection[Any], hall: Hall) -> None:
    """Insert or update every row of `hall` in one transaction."""
    with conn.transaction(), conn.cursor() as cur:
        for r in _parents_first(hall.regions):
            cur.execute(
                "insert into regions (code, name, level, parent_code) values (%s, %s, %s, %s)"
                " on conflict (code) do update set name = excluded.name, level = excluded.level,"
                " parent_code = excluded.parent_code",
                (r.code, r.name, r.level.value, r.parent_code),
            )
        c = hall.center
        cur.execute(
            "insert into centers (code, name, region_code, schedule, address)"
            " values (%s, %s, %s, %s, %s) on conflict (code) do update set name = excluded.name,"
            " region_code = excluded.region_code, schedule = excluded.schedule,"
            " address = excluded.address",
            (c.code, c.name, c.region_code, Jsonb(c.schedule.model_dump(mode="json")), c.address),
        )
        cur.executemany(
            "insert into departments (code, center_code, name, short_name) values (%s, %s, %s, %s)"
            " on conflict (code) do update set name = excluded.name,"
            " short_name = excluded.short_name",
            [(d.code, d.center_code, d.name, d.short_name) for d in hall.departments],
        )
        cur.executemany(
            "insert into windows (code, center_code, department_code, name, position, schedule)"
            " values (%s, %s, %s, %s, %s, %s) on conflict (code) do update set"
            " department_code = excluded.department_code, name = excluded.name,"
            " position = excluded.position, schedule = excluded.schedule",
            [
                (
                    w.code,
                    w.center_code,
                    w.department_code,
                    w.name,
                    list(w.position),
                    Jsonb(w.schedule.model_dump(mode="json")) if w.schedule else None,
                )
                for w in hall.windows
            ],
        )
        cur.executemany(
            "insert into staff (staff_id, name, department_code, window_code, post,"
            " chief_representative) values (%s, %s, %s, %s, %s, %s) on conflict (staff_id) do"
            " update set name = excluded.name, department_code = excluded.department_code,"
            " window_code = excluded.window_code, post = excluded.post,"
            " chief_representative = excluded.chief_representative",
            [
                (
                    s.staff_id,
                    s.name,
                    s.department_code,
                    s.window_code,
                    s.post,
                    s.chief_representative,
                )
                for s in hall.staff
            ],
        )
        cur.executemany(
            "insert into matters (code, name, department_code, case_type, legal_days,"
            " promised_days, fee, level, hall_required, in_hall, review_authorised,"
            " approval_authorised) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " on conflict (code) do update set name = excluded.name,"
            " case_type = excluded.case_type, legal_days = excluded.legal_days,"
            " promised_days = excluded.promised_days, fee = excluded.fee,"
            " hall_required = excluded.hall_required, in_hall = excluded.in_hall,"
            " review_authorised = excluded.review_authorised,"
            " approval_authorised = excluded.approval_authorised",
            [
                (
                    m.code,
                    m.name,
                    m.department_code,
                    m.case_type.value,
                    m.legal_days,
                    m.promised_days,
                    m.fee,
                    m.level,
                    m.hall_required,
                    m.in_hall,
                    m.review_authorised,
                    m.approval_authorised,
                )
                for m in hall.matters
            ],
        )
        cur.executemany(
            "insert into cameras (code, center_code, window_code, name, url, seat_regions,"
            " privacy_masks) values (%s, %s, %s, %s, %s, %s, %s) on conflict (code) do update"
            " set window_code = excluded.window_code, name = excluded.name, url = excluded.url",
            [
                (
                    k.code,
                    k.center_code,
                    k.window_code,
                    k.name,
                    k.url,
                    Jsonb(k.seat_regions),
                    Jsonb(k.privacy_masks),
                )
                for k in hall.cameras
            ],
        )


def _parents_first(regions: tuple[Region, ...]) -> list[Region]:
    return sorted(regions, key=lambda r: len(region_prefix(r.code)))


def _read(conn: Connection[Any], cls: type, sql: str, params: tuple[Any, ...]) -> list[Any]:
    cur: Any
    with conn.cursor(row_factory=class_row(cls)) as cur:
        return cur.execute(sql, params).fetchall()  # type: ignore[arg-type]


def regions(conn: Connection[Any], prefix: str = "") -> list[Region]:
    return _read(
        conn,
        Region,
        "select code, name, level, parent_code from regions where code like %s order by code",
        (prefix + "%",),
    )


def centers(conn: Connection[Any], prefix: str = "") -> list[Center]:
    return _read(
        conn,
        Center,
        "select code, name, region_code, schedule, address from centers"
        " where region_code like %s order by code",
        (prefix + "%",),
    )


def departments(conn: Connection[Any], center_code: str) -> list[Department]:
    return _read(
        conn,
        Department,
        "select code, center_code, name, short_name from departments where center_code = %s"
        " order by code",
        (center_code,),
    )


def windows(conn: Connection[Any], center_code: str) -> list[Window]:
    return _read(
        conn,
        Window,
        "select code, center_code, department_code, name, position, schedule from windows"
        " where center_code = %s order by position, code",
        (center_code,),
    )


def staff(conn: Connection[Any], center_code: str) -> list[Staff]:
    return _read(
        conn,
        Staff,
        "select s.staff_id, s.name, s.department_code, s.window_code, s.post,"
        " s.chief_representative from staff s join departments d on d.code = s.department_code"
        " where d.center_code = %s order by s.staff_id",
        (center_code,),
    )


def matters(conn: Connection[Any], center_code: str) -> list[Matter]:
    return _read(
        conn,
        Matter,
        "select m.code, m.name, m.department_code, m.case_type, m.legal_days, m.promised_days,"
        " m.fee, m.level, m.hall_required, m.in_hall, m.review_authorised,"
        " m.approval_authorised from matters m join departments d on d.code = m.department_code"
        " where d.center_code = %s order by m.code",
        (center_code,),
    )


def cameras(conn: Connection[Any], center_code: str) -> list[Camera]:
    return _read(
        conn,
        Camera,
        "select code, center_code, window_code, name, url, seat_regions, privacy_masks"
        " from cameras where center_code = %s order by code",
        (center_code,),
    )


def load_hall(conn: Connection[Any], center_code: str) -> Hall:
    center = next(c for c in centers(conn) if c.code == center_code)
    chain = [r for r in regions(conn) if center.region_code.startswith(region_prefix(r.code))]
    return Hall(
        regions=tuple(chain),
        center=center,
        departments=tuple(departments(conn, center_code)),
        windows=tuple(windows(conn, center_code)),
        staff=tuple(staff(conn, center_code)),
        matters=tuple(matters(conn, center_code)),
        cameras=tuple(cameras(conn, center_code)),
    )
