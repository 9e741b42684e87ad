"""Which pages each role sees (ARCHITECTURE.md → Who uses it). Pages register here only once
they work; later capabilities add their line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from core.enums import Role
from store.repos.users import User

PAGES_DIR = Path(__file__).parent / "app_pages"
ALL = frozenset(Role)


@dataclass(frozen=True)
class PageSpec:
    file: str
    title: str
    icon: str
    roles: frozenset[Role]
    section: str = "工作台"


PAGES: tuple[PageSpec, ...] = (
    PageSpec("home.py", "总览", ":material/dashboard:", ALL),
    PageSpec("alerts.py", "实时告警", ":material/notifications_active:", ALL - {Role.INSPECTOR}),
    PageSpec("cases.py", "办件监控", ":material/assignment:", ALL - {Role.INSPECTOR}),
    PageSpec(
        "accountability.py",
        "责任追究",
        ":material/gavel:",
        frozenset({Role.SUPERVISOR, Role.LIAISON, Role.LEADER, Role.ADMIN}),
        "效能监察",
    ),
    PageSpec(
        "performance.py",
        "绩效统计",
        ":material/leaderboard:",
        frozenset({Role.SUPERVISOR, Role.LEADER, Role.ADMIN}),
        "效能监察",
    ),
    PageSpec(
        "bulletins.py",
        "通报",
        ":material/campaign:",
        frozenset({Role.SUPERVISOR, Role.LEADER, Role.ADMIN}),
        "效能监察",
    ),
    PageSpec(
        "audit.py",
        "操作日志",
        ":material/history:",
        frozenset({Role.ADMIN, Role.SUPERVISOR}),
        "系统",
    ),
    PageSpec(
        "patrol.py",
        "视频巡查",
        ":material/videocam:",
        frozenset({Role.INSPECTOR, Role.SUPERVISOR, Role.ADMIN}),
    ),
    PageSpec(
        "cameras.py", "摄像机管理", ":material/linked_camera:", frozenset({Role.ADMIN}), "系统"
    ),
    PageSpec(
        "alert_settings.py",
        "告警设置",
        ":material/notifications_paused:",
        frozenset({Role.SUPERVISOR, Role.ADMIN}),
        "系统",
    ),
    PageSpec("users.py", "用户管理", ":material/group:", frozenset({Role.ADMIN}), "系统"),
    PageSpec("logout.py", "退出登录", ":material/logout:", ALL, "账户"),
)


def pages_for(user: User | None) -> dict[str, list[st.Page]] | list[st.Page]:
    if user is None:
        return [st.Page(PAGES_DIR / "login.py", title="登录", icon=":material/login:")]
    sections: dict[str, list[st.Page]] = {}
    for spec in PAGES:
        if user.role in spec.roles:
            page = st.Page(
                PAGES_DIR / spec.file,
                title=spec.title,
                icon=spec.icon,
                default=spec.file == "home.py",
            )
            sections.setdefault(spec.section, []).append(page)
    return sections
