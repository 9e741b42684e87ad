"""What the console needs from the video service: signed short-lived tokens, the player URL the
browser opens (in an iframe), and server-side calls for snapshots and calibration."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

import httpx

from core.settings import Settings
from video.tokens import Purpose, issue


class VideoServiceError(RuntimeError):
    """The video service refused or could not be reached; the message is for the user."""


@dataclass(frozen=True)
class VideoClient:
    settings: Settings
    user: str
    region_code: str | None = None
    timeout: float = 5.0

    @property
    def internal_url(self) -> str:
        host = "127.0.0.1" if self.settings.host in ("0.0.0.0", "::") else self.settings.host
        return f"http://{host}:{self.settings.video_port}"

    @property
    def public_url(self) -> str:
        return (self.settings.public_video_url or self.internal_url).rstrip("/")

    def token(self, camera: str, purpose: Purpose = Purpose.VIEW) -> str:
        key = self.settings.secret_key.get_secret_value()
        now = datetime.now(UTC)
        return issue(key, self.user, camera, now, purpose=purpose, region_code=self.region_code)

    def player_url(self, camera: str) -> str:
        query = urlencode({"camera": camera, "token": self.token(camera)})
        return f"{self.public_url}/player?{query}"

    def _call(self, method: str, path: str, **kw: object) -> httpx.Response:
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
