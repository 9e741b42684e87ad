"""The video service's HTTP side (aiohttp, on settings.video_port): `/healthz`, `/metrics`, the
WebRTC player page `/player?camera=…&token=…`, signalling `POST /v1/offer`, live snapshots for
the video wall, evidence snapshots and empty-seat calibration on request, and the evidence files
this worker keeps (`GET /v1/evidence/{id}`: a hall's pictures stay on its edge box and the
console fetches them here). Every call that shows or touches a camera or its evidence needs a
short-lived signed token from the console; every live view is written to `video_views` and,
when it ends, to the audit log, and every evidence file served to the audit log."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import av
from aiohttp import web
from aiortc import RTCPeerConnection, RTCRtpSender, RTCSessionDescription
from aiortc.exceptions import InvalidStateError
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from core.regions import in_scope
from store.repos import audit
from store.repos import video as video_repo
from store.repos import video_evidence as evidence_repo
from video.cameras import sim_window
from video.capture import SourceKind
from video.client import evidence_subject
from video.evidence import EvidenceError, sha256_file
from video.relay import LiveMode, LiveSource
from video.tokens import Grant, Purpose, TokenError, verify
from video.worker import VideoWorker, picture_jpeg

log = logging.getLogger(__name__)

PLAYER = Path(__file__).parent / "static" / "player.html"
H264_PROFILE = "42e01f"  # Constrained Baseline, packetization-mode 1: what browsers take


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


@web.middleware
async def cors(request: web.Request, handler: Any) -> web.StreamResponse:
    """The player normally runs on this origin; CORS lets another origin's page call us too
    (tokens, not cookies, authorise every call)."""
    if request.method == "OPTIONS":
        resp: web.StreamResponse = web.Response()
    else:
        resp = await handler(request)
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["Access-Control-Allow-Headers"] = "Content-Type"
    resp.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    return resp


def codec_preferences(mode: LiveMode) -> list[Any]:
    caps = RTCRtpSender.getCapabilities("video").codecs
    if mode == LiveMode.PASSTHROUGH:
        return [
            c
            for c in caps
            if c.mimeType == "video/H264" and c.parameters.get("profile-level-id") == H264_PROFILE
        ]
    return [c for c in caps if c.mimeType == "video/VP8"]


def answer_codecs(sdp: str) -> set[str]:
    """Codec names in the answer's video section (a=rtpmap lines)."""
    video = sdp.split("m=video", 1)[1] if "m=video" in sdp else ""
    video = video.split("\nm=", 1)[0]
    return {m.upper() for m in re.findall(r"a=rtpmap:\d+ ([A-Za-z0-9]+)/", video)}


async def answer_offer(
    pc: RTCPeerConnection, offer: RTCSessionDescription, track: Any, mode: LiveMode
) -> str:
    """Add the track, prefer the codec (after addTrack, before setRemoteDescription), answer,
    and check the answer really carries that codec (else H.264 would go out labelled VP8)."""
    sender = pc.addTrack(track)
    transceiver = next(t for t in pc.getTransceivers() if t.sender is sender)
    transceiver.setCodecPreferences(codec_preferences(mode))
    await pc.setRemoteDescription(offer)
    await pc.setLocalDescription(await pc.createAnswer())
    want = "H264" if mode == LiveMode.PASSTHROUGH else "VP8"
    got = answer_codecs(pc.localDescription.sdp)
    if want not in got:
        raise ValueError(f"the browser did not accept {want} (answer has {sorted(got)})")
    return str(pc.localDescription.sdp)


class Signalling:
    def __init__(self, worker: VideoWorker, secret: str) -> None:
        self.worker, self.secret = worker, secret
        self.sources: dict[str, LiveSource] = {}
        self.peers: set[RTCPeerConnection] = set()

    def app(self) -> web.Application:
        app = web.Application(middlewares=[cors])
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/metrics", self.metrics)
        app.router.add_get("/player", self.player)
        app.router.add_route("*", "/v1/offer", self.offer)
        app.router.add_get("/v1/cameras/{code}/snapshot.jpg", self.live_snapshot)
        app.router.add_post("/v1/cameras/{code}/snapshots", self.evidence_snapshot)
        app.router.add_post("/v1/cameras/{code}/calibration", self.calibration)
        app.router.add_get(r"/v1/evidence/{id:\d{1,18}}", self.evidence_file)
        app.on_shutdown.append(self.close_all)
        return app

    def _grant(self, token: str, code: str, purpose: Purpose) -> Grant:
        return verify(self.secret, token, code, datetime.now(UTC), purpose)

    async def healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "cameras": len(self.worker.cameras)})

    async def metrics(self, request: web.Request) -> web.Response:
        body = generate_latest(self.worker.metrics.registry)  # type: ignore[arg-type]
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def player(self, request: web.Request) -> web.Response:
        return web.Response(text=PLAYER.read_text(encoding="utf-8"), content_type="text/html")

    def source(self, code: str) -> LiveSource:
        worker = self.worker.cameras[code]
        known = self.sources.get(code)
        if known is None or (known.camera != worker.cam.live() and known.viewers == 0):
            render = None
            if worker.cam.kind == SourceKind.SIM and worker.sim is not None:
                sim, window = worker.sim, sim_window(worker.cam.url)
                render = lambda t: sim.frame(window, t)  # noqa: E731
            self.sources[code] = LiveSource(worker.cam.live(), render)
        return self.sources[code]

    async def offer(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
            code, token = str(body["camera"]), str(body["token"])
            offer = RTCSessionDescription(sdp=str(body["sdp"]), type=str(body["type"]))
        except (ValueError, KeyError, TypeError):
            return _error(400, "请求格式错误 (camera, token, sdp, type)")
        try:
            grant = self._grant(token, code, Purpose.VIEW)
        except TokenError as exc:
            self.worker.metrics.offers.labels("refused").inc()
            return _error(403, f"无权查看: {exc}")
        if code not in self.worker.cameras:
            return _error(404, f"没有摄像机 {code}")
        source = self.source(code)
        try:
            track = await source.subscribe()
        except (av.FFmpegError, OSError, LookupError) as exc:
            self.worker.metrics.offers.labels("failed").inc()
            return _error(503, f"摄像机无法连接: {exc}")
        try:
            answer = await self._answer(offer, track, source.mode or LiveMode.TRANSCODE)
        except (ValueError, InvalidStateError, OSError) as exc:
            track.stop()
            source.release()
            self.worker.metrics.offers.labels("failed").inc()
            return _error(406, f"无法建立连接: {exc}")
        pc, sdp = answer
        view_id = await asyncio.to_thread(self._start_view, grant, code, source.mode)
        self._watch(pc, track, source, code, view_id)
        self.worker.metrics.offers.labels((source.mode or LiveMode.TRANSCODE).value).inc()
        self.worker.metrics.viewers.labels(code).set(source.viewers)
        return web.json_response({"sdp": sdp, "type": "answer", "mode": source.mode})

    async def _answer(
        self, offer: RTCSessionDescription, track: Any, mode: LiveMode
    ) -> tuple[RTCPeerConnection, str]:
        pc = RTCPeerConnection()
        self.peers.add(pc)
        try:
            return pc, await answer_offer(pc, offer, track, mode)
        except BaseException:
            self.peers.discard(pc)
            await pc.close()
            raise

    def _start_view(self, grant: Grant, code: str, mode: LiveMode | None) -> int:
        with self.worker.pool.connection() as conn:
            return evidence_repo.start_view(conn, grant.user, code, str(mode), grant.region_code)

    def _end_view(self, view_id: int) -> None:
        with self.worker.pool.connection() as conn:
            evidence_repo.end_view(conn, view_id)

    def _watch(
        self, pc: RTCPeerConnection, track: Any, source: LiveSource, code: str, view_id: int
    ) -> None:
        done = False

        @pc.on("connectionstatechange")
        async def changed() -> None:
            nonlocal done
            if pc.connectionState in ("failed", "closed") and not done:
                done = True
                track.stop()
                source.release()
                self.worker.metrics.viewers.labels(code).set(source.viewers)
                self.peers.discard(pc)
                await asyncio.to_thread(self._end_view, view_id)
                await pc.close()

    async def close_all(self, app: web.Application | None = None) -> None:
        await asyncio.gather(*(pc.close() for pc in list(self.peers)), return_exceptions=True)
        self.peers.clear()

    async def live_snapshot(self, request: web.Request) -> web.Response:
        code = request.match_info["code"]
        try:
            self._grant(request.query.get("token", ""), code, Purpose.SNAPSHOT)
        except TokenError as exc:
            return _error(403, f"无权查看: {exc}")
        worker = self.worker.cameras.get(code)
        img = None if worker is None else await asyncio.to_thread(worker.picture)
        if img is None:
            return _error(404, f"摄像机 {code} 暂无画面")
        jpeg = await asyncio.to_thread(picture_jpeg, img)
        return web.Response(
            body=jpeg, content_type="image/jpeg", headers={"Cache-Control": "no-store"}
        )

    async def evidence_snapshot(self, request: web.Request) -> web.Response:
        code = request.match_info["code"]
        body = await request.json()
        try:
            grant = self._grant(str(body.get("token", "")), code, Purpose.SNAPSHOT)
        except TokenError as exc:
            return _error(403, f"无权截图: {exc}")
        if code not in self.worker.cameras:
            return _error(404, f"没有摄像机 {code}")
        try:
            eid = await asyncio.to_thread(
                self.worker.snapshot, code, grant.user, reason=body.get("reason")
            )
        except EvidenceError as exc:
            return _error(409, str(exc))
        return web.json_response({"evidence_id": eid})

    async def calibration(self, request: web.Request) -> web.Response:
        code = request.match_info["code"]
        body = await request.json()
        try:
            grant = self._grant(str(body.get("token", "")), code, Purpose.CALIBRATE)
        except TokenError as exc:
            return _error(403, f"无权标定: {exc}")
        if code not in self.worker.cameras:
            return _error(404, f"没有摄像机 {code}")
        try:
            cid = await asyncio.to_thread(self.worker.calibrate, code, grant.user)
        except LookupError as exc:
            return _error(409, str(exc))
        return web.json_response({"calibration_id": cid})

    async def evidence_file(self, request: web.Request) -> web.StreamResponse:
        """An evidence file this worker keeps, for a token naming that evidence; the file must
        lie inside the evidence directory and match its row's SHA-256. Audited."""
        evidence_id = int(request.match_info["id"])
        try:
            grant = self._grant(
                request.query.get("token", ""), evidence_subject(evidence_id), Purpose.SNAPSHOT
            )
        except TokenError as exc:
            return _error(403, f"无权查看证据: {exc}")
        found = await asyncio.to_thread(self._evidence_row, evidence_id)
        if found is None:
            return _error(404, f"没有证据 {evidence_id}")
        ev, region = found
        if not _may_see(grant, region):
            return _error(403, f"证据 {evidence_id} 不在您的管辖范围内")
        try:
            path = inside(self.worker.settings.evidence_dir, ev.path)
        except ValueError:
            log.warning("evidence %s: path %r leaves the evidence directory", ev.id, ev.path)
            return _error(403, f"证据 {evidence_id} 的路径不合法")
        if not path.is_file():
            return _error(404, f"证据 {evidence_id} 的文件不在本视频服务")
        if await asyncio.to_thread(sha256_file, path) != ev.sha256:
            log.warning("evidence %s: %s does not match its SHA-256", ev.id, path)
            return _error(409, f"证据 {evidence_id} 的文件与登记的 SHA-256 不符")
        await asyncio.to_thread(self._audit_evidence, grant, ev, region)
        headers = {"Cache-Control": "no-store", "X-Evidence-SHA256": ev.sha256}
        return web.FileResponse(path, headers=headers)

    def _evidence_row(self, evidence_id: int) -> tuple[evidence_repo.Evidence, str | None] | None:
        with self.worker.pool.connection() as conn:
            ev = evidence_repo.evidence(conn, evidence_id)
            cam = None if ev is None else video_repo.camera(conn, ev.camera_code)
        return None if ev is None else (ev, cam.region_code if cam else None)

    def _audit_evidence(self, grant: Grant, ev: evidence_repo.Evidence, region: str | None) -> None:
        with self.worker.pool.connection() as conn:
            audit.write(
                conn, grant.user, "video.evidence_view", evidence_subject(ev.id), region,
                camera_code=ev.camera_code, kind=ev.kind, sha256=ev.sha256, bytes=ev.bytes,
            )  # fmt: skip


def _may_see(grant: Grant, region_code: str | None) -> bool:
    """A token without a region (a service's own) sees everything; else the camera's centre
    must be inside the user's region."""
    if grant.region_code is None:
        return True
    try:
        return in_scope(grant.region_code, region_code or "")
    except ValueError:
        return False


def inside(root: Path, relative: str) -> Path:
    """`root / relative`, resolved; ValueError when that leaves `root` (`..`, an absolute path,
    a symbolic link pointing out) or is `root` itself."""
    base = root.resolve()
    path = (base / relative).resolve()
    if path == base or not path.is_relative_to(base):
        raise ValueError(f"{relative!r} is not inside {base}")
    return path
