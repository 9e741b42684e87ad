"""Console users: argon2 password hashes, one role each, scoped to a region subtree (and, for
department liaisons, to one department)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from psycopg import Connection
from psycopg.errors import UniqueViolation
from psycopg.rows import class_row

from core.enums import Role

_hasher = PasswordHasher()
MIN_PASSWORD = 8


class UserError(ValueError):
    """A user cannot be created as asked; the message names the field."""


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    role: Role
    region_code: str
    department_code: str | None
    active: bool


_COLUMNS = "id, username, display_name, role, region_code, department_code, active"


def add(
    conn: Connection[Any],
    username: str,
    password: str,
    role: Role | str,
    region_code: str,
    display_name: str | None = None,
    department_code: str | None = None,
) -> User:
    role = Role(role)
    if len(password) < MIN_PASSWORD:
        raise UserError(f"password: at least {MIN_PASSWORD} characters")
    if role is Role.LIAISON and not department_code:
        raise UserError("department_code: a 部门联络员 needs a department")
    try:
        with conn.cursor(row_factory=class_row(User)) as cur:
            user = cur.execute(
                f"insert into users (username, display_name, password_hash, role, region_code,"
                f" department_code) values (%s, %s, %s, %s, %s, %s) returning {_COLUMNS}",
                (
                    username,
                    display_name or username,
                    _hasher.hash(password),
                    role.value,
                    region_code,
                    department_code,
                ),
            ).fetchone()
    except UniqueViolation:
        raise UserError(f"username: {username!r} exists already") from None
    assert user is not None
    return user


def get(conn: Connection[Any], username: str) -> User | None:
    with conn.cursor(row_factory=class_row(User)) as cur:
        return cur.execute(
            f"select {_COLUMNS} from users where username = %s", (username,)
        ).fetchone()


def authenticate(conn: Connection[Any], username: str, password: str) -> User | None:
    """The active user with this name and password, or None (no hint which one was wrong)."""
    row = conn.execute(
        "select password_hash from users where username = %s and active", (username,)
    ).fetchone()
    if row is None:
        _hasher.hash(password)  # same work either way: no user-name oracle by timing
        return None
    stored = row["password_hash"] if isinstance(row, dict) else row[0]
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(stored):
        conn.execute(
            "update users set password_hash = %s where username = %s",
            (_hasher.hash(password), username),
        )
    return get(conn, username)


def list_all(conn: Connection[Any], region_prefix: str = "") -> list[User]:
    with conn.cursor(row_factory=class_row(User)) as cur:
        return cur.execute(
            f"select {_COLUMNS} from users where region_code like %s order by role, username",
            (region_prefix + "%",),
        ).fetchall()


def set_active(conn: Connection[Any], username: str, active: bool) -> None:
    conn.execute("update users set active = %s where username = %s", (active, username))
