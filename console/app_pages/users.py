"""用户管理: list users in scope, add one, enable or disable."""

import pandas as pd
import streamlit as st

from console.services import pool, record, require_user, scope
from core.enums import ROLE_LABELS, Role
from store.repos import reference, users

require_user()
st.title("用户管理")
sc = scope()
with pool().connection() as conn:
    people = users.list_all(conn, sc.region_prefix)
    regions = reference.regions(conn, sc.region_prefix)

st.dataframe(
    pd.DataFrame(
        [
            {
                "用户名": u.username,
                "姓名": u.display_name,
                "角色": ROLE_LABELS[u.role],
                "区划": u.region_code,
                "部门": u.department_code,
                "启用": u.active,
            }
            for u in people
        ]
    ),
    hide_index=True,
    use_container_width=True,
)

st.subheader("新增用户")
with st.form("add_user", clear_on_submit=True):
    c1, c2 = st.columns(2)
    username = c1.text_input("用户名")
    display = c2.text_input("姓名")
    role = c1.selectbox("角色", list(Role), format_func=lambda r: ROLE_LABELS[r])
    region = c2.selectbox(
        "管辖区划",
        [r.code for r in regions],
        format_func=lambda c: f"{c} {next(r.name for r in regions if r.code == c)}",
    )
    department = c1.text_input("部门编码（部门联络员必填）")
    password = c2.text_input("初始密码", type="password")
    if st.form_submit_button("创建", type="primary"):
        try:
            with pool().connection() as conn:
                users.add(
                    conn,
                    username.strip(),
                    password,
                    role,
                    region,
                    display.strip() or None,
                    department.strip() or None,
                )
        except users.UserError as exc:
            st.error(f"不能创建用户：{exc}")
        else:
            record("user.add", username, role=role.value)
            st.success(f"已创建用户 {username}")
            st.rerun()
