"""Seat presence: the reference detector under changing light, hysteresis, re-learning the empty
seat, accuracy on the twin's frames (lighting drift, customers) and on the real clip."""

from __future__ import annotations

import math
from datetime import date, time

import numpy as np
import pytest

from sim import clock
from video.fileaudit import DetectorName, load_labels, presence_rows, score
from video.geometry import View, parse_rect, rect
from video.presence import Hysteresis, ReferenceDetector, SeatWatch
from video.simaudit import audit, drift

from .conftest import CLIP, LABELS

WINDOW = "YY-ZW-W01"
MORNING = 1_758_000_000.0  # 2025-09-16 13:20 CST, a working day


def scaled(img: np.ndarray, gain: float, ramp: float = 0.0) -> np.ndarray:
    g = gain * np.linspace(1 - ramp, 1 + ramp, img.shape[1], dtype=np.float32)[None, :, None]
    return np.clip(img.astype(np.float32) * g, 0, 255).astype(np.uint8)


@pytest.fixture
def seat(sim_frames):
    """(view, detector calibrated on the empty seat, empty picture, occupied picture)."""
    from sim.frames import FrameState

    renderer = sim_frames.source.renderer(WINDOW)
    empty = renderer.render(FrameState(False, 0, None, None, None, True), MORNING)
    occupied = renderer.render(FrameState(True, 0, 2, None, None, True), MORNING)
    view = View((640, 360), [sim_frames.seat(WINDOW)])
    det = ReferenceDetector(view)
    det.calibrate(view.small(empty))
    return view, det, empty, occupied


@pytest.mark.parametrize(
    ("gain", "ramp"), [(1.0, 0.0), (0.5, 0.0), (1.3, 0.0), (0.8, 0.3), (0.3, 0.0)]
)
def test_the_decision_holds_when_the_hall_gets_darker_brighter_or_unevenly_lit(seat, gain, ramp):
    view, det, empty, occupied = seat
    assert not det.read(view.small(scaled(empty, gain, ramp)))[0].occupied
    reading = det.read(view.small(scaled(occupied, gain, ramp)))[0]
    assert reading.occupied and reading.score > 0.3


def test_the_state_changes_only_after_several_equal_results_in_a_row():
    h = Hysteresis(confirm=3)
    assert [h.update(x) for x in (True, True, False, True, True, True, False, False)] == [
        None,
        None,
        None,
        None,
        None,
        True,
        True,
        True,
    ]
    assert [h.update(False)] == [False]


def test_a_reading_that_cannot_be_made_makes_the_state_unknown_again():
    h = Hysteresis(confirm=2)
    h.update(False), h.update(False)
    assert h.state is False
    assert h.update(None) is None and h.update(False) is None and h.update(False) is False


def test_the_empty_seat_is_relearnt_as_the_light_creeps_but_a_still_person_is_not(seat):
    view, det, empty, occupied = seat
    watch = SeatWatch(det, confirm=2, learn_every=2)
    x, y, w, h = view.seat_boxes()[0]
    for i in range(60):  # a patch of sun slowly warming the back of the seat
        lit = empty.copy().astype(np.float32)
        lit[y : y + h // 2, x : x + w] *= 1 + 0.6 * i / 60
        state = watch.step(view.small(np.clip(lit, 0, 255).astype(np.uint8)))[0]
        assert state.occupied in (None, False)
    assert state.occupied is False
    for _ in range(60):  # someone sits perfectly still for a long time
        state = watch.step(view.small(occupied))[0]
    assert state.occupied is True and state.reading.score > 0.3


def test_presence_on_sim_frames_with_lighting_drift_and_customers_is_at_least_97_percent(
    sim_frames,
):
    day = date(2025, 9, 16)
    start, end = clock.at(day, time(8, 0)), clock.at(day, time(18, 0))
    result = audit(sim_frames, ["YY-ZW-W01", "YY-ZW-W03"], start, end, 30, drift)
    print(
        f"sim presence: raw {result.raw:.4f}, confirmed {result.confirmed:.4f},"
        f" {result.samples} samples, {result.faults} fault samples skipped"
    )
    assert result.samples > 2000
    assert result.raw >= 0.97 and result.confirmed >= 0.97


@pytest.mark.parametrize(
    ("detector", "light"),
    [
        (DetectorName.REFERENCE, lambda img, t: scaled(img, 0.75)),
        (DetectorName.REFERENCE, lambda img, t: scaled(img, 0.8 + 0.3 * math.sin(t / 20), 0.2)),
        (DetectorName.SEGMENTATION, lambda img, t: scaled(img, 0.75)),
    ],
    ids=["25%-darker", "drifting", "segmentation-darker"],
)
def test_the_real_clip_matches_the_hand_labels(detector, light):
    fps = 1.0 if detector == DetectorName.REFERENCE else 0.5
    rows = list(
        presence_rows(
            CLIP,
            parse_rect("340,40,240,360"),
            empty_at=1.0,
            fps=fps,
            detector=detector,
            light=light,
        )
    )
    result = score(rows, load_labels(LABELS))
    print(f"{detector} clip accuracy {result.accuracy:.4f} on {result.scored} samples")
    assert result.scored > 50 and result.accuracy >= 0.97


def test_geometry_scales_seat_regions_to_the_analysis_picture():
    view = View((1280, 720), [rect(640, 360, 320, 180)], privacy=[rect(0, 0, 160, 90)])
    assert view.size == (160, 90)
    assert 40 * 22 <= view.seat_masks[0].sum() <= 41 * 24  # fillPoly includes the border
    assert not view.background[0:10, 0:18].any()
