"""Camera health on the twin's planted faults: each is recognised, and no seat ever reads empty
while the camera is faulty; a small nudge of the view is re-registered, not a fault."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from core.enums import CameraStatus
from video.analysis import CameraAnalysis
from video.geometry import View
from video.health import HealthMonitor, HealthPolicy

# (window, fault start, fault end) of faults the twin plants for the small hall, 1–5 Sep 2025
FAULTS = {
    CameraStatus.OFFLINE: ("YY-ZW-W04", 1756693254, 1756698322),
    CameraStatus.FROZEN: ("YY-ZW-W01", 1756779753, 1756781617),
    CameraStatus.COVERED: ("YY-ZW-W02", 1756869898, 1756871362),
    CameraStatus.DARK: ("YY-ZW-W04", 1756966586, 1756971650),
    CameraStatus.MOVED: ("YY-ZW-W01", 1757038583, 1757042468),
}


def analysis_for(sim_frames, window: str, at: float) -> CameraAnalysis:
    empty = sim_frames.empty(window, at)
    view = View((640, 360), [sim_frames.seat(window)])
    analysis = CameraAnalysis(view)
    analysis.calibrate(view.small(empty))
    return analysis


@pytest.mark.parametrize("fault", list(FAULTS), ids=[f.value for f in FAULTS])
def test_a_planted_camera_fault_is_detected_and_never_reads_as_an_empty_seat(sim_frames, fault):
    window, start, end = FAULTS[fault]
    analysis = analysis_for(sim_frames, window, start)
    assert sim_frames.source.state(window, start + 1).fault == fault
    detected_after, empty_in_fault, ok_after = None, 0, None
    for t in range(start - 300, min(end, start + 900), 5):  # 5 min before, up to 15 min in
        img = sim_frames.frame(window, t)
        small = None if img is None else analysis.view.small(img)
        out = analysis.step(datetime.fromtimestamp(t, UTC), small)
        if t >= start:
            empty_in_fault += out.seats[0].occupied is False
            if out.status == fault and detected_after is None:
                detected_after = t - start
    for t in range(end + 5, end + 120, 5):
        img = sim_frames.frame(window, t)
        out = analysis.step(datetime.fromtimestamp(t, UTC), analysis.view.small(img))
        if out.status == CameraStatus.OK and ok_after is None:
            ok_after = t - end
    assert detected_after is not None and detected_after <= 40
    assert empty_in_fault == 0
    assert ok_after is not None and ok_after <= 30


def test_a_small_nudge_of_the_view_is_reregistered_not_reported_as_moved(sim_frames):
    window, t0 = "YY-ZW-W03", 1_758_000_000
    analysis = analysis_for(sim_frames, window, t0)
    shift = np.float32([[1, 0, 12], [0, 1, -8]])  # 12 px right, 8 px up in 640x360
    import cv2

    statuses, shifted = [], None
    for i in range(20):
        img = cv2.warpAffine(
            sim_frames.frame(window, t0 + i), shift, (640, 360), borderMode=cv2.BORDER_REPLICATE
        )
        out = analysis.step(datetime.fromtimestamp(t0 + i, UTC), analysis.view.small(img))
        statuses.append(out.status)
        shifted = shifted or out.shifted
    assert CameraStatus.MOVED not in statuses
    assert out.seats[0].occupied == sim_frames.source.state(window, t0 + 19).occupied
    assert shifted is not None and abs(shifted[0] - 3) < 1 and abs(shifted[1] + 2) < 1


def test_offline_is_reported_after_the_timeout_and_clears_with_the_next_picture():
    policy = HealthPolicy(offline_after=timedelta(seconds=30))
    h = HealthMonitor(policy)
    t0 = datetime(2025, 9, 16, 2, 0, tzinfo=UTC)
    picture = np.random.default_rng(1).integers(0, 255, (90, 160, 3), np.uint8)
    assert h.observe(t0, picture).status == CameraStatus.OK
    assert h.observe(t0 + timedelta(seconds=20), None) is None
    change = h.observe(t0 + timedelta(seconds=31), None)
    assert change.status == CameraStatus.OFFLINE and change.previous == CameraStatus.OK
    other = np.random.default_rng(2).integers(0, 255, (90, 160, 3), np.uint8)
    h.observe(t0 + timedelta(seconds=40), other)
    assert h.observe(t0 + timedelta(seconds=41), picture).status == CameraStatus.OK
