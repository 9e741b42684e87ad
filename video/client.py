"""What the console needs from a video service: signed short-lived tokens, the player URL the
browser opens (in an iframe), and server-side calls for snapshots, calibration and evidence
files.

A centre's cameras are served by its own video service when it has one (`centers.video_url`,
a hall's edge box): `VideoClient(...).at(url)` is the client for that service, and both the
browser (player) and the console (snapshots, calibration, evidence) talk to it at that URL.
Without one, the console's own video service: `HALLWATCH_PUBLIC_VIDEO_URL` for the browser,
`HALLWATCH_HOST` + `HALLWATCH_VIDEO_PORT` for the console."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from core.settings import Settings
from video.tokens import Purpose, issue

log = logging.getLogger(__name__)


class VideoServiceError(RuntimeError):
    """The video service refused or could not be reached; the message is for the user."""


def evidence_subject(evidence_id: int) -> str:
    """What an evidence token names instead of a camera: one evidence file, not its camera."""
    return f"evidence:{evidence_id}"


def parse_video_url(text: str | None) -> str | None:
    """A video service's base URL as typed by an admin or an operator: http(s)://host[:port]
    [/path], no credentials, query or fragment, no trailing slash; empty means none (the
    console's own service). Raises ValueError with a message for the user."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ValueError(f"视频服务地址格式错误：{text}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"视频服务地址须以 http:// 或 https:// 开头并含主机名：{text}")
    if parts.username or parts.password or parts.query or parts.fragment or " " in text:
        raise ValueError(f"视频服务地址不能含用户名、密码、查询参数或空格：{text}")
    if port == 0:
        raise ValueError(f"视频服务地址端口错误：{text}")
    return text.rstrip("/")


@dataclass(frozen=True)
class VideoClient:
    settings: Settings
    user: str
    region_code: str | None = None
    timeout: float = 5.0
    base_url: str | None = None  # a centre's own video service; None: the console's own

    def at(self, base_url: str | None) -> VideoClient:
        """This client for the video service at `base_url` (a centre's `video_url`); None
        keeps the console's own."""
        return dataclasses.replace(self, base_url=base_url.rstrip("/") if base_url else None)

    @property
    def internal_url(self) -> str:
        """Where the console itself calls the service."""
        if self.base_url:
            return self.base_url
        host = "127.0.0.1" if self.settings.host in ("0.0.0.0", "::") else self.settings.host
        return f"http://{host}:{self.settings.video_port}"

    @property
    def public_url(self) -> str:
        """Where the viewer's browser reaches the service."""
        if self.base_url:
            return self.base_url
        return (self.settings.public_video_url or self.internal_url).rstrip("/")

    def token(self, camera: str, purpose: Purpose = Purpose.VIEW) -> str:
        key = self.settings.secret_key.get_secret_value()
        now = datetime.now(UTC)
        return issue(key, self.user, camera, now, purpose=purpose, region_code=self.region_code)

    def player_url(self, camera: str) -> str:
        query = urlencode({"camera": camera, "token": self.token(camera)})
        return f"{self.public_url}/player?{query}"

    def _call(self, method: str, path: str, **kw: Any) -> httpx.Response:
        try:
            resp = httpx.request(method, self.internal_url + path, timeout=self.timeout, **kw)
        except httpx.HTTPError as exc:
            raise VideoServiceError(f"视频服务不可用：{exc}") from None
        if resp.status_code >= 400:
            try:
                message = resp.json().get("error", resp.text)
            except ValueError:
                message = resp.text
            raise VideoServiceError(message)
        return resp

    def healthy(self) -> bool:
        try:
            return httpx.get(self.internal_url + "/healthz", timeout=self.timeout).is_success
        except httpx.HTTPError:
            return False

    def snapshot_jpeg(self, camera: str) -> bytes:
        token = self.token(camera, Purpose.SNAPSHOT)
        return self._call(
            "GET", f"/v1/cameras/{camera}/snapshot.jpg", params={"token": token}
        ).content

    def take_snapshot(self, camera: str, reason: str) -> int:
        body = {"token": self.token(camera, Purpose.SNAPSHOT), "reason": reason}
        return int(
            self._call("POST", f"/v1/cameras/{camera}/snapshots", json=body).json()["evidence_id"]
        )

    def calibrate(self, camera: str) -> int:
        body = {"token": self.token(camera, Purpose.CALIBRATE)}
        resp = self._call("POST", f"/v1/cameras/{camera}/calibration", json=body)
        return int(resp.json()["calibration_id"])

    def evidence_bytes(self, evidence_id: int, sha256: str) -> bytes:
        """An evidence file from the video service that keeps it (`GET /v1/evidence/{id}`),
        checked against the SHA-256 of its row; the service audits the view."""
        token = self.token(evidence_subject(evidence_id), Purpose.SNAPSHOT)
        body = self._call("GET", f"/v1/evidence/{evidence_id}", params={"token": token}).content
        if hashlib.sha256(body).hexdigest() != sha256:
            raise VideoServiceError(f"证据 #{evidence_id} 的文件与登记的 SHA-256 不符")
        return body

    def try_evidence(self, evidence_id: int, sha256: str) -> bytes | None:
        """`evidence_bytes`, or None (logged) when the service cannot give it."""
        try:
            return self.evidence_bytes(evidence_id, sha256)
        except VideoServiceError as exc:
            log.warning("evidence %s not fetched from %s: %s", evidence_id, self.internal_url, exc)
            return None
