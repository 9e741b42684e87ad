"""Where to look in a camera's picture: seat regions and privacy masks as polygons in source
pixels, scaled once to the small analysis image every detector works on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

Polygon = tuple[tuple[int, int], ...]
ANALYSIS_WIDTH = 160  # pixels across the analysis image (360p → 1/4, 720p → 1/8)


class GeometryError(ValueError):
    """A seat region or privacy mask that cannot be used (too few points, outside the picture)."""


def rect(x: int, y: int, w: int, h: int) -> Polygon:
    """A rectangle (x, y, w, h) as a clockwise polygon."""
    return ((x, y), (x + w, y), (x + w, y + h), (x, y + h))


def parse_rect(text: str) -> Polygon:
    """`X,Y,W,H` (the CLI's --roi) as a polygon."""
    try:
        x, y, w, h = (int(v) for v in text.split(","))
    except ValueError:
        raise GeometryError(f"expected X,Y,W,H in pixels, got {text!r}") from None
    if w <= 0 or h <= 0:
        raise GeometryError(f"width and height must be positive, got {text!r}")
    return rect(x, y, w, h)


def check_polygon(points: Sequence[Sequence[int]], size: tuple[int, int]) -> Polygon:
    """A polygon of at least 3 points inside a picture of `size` (w, h), as a tuple."""
    poly = tuple((int(p[0]), int(p[1])) for p in points)
    if len(poly) < 3:
        raise GeometryError(f"a region needs at least 3 points, got {len(poly)}")
    w, h = size
    outside = [p for p in poly if not (0 <= p[0] <= w and 0 <= p[1] <= h)]
    if outside:
        raise GeometryError(f"points {outside} lie outside the {w}x{h} picture")
    return poly


def analysis_size(size: tuple[int, int], width: int = ANALYSIS_WIDTH) -> tuple[int, int]:
    w, h = size
    return width, max(8, round(h * width / w))


def _fill(shape: tuple[int, int], polys: Sequence[Polygon], scale: float) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    for poly in polys:
        pts = np.round(np.asarray(poly, np.float64) * scale).astype(np.int32)
        cv2.fillPoly(mask, [pts], 255)
    return mask > 0


@dataclass
class View:
    """One camera's geometry at analysis scale: a boolean mask per seat, the privacy mask, and
    the background (neither seat nor private) that lighting and view checks use."""

    source_size: tuple[int, int]  # (w, h) of the camera picture
    seats: Sequence[Polygon]
    privacy: Sequence[Polygon] = ()
    width: int = ANALYSIS_WIDTH
    seat_masks: list[np.ndarray] = field(init=False)
    private: np.ndarray = field(init=False)
    background: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.size = analysis_size(self.source_size, self.width)
        shape = (self.size[1], self.size[0])
        scale = self.width / self.source_size[0]
        self.private = _fill(shape, self.privacy, scale)
        self.seat_masks = [_fill(shape, [s], scale) & ~self.private for s in self.seats]
        busy = self.private.copy()
        for m in self.seat_masks:
            busy |= m
        self.background = ~busy
        if self.background.sum() < 0.1 * busy.size:  # seats cover the picture: use all of it
            self.background = ~self.private

    def small(self, frame: np.ndarray) -> np.ndarray:
        """A full-size BGR frame reduced to the analysis image (area averaging)."""
        if (frame.shape[1], frame.shape[0]) == self.size:
            return frame
        return cv2.resize(frame, self.size, interpolation=cv2.INTER_AREA)

    def seat_boxes(self) -> list[tuple[int, int, int, int]]:
        """Bounding box (x, y, w, h) of each seat polygon in source pixels."""
        return [cv2.boundingRect(np.asarray(s, np.int32)) for s in self.seats]


def translate(img: np.ndarray, dx: float, dy: float) -> np.ndarray:
    """`img` moved by (dx, dy) pixels, edges repeated."""
    h, w = img.shape[:2]
    m = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(img, m, (w, h), borderMode=cv2.BORDER_REPLICATE)
