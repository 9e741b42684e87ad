"""Video's tables (migration 0040) through their repositories: presence samples and retention,
patrol visits and coverage, findings with their clocks and history, the live-view audit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from store.repos import audit, patrols
from store.repos import video as repo
from store.repos import video_evidence as evidence_repo
from video.patrol import finding_clocks

NOW = datetime(2025, 9, 16, 2, 0, tzinfo=UTC)


@pytest.fixture
def conn(module_db):
    """One database for the module (the small hall in it); each test uses its own rows."""
    with module_db.connect(autocommit=True) as c:
        yield c


@pytest.fixture
def hall():
    return None


def test_presence_samples_are_copied_in_and_purged_after_the_retention(conn, hall):
    rows = [
        (NOW - timedelta(days=31), "YY-ZW-W01-CAM", "YY-ZW-W01", 0, True, 0.4, "ok"),
        (NOW, "YY-ZW-W01-CAM", "YY-ZW-W01", 0, None, None, "covered"),
    ]
    assert repo.write_presence(conn, rows) == 2
    assert repo.purge_presence(conn, NOW - timedelta(days=30)) == 1
    left = repo.presence_between(conn, "YY-ZW-W01", NOW - timedelta(days=40), NOW + timedelta(1))
    assert [(r["occupied"], r["camera_status"]) for r in left] == [(None, "covered")]


def test_a_finding_keeps_its_clocks_and_every_change_as_a_history_row(conn, hall):
    clocks = finding_clocks(NOW)
    fid = patrols.add_finding(
        conn,
        window_code="YY-ZW-W02",
        inspector="inspector",
        items=["on_duty", "discipline"],
        severity="major",
        note="窗口无人",
        found_at=NOW,
        respond_due_at=clocks.respond_due_at,
        fix_due_at=clocks.fix_due_at,
    )
    f = patrols.finding(conn, fid)
    assert (f.department_code, f.region_code, f.status) == ("YY-ZW-SCJG", "610802", "open")
    assert fid in [x.id for x in patrols.overdue_findings(conn, NOW + timedelta(hours=2))]
    assert patrols.record_transition(
        conn, fid, "open", "responded", "responded", "supervisor", NOW + timedelta(minutes=30)
    )
    assert not patrols.record_transition(conn, fid, "open", "responded", "responded", "x", NOW)
    assert fid not in [x.id for x in patrols.overdue_findings(conn, NOW + timedelta(hours=2))]
    history = conn.execute(
        "select action, actor from finding_history where finding_id = %s order by id", (fid,)
    ).fetchall()
    assert [(h["action"], h["actor"]) for h in history] == [
        ("opened", "inspector"),
        ("responded", "supervisor"),
    ]


def test_coverage_counts_the_windows_visited_today(conn, hall):
    pid = patrols.start_patrol(conn, "inspector", "YY-ZW", "YY-ZW-SCJG", 20)
    patrols.visit(conn, pid, "YY-ZW-W01", "inspector", NOW)
    patrols.visit(conn, pid, "YY-ZW-W02", "inspector", NOW + timedelta(seconds=20))
    patrols.visit(conn, None, "YY-ZW-W03", "inspector", NOW - timedelta(days=1))
    assert patrols.visited_windows(conn, "YY-ZW", NOW - timedelta(hours=1)) == [
        "YY-ZW-W01",
        "YY-ZW-W02",
    ]
    assert patrols.visited_windows(conn, "YY-ZW", NOW - timedelta(hours=1), "YY-ZW-GA") == []


def test_a_live_view_is_audited_with_who_which_camera_and_from_when_to_when(conn, hall):
    vid = evidence_repo.start_view(conn, "inspector", "YY-ZW-W01-CAM", "transcode", "610802")
    evidence_repo.end_view(conn, vid)
    evidence_repo.end_view(conn, vid)  # ending twice writes nothing more
    entries = [e for e in audit.recent(conn, action="video.view") if e.detail["view_id"] == vid]
    assert len(entries) == 1 and entries[0].actor == "inspector"
    assert entries[0].subject == "YY-ZW-W01-CAM" and entries[0].detail["seconds"] >= 0


def test_one_evidence_request_per_alert(conn, hall):
    at = NOW
    first = evidence_repo.request_evidence(
        conn,
        camera_code="YY-ZW-W01-CAM",
        window_code="YY-ZW-W01",
        at=at,
        requested_by="alerts",
        alert_id=7,
    )
    again = evidence_repo.request_evidence(
        conn,
        camera_code="YY-ZW-W01-CAM",
        window_code="YY-ZW-W01",
        at=at,
        requested_by="alerts",
        alert_id=7,
    )
    assert first is not None and again is None
    claimed = evidence_repo.claim_evidence_requests(conn, ["YY-ZW-W01-CAM"], NOW)
    assert [c.id for c in claimed] == [first]
    assert evidence_repo.claim_evidence_requests(conn, ["YY-ZW-W01-CAM"], NOW) == []  # leased
