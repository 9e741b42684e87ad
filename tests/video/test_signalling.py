"""Live view through the video service with a real aiortc client: passthrough of H.264
Constrained Baseline packets, VP8 transcoding of the sim, tokens, and the audit of views."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import aiohttp
import pytest
from aiortc import RTCPeerConnection, RTCSessionDescription

from store.repos import audit
from store.repos import video_evidence as evidence_repo
from video.tokens import Purpose, issue


def token(settings, camera: str, purpose: Purpose = Purpose.VIEW, user: str = "inspector") -> str:
    key = settings.secret_key.get_secret_value()
    return issue(key, user, camera, datetime.now(UTC), purpose=purpose, region_code="610802")


def run(coro):
    """asyncio.run in a thread of its own (playwright's sync API may own this thread's loop)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def watch(url: str, camera: str, tok: str, frames: int = 5) -> tuple[dict, list]:
    """Offer, get the answer, receive `frames` decoded frames; returns (answer json, frames)."""
    pc = RTCPeerConnection()
    pc.addTransceiver("video", direction="recvonly")
    got: list = []
    ready = asyncio.Event()
    tasks: list[asyncio.Future] = []

    @pc.on("track")
    def on_track(track) -> None:
        async def pull() -> None:
            while len(got) < frames:
                got.append(await track.recv())
            ready.set()

        tasks.append(asyncio.ensure_future(pull()))

    await pc.setLocalDescription(await pc.createOffer())
    async with aiohttp.ClientSession() as http:
        body = {
            "camera": camera,
            "token": tok,
            "sdp": pc.localDescription.sdp,
            "type": pc.localDescription.type,
        }
        async with http.post(f"{url}/v1/offer", json=body) as resp:
            answer = await resp.json()
            answer["status"] = resp.status
    if answer["status"] != 200:
        await pc.close()
        return answer, got
    await pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], answer["type"]))
    try:
        await asyncio.wait_for(ready.wait(), 20)
    finally:
        await pc.close()
    return answer, got


def test_it_passes_baseline_h264_through_to_a_viewer(video_service, module_settings, module_db):
    url = f"http://127.0.0.1:{video_service.port}"
    answer, frames = run(watch(url, "YY-ZW-FILE", token(module_settings, "YY-ZW-FILE")))
    assert answer["mode"] == "passthrough"
    assert "H264" in answer["sdp"] and "VP8" not in answer["sdp"].split("m=video")[1]
    assert len(frames) == 5 and frames[0].width == 640


def test_it_transcodes_the_sim_to_vp8_and_audits_the_view(
    video_service, module_settings, module_db
):
    url = f"http://127.0.0.1:{video_service.port}"
    answer, frames = run(watch(url, "YY-ZW-W01-CAM", token(module_settings, "YY-ZW-W01-CAM")))
    assert answer["mode"] == "transcode"
    assert "VP8" in answer["sdp"] and len(frames) == 5
    assert (frames[0].width, frames[0].height) == (640, 360)
    deadline = time.monotonic() + 15
    with module_db.connect(autocommit=True) as conn:
        while time.monotonic() < deadline:
            views = evidence_repo.views(conn, camera_code="YY-ZW-W01-CAM")
            if views and views[0]["ended_at"] is not None:
                break
            time.sleep(0.3)
        assert views[0]["username"] == "inspector" and views[0]["ended_at"] is not None
        entry = audit.recent(conn, action="video.view")[0]
        assert entry.subject == "YY-ZW-W01-CAM" and entry.actor == "inspector"
        assert entry.detail["started_at"] < entry.detail["ended_at"]


@pytest.mark.parametrize(
    ("camera", "purpose", "why"),
    [
        ("YY-ZW-W02-CAM", Purpose.VIEW, "another camera"),
        ("YY-ZW-W01-CAM", Purpose.SNAPSHOT, "view"),
    ],
)
def test_it_refuses_a_token_for_another_camera_or_purpose(
    video_service, module_settings, camera, purpose, why
):
    url = f"http://127.0.0.1:{video_service.port}"
    answer, frames = run(watch(url, "YY-ZW-W01-CAM", token(module_settings, camera, purpose)))
    assert answer["status"] == 403 and why in answer["error"] and frames == []


def test_it_serves_health_metrics_and_the_player(video_service):
    import httpx

    url = f"http://127.0.0.1:{video_service.port}"
    assert httpx.get(f"{url}/healthz").json()["status"] == "ok"
    assert "hallwatch_video_frames_analysed_total" in httpx.get(f"{url}/metrics").text
    assert "RTCPeerConnection" in httpx.get(f"{url}/player?camera=X&token=Y").text
