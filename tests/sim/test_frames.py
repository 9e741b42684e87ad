"""Synthetic camera frames agree with the presence truth and show the planted camera faults."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime

import numpy as np
import pytest

from core.enums import CameraStatus
from sim import clock
from sim.frames import FrameSource


@pytest.fixture(scope="module")
def source(dataset):
    return FrameSource(dataset.twins)


@pytest.fixture(scope="module")
def presence(dataset):
    return {
        w: [
            (datetime.fromisoformat(a).timestamp(), datetime.fromisoformat(b).timestamp())
            for a, b in spans
        ]
        for w, spans in dataset.truth["presence"].items()
    }


@pytest.fixture(scope="module")
def faults(dataset):
    out = {}
    for item in dataset.truth["violations"]:
        if item["kind"].startswith("camera_"):
            span = (
                datetime.fromisoformat(item["start"]).timestamp(),
                datetime.fromisoformat(item["end"]).timestamp(),
            )
            out.setdefault(item["window_code"], []).append((item["kind"], *span))
    return out


def _normalised_roi(frame: np.ndarray, roi) -> np.ndarray:
    x, y, w, h = roi
    patch = frame[y : y + h, x : x + w].astype(np.float32)
    return patch / max(float(patch.mean()), 1.0)


def _looks_occupied(frame, empty_reference, roi) -> bool:
    """Independent pixel criterion: the seat region differs from the same camera's picture of
    the empty seat (gain-normalised, so lighting drift does not count)."""
    diff = np.abs(_normalised_roi(frame, roi) - _normalised_roi(empty_reference, roi))
    return float(diff.mean()) > 0.12


def test_seat_occupancy_in_frames_matches_the_presence_truth(dataset, source, presence, faults):
    rng = random.Random(1)
    day_starts = [clock.midnight(d) for d in (dataset.config.start,)]
    lunch = day_starts[0] + 12 * 3600 + 45 * 60  # 12:45 on a working day: everyone at lunch
    checked = occupied_seen = 0
    for _ in range(600):
        window = rng.choice(source.window_codes)
        t = rng.uniform(dataset.start, dataset.end)
        if any(a - 60 <= t < b + 60 for _, a, b in faults.get(window, [])):
            continue
        assert not any(a <= lunch < b for a, b in presence[window])
        reference = source.frame(window, lunch)
        frame = source.frame(window, t)
        assert frame.shape == (360, 640, 3) and frame.dtype == np.uint8
        truth = any(a <= t < b for a, b in presence[window])
        assert _looks_occupied(frame, reference, source.seat_roi(window)) == truth, (
            window,
            clock.iso(int(t)),
        )
        checked += 1
        occupied_seen += truth
    assert checked > 500 and 100 < occupied_seen < checked - 100


def test_seat_roi_is_the_cameras_seat_region(dataset, source):
    for camera in dataset.halls[0].cameras:
        x, y, w, h = source.seat_roi(camera.window_code)
        assert camera.seat_regions[0] == ((x, y), (x + w, y), (x + w, y + h), (x, y + h))
        assert x >= 0 and y >= 0 and x + w <= 640 and y + h <= 360


def test_frames_vary_with_lighting_noise_and_a_customer_at_the_counter(dataset, source):
    twin = dataset.twins[0]
    window = dataset.halls[0].windows[0].code
    wd = twin.day(dataset.config.start).windows[window]
    s, e = wd.services[3]
    with_customer = source.frame(window, s + 30)
    assert source.state(window, s + 30).customer is not None
    later = source.frame(window, e + 1)
    assert not np.array_equal(with_customer, later)
    morning, evening = source.frame(window, s), source.frame(window, s + 6 * 3600)
    assert abs(float(morning.mean()) - float(evening.mean())) > 1.0


def test_each_planted_camera_fault_shows_in_the_picture(source, faults, dataset):
    seen = set()
    for window, spans in faults.items():
        for kind, a, b in spans:
            mid, before = (a + b) / 2, a - 120
            frame = source.frame(window, mid)
            normal = source.frame(window, before)
            if kind == "camera_offline":
                assert frame is None
            elif kind == "camera_dark":
                assert frame.mean() < 15
            elif kind == "camera_covered":
                assert frame.std() < 25 and normal.std() > 30
            elif kind == "camera_frozen":
                assert np.array_equal(frame, source.frame(window, mid + 60))
            elif kind == "camera_moved":
                state = source.state(window, mid)
                assert state.fault == CameraStatus.MOVED
                unmoved = source.renderer(window).render(replace(state, fault=None), mid)
                x, y, w, h = source.seat_roi(window)
                roi = (slice(y, y + h), slice(x, x + w))
                assert np.abs(frame[roi].astype(int) - unmoved[roi].astype(int)).mean() > 10
            seen.add(kind)
    assert seen == {
        "camera_offline",
        "camera_dark",
        "camera_covered",
        "camera_frozen",
        "camera_moved",
    }
