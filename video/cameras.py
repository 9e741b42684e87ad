"""The camera registry as the video worker sees it: where to read each camera (main stream,
optional low-resolution sub-stream for the analysis, or the sim), its seat regions and privacy
masks, how to serve it live, and the place (window, department, centre, region) its events
carry. Built from store rows; validated here."""

from __future__ import annotations

from dataclasses import dataclass

from store.repos.video import CameraRow
from video.capture import SourceKind, source_kind
from video.geometry import Polygon
from video.relay import LiveCamera, LiveMode


@dataclass(frozen=True, slots=True)
class CameraConfig:
    code: str
    name: str
    url: str
    analysis_url: str  # the sub-stream when there is one
    seats: tuple[Polygon, ...]
    masks: tuple[Polygon, ...]
    live_mode: LiveMode
    analysis_fps: float
    window_code: str | None
    department_code: str | None
    center_code: str
    region_code: str

    @property
    def kind(self) -> SourceKind:
        return source_kind(self.url)

    @property
    def keyframes_only(self) -> bool:
        """Main streams: decode keyframes only. A separate sub-stream is cheap: decode it all."""
        return self.analysis_url == self.url

    def live(self) -> LiveCamera:
        return LiveCamera(self.code, self.url, self.masks, self.live_mode)

    def place(self) -> dict[str, str | None]:
        return {
            "region_code": self.region_code,
            "center_code": self.center_code,
            "department_code": self.department_code,
            "window_code": self.window_code,
        }


def _polygons(raw: list[list[list[int]]] | None) -> tuple[Polygon, ...]:
    return tuple(tuple((int(x), int(y)) for x, y in poly) for poly in raw or [] if len(poly) >= 3)


def from_row(row: CameraRow) -> CameraConfig:
    return CameraConfig(
        code=row.code,
        name=row.name,
        url=row.url,
        analysis_url=row.sub_url or row.url,
        seats=_polygons(row.seat_regions),
        masks=_polygons(row.privacy_masks),
        live_mode=LiveMode(row.live_mode),
        analysis_fps=float(row.analysis_fps),
        window_code=row.window_code,
        department_code=row.department_code,
        center_code=row.center_code,
        region_code=row.region_code,
    )


def sim_window(url: str) -> str:
    """`sim://<window_code>` → the window code."""
    return url.split("://", 1)[1].strip("/")
