"""Things accountability cases are opened from, made the way the system makes them: a snapshot
JPEG with its evidence row (as the video worker writes it), a patrol finding (as 视频巡查 records
it), attendance and complaint events (through ingest's validator and writer)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from store.repos import patrols
from store.repos import video_evidence as evidence_repo
from tests.fix_ingest import submit
from tests.ingest import factory
from video.evidence import evidence_path, write_snapshot
from video.patrol import finding_clocks


def snapshot(conn: Any, data_dir: Path, window: str, at: datetime, by: str = "inspector") -> int:
    """A 640x360 JPEG of the window under <data_dir>/evidence and its evidence row; its id."""
    root = data_dir / "evidence"
    img = np.full((360, 640, 3), (200, 170, 120), np.uint8)
    cv2.rectangle(img, (220, 90), (420, 300), (40, 40, 160), -1)  # an empty chair
    cv2.putText(img, window, (20, 40), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (0, 0, 0), 2)
    camera = f"{window}-CAM"
    stored = write_snapshot(img, evidence_path(root, camera, at, "snapshot", "jpg"))
    return evidence_repo.add_evidence(
        conn,
        kind="snapshot",
        path=str(stored.path.relative_to(root)),
        sha256=stored.sha256,
        size=stored.size,
        camera_code=camera,
        window_code=window,
        requested_by=by,
        taken_at=at,
        reason="巡查问题",
    )


def finding(
    conn: Any,
    window: str,
    at: datetime,
    *,
    evidence_id: int | None = None,
    items: Sequence[str] = ("on_duty",),
    severity: str = "major",
    note: str = "窗口无人在岗，群众等候",
) -> int:
    clocks = finding_clocks(at)
    return patrols.add_finding(
        conn,
        window_code=window,
        inspector="inspector",
        items=items,
        severity=severity,
        note=note,
        found_at=at,
        respond_due_at=clocks.respond_due_at,
        fix_due_at=clocks.fix_due_at,
        evidence_id=evidence_id,
    )


def clock_events(writer: Any, validator: Any, marks: Sequence[tuple[str, str, datetime]]) -> None:
    """Attendance (in|out, staff, at) at window YY-ZW-W01, through ingest."""
    events = [factory.clock(kind, at, staff=staff) for kind, staff, at in marks]
    assert submit(writer, validator, events).accepted == len(events)


def complaint_events(
    writer: Any,
    validator: Any,
    number: str,
    filed: datetime,
    *,
    department: str = "YY-ZW-GA",
    window: str | None = None,
    staff: str | None = None,
    accepted: datetime | None = None,
    resolved: tuple[datetime, bool] | None = None,
) -> None:
    """A complaint filed (naming the department, and the window or staff member if given),
    maybe accepted and resolved (with substantiated), through ingest."""
    payload = {
        "complaint_no": number,
        "channel": "12345",
        "category": "服务态度",
        "summary": "工作人员态度生硬，拒绝解释补正要求",
    }
    where = {"department_code": department, "window_code": window, "staff_id": staff}
    events = [factory.event("complaint.filed", filed, payload, **where)]
    later = {"department_code": department, "window_code": None, "staff_id": None}
    if accepted is not None:
        events.append(
            factory.event("complaint.accepted", accepted, {"complaint_no": number}, **later)
        )
    if resolved is not None:
        done = {"complaint_no": number, "substantiated": resolved[1], "satisfied": False}
        events.append(factory.event("complaint.resolved", resolved[0], done, **later))
    assert submit(writer, validator, events).accepted == len(events)
