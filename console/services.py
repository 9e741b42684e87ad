"""What pages share: one connection pool per console process, the logged-in user, audit."""

from __future__ import annotations

from typing import Any

import streamlit as st
from psycopg_pool import ConnectionPool

from console import metrics
from core.regions import region_prefix
from core.settings import Settings, load_settings
from store.db import Database
from store.repos import audit
from store.repos.users import User


@st.cache_resource
def settings() -> Settings:
    return load_settings()


@st.cache_resource
def pool() -> ConnectionPool:
    return metrics.watch_pool(
        Database.open(settings()).pool("hallwatch-console", max_size=4), settings()
    )


def current_user() -> User | None:
    user: User | None = st.session_state.get("user")
    return user


def require_user() -> User:
    user = current_user()
    if user is None:  # navigation only offers pages to logged-in users; belt and braces
        st.stop()
    assert user is not None
    return user


class Scope:
    """The slice of the network a user may see: a region subtree, and for a department
    liaison one department. Every console query takes its filters from here."""

    def __init__(self, user: User) -> None:
        self.region_prefix = region_prefix(user.region_code)
        self.department_code = user.department_code if user.role == "liaison" else None

    def params(self) -> dict[str, Any]:
        return {"region_prefix": self.region_prefix, "department_code": self.department_code}


def scope() -> Scope:
    return Scope(require_user())


def record(action: str, subject: str | None = None, **detail: Any) -> None:
    """Write one console action to the audit log, as the logged-in user."""
    user = current_user()
    with pool().connection() as conn:
        audit.write(
            conn,
            user.username if user else "anonymous",
            action,
            subject,
            user.region_code if user else None,
            **detail,
        )
