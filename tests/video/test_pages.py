"""The two video pages render for their roles (streamlit AppTest, real database, the video
service running): 摄像机管理 saves seat regions and calibrates; 视频巡查 records a finding with
a snapshot and shows today's coverage."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from store.repos import patrols, users
from store.repos import video as repo
from store.repos import video_evidence as evidence_repo


@pytest.fixture(scope="module")
def console_env(video_service, module_db, module_settings):
    mp = pytest.MonkeyPatch()
    mp.setenv("HALLWATCH_DATABASE_URL", module_db.url)
    mp.setenv("HALLWATCH_DATA_DIR", str(module_settings.data_dir))
    mp.setenv("HALLWATCH_VIDEO_PORT", str(video_service.port))
    from console import services

    services.settings.clear()
    services.pool.clear()
    yield
    services.pool.clear()
    services.settings.clear()
    mp.undo()


def page_as(module_db, username: str, page: str) -> AppTest:
    with module_db.connect(autocommit=True) as conn:
        user = users.get(conn, username)
    pages = Path(__file__).resolve().parents[2] / "console" / "app_pages"
    at = AppTest.from_file(str(pages / page), default_timeout=60)
    at.session_state["user"] = user
    return at.run()


def test_the_admin_sets_a_seat_region_and_calibrates_the_empty_seat(console_env, module_db):
    at = page_as(module_db, "admin", "cameras.py")
    assert not at.exception and at.title[0].value == "摄像机管理"
    at.selectbox[0].select_index(0).run()
    camera = at.selectbox[0].value.code
    at.text_area[0].input("100,80,150,160").run()
    next(b for b in at.button if b.label == "保存区域").click().run()
    assert not at.exception and any("已保存" in s.value for s in at.success)
    with module_db.connect(autocommit=True) as conn:
        assert repo.camera(conn, camera).seat_regions == [
            [[100, 80], [250, 80], [250, 240], [100, 240]]
        ]
    next(b for b in at.button if b.label.startswith("标定空座")).click().run()
    assert any("已标定" in s.value for s in at.success), [e.value for e in at.error]
    with module_db.connect(autocommit=True) as conn:
        assert repo.latest_calibration(conn, camera).created_by == "admin"


def test_an_inspector_records_a_finding_with_a_snapshot(console_env, module_db):
    at = page_as(module_db, "inspector", "patrol.py")
    assert not at.exception and at.title[0].value == "视频巡查"
    at.multiselect[0].select(at.multiselect[0].options[0])  # form widgets: set, then submit
    at.text_area[0].input("窗口无人在岗")
    next(b for b in at.button if b.label == "记录问题").click().run()
    assert not at.exception
    assert any("已记录问题" in s.value for s in at.success), (
        [w.value for w in at.warning],
        [e.value for e in at.error],
        [b.label for b in at.button],
        at.multiselect[0].value,
        [s.value for s in at.success],
    )
    with module_db.connect(autocommit=True) as conn:
        found = patrols.findings(conn, center_code="YY-ZW")
        assert found and found[0].evidence_id is not None
        assert evidence_repo.evidence(conn, found[0].evidence_id).kind == "snapshot"
