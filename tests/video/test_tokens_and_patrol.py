"""View tokens, live-mode choice, and the pure parts of video patrol (clocks, transitions,
rounds, coverage)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from video.patrol import (
    FindingAction,
    FindingStatus,
    TransitionError,
    coverage,
    finding_clocks,
    overdue,
    patrol_position,
    transition,
)
from video.relay import LiveMode, choose_mode, fit
from video.signalling import answer_codecs
from video.tokens import Purpose, TokenError, issue, verify

NOW = datetime(2025, 9, 16, 2, 0, tzinfo=UTC)
KEY = "test-secret"


def test_a_token_grants_one_user_one_camera_one_purpose_for_a_short_time():
    tok = issue(KEY, "inspector", "CAM-1", NOW, region_code="610802")
    grant = verify(KEY, tok, "CAM-1", NOW + timedelta(seconds=60))
    assert (grant.user, grant.camera, grant.purpose, grant.region_code) == (
        "inspector",
        "CAM-1",
        Purpose.VIEW,
        "610802",
    )


@pytest.mark.parametrize(
    ("key", "camera", "at", "purpose", "why"),
    [
        ("other-key", "CAM-1", NOW, Purpose.VIEW, "signature"),
        (KEY, "CAM-2", NOW, Purpose.VIEW, "another camera"),
        (KEY, "CAM-1", NOW + timedelta(minutes=3), Purpose.VIEW, "expired"),
        (KEY, "CAM-1", NOW, Purpose.CALIBRATE, "not calibrate"),
    ],
)
def test_a_token_is_refused_when_forged_expired_or_used_elsewhere(key, camera, at, purpose, why):
    tok = issue(KEY, "inspector", "CAM-1", NOW)
    with pytest.raises(TokenError, match=why):
        verify(key, tok, camera, at, purpose)


def test_a_tampered_token_is_refused():
    body, sig = issue(KEY, "inspector", "CAM-1", NOW).split(".")
    with pytest.raises(TokenError):
        verify(KEY, body[:-2] + "xx." + sig, "CAM-1", NOW)


@pytest.mark.parametrize(
    ("pref", "codec", "profile", "masks", "mode"),
    [
        (LiveMode.AUTO, "h264", "Constrained Baseline", False, LiveMode.PASSTHROUGH),
        (LiveMode.AUTO, "h264", "Main", False, LiveMode.TRANSCODE),
        (LiveMode.AUTO, "hevc", "Main", False, LiveMode.TRANSCODE),
        (LiveMode.AUTO, "h264", "Baseline", True, LiveMode.TRANSCODE),
        (LiveMode.PASSTHROUGH, "h264", "High", False, LiveMode.PASSTHROUGH),
        (LiveMode.TRANSCODE, "h264", "Baseline", False, LiveMode.TRANSCODE),
    ],
)
def test_passthrough_only_for_h264_a_browser_takes_and_never_with_privacy_masks(
    pref, codec, profile, masks, mode
):
    assert choose_mode(pref, codec, profile, masks) == mode


def test_transcoded_video_fits_640_by_360_and_is_never_upscaled():
    assert fit(1920, 1080) == (640, 360)
    assert fit(768, 432) == (640, 360)
    assert fit(320, 240) == (320, 240)
    assert fit(1080, 1920) == (202, 360)


def test_the_answer_codecs_are_read_from_the_video_section_only():
    sdp = (
        "v=0\r\nm=audio 9 X 0\r\na=rtpmap:0 PCMU/8000\r\n"
        "m=video 9 X 97\r\na=rtpmap:97 H264/90000\r\n"
    )
    assert answer_codecs(sdp) == {"H264"}


def test_a_finding_must_be_answered_in_an_hour_and_fixed_in_a_day():
    clocks = finding_clocks(NOW)
    assert clocks.respond_due_at == NOW + timedelta(hours=1)
    assert clocks.fix_due_at == NOW + timedelta(hours=24)
    assert overdue(FindingStatus.OPEN, clocks, NOW + timedelta(minutes=59)) == (False, False)
    assert overdue(FindingStatus.OPEN, clocks, NOW + timedelta(hours=2)) == (True, False)
    assert overdue(FindingStatus.RESPONDED, clocks, NOW + timedelta(hours=25)) == (False, True)
    assert overdue(FindingStatus.FIXED, clocks, NOW + timedelta(hours=25)) == (False, False)


def test_a_finding_goes_open_responded_fixed_and_not_back():
    assert transition(FindingStatus.OPEN, FindingAction.RESPOND)[0] == FindingStatus.RESPONDED
    assert transition(FindingStatus.RESPONDED, FindingAction.FIX)[0] == FindingStatus.FIXED
    with pytest.raises(TransitionError):
        transition(FindingStatus.FIXED, FindingAction.RESPOND)


def test_a_patrol_shows_each_window_n_seconds_then_starts_over():
    positions = [
        patrol_position(NOW, NOW + timedelta(seconds=s), 20, 3) for s in (0, 19, 20, 59, 60)
    ]
    assert positions == [0, 0, 1, 2, 0]
    assert coverage(["W1", "W3", "W9"], ["W1", "W2", "W3", "W4"]) == 0.5
