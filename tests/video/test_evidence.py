"""Evidence: the ring of encoded packets, clips cut from it without re-encoding, snapshots with
checksums and privacy masks."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import av
import numpy as np

from video.evidence import PacketRing, evidence_path, write_clip, write_snapshot
from video.geometry import rect

from .conftest import CLIP

T0 = 1_000_000.0  # wall-clock seconds the clip's packets are said to arrive at


def fill(ring: PacketRing, path=CLIP) -> list[bytes]:
    """Push every packet of `path` as if it arrived at T0 + its time; returns their bytes."""
    seen = []
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        for p in c.demux(s):
            if p.dts is None:
                continue
            seen.append(bytes(p))
            ring.push(p, s, T0 + float(p.pts * p.time_base))
    return seen


def test_the_ring_keeps_the_last_60_seconds_from_a_keyframe():
    ring = PacketRing(60)
    fill(ring)
    first, last = ring.span()
    assert 59 <= last - first <= 61
    assert ring.cut(first, first)[0].key


def test_a_clip_from_30_s_before_to_30_s_after_is_the_cameras_own_packets(tmp_path):
    ring = PacketRing(60)
    source = fill(ring)
    alert = T0 + 110.5
    held = ring.cut(alert - 30, alert + 30)
    stored = write_clip(held, tmp_path / "clip.mp4")
    assert stored.sha256 == hashlib.sha256(stored.path.read_bytes()).hexdigest()
    with av.open(str(stored.path)) as c:
        s = c.streams.video[0]
        packets = [bytes(p) for p in c.demux(s) if p.dts is not None]
        assert (s.codec_context.name, s.codec_context.profile) == ("h264", "Main")
    with av.open(str(stored.path)) as c:
        frames = list(c.decode(c.streams.video[0]))
    start = held[0].at - T0
    assert start <= 80.5 and held[-1].at - T0 <= 140.5 and held[-1].at >= alert + 28
    assert packets == source[source.index(packets[0]) : source.index(packets[0]) + len(packets)]
    assert len(frames) == len(packets) and frames[0].key_frame


def test_a_snapshot_is_a_jpeg_with_its_checksum_and_private_areas_blacked_out(tmp_path):
    img = np.full((360, 640, 3), 200, np.uint8)
    at = datetime(2025, 9, 16, 2, 30, tzinfo=UTC)
    path = evidence_path(tmp_path, "CAM-1", at, "snapshot", "jpg")
    stored = write_snapshot(img, path, masks=[rect(0, 0, 100, 100)])
    assert path.parts[-4:-1] == ("2025", "09", "16") and stored.size == path.stat().st_size
    assert stored.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    import cv2

    back = cv2.imread(str(path))
    assert back[50, 50].max() < 10 and back[200, 300].min() > 190
