"""Geometry of a window camera's view, shared by the reference data (seat regions) and the frame
renderer. Each window's camera sits a little differently, so every window has its own layout."""

from __future__ import annotations

import random
from typing import NamedTuple

WIDTH, HEIGHT = 640, 360


class Layout(NamedTuple):
    dx: int  # horizontal offset of the desk scene
    dy: int  # vertical offset
    seat: tuple[int, int, int, int]  # x, y, w, h of the staff seat region
    customer_x: int  # where a customer stands (left edge)
    wall: tuple[int, int, int]  # BGR wall colour
    desk: tuple[int, int, int]  # BGR desk colour


def layout(window_code: str) -> Layout:
    rng = random.Random(f"layout|{window_code}")
    dx, dy = rng.randint(-30, 30), rng.randint(-12, 12)
    seat = (250 + dx, 70 + dy, 150, 160)
    customer_x = rng.choice((30, 450)) + dx // 2
    wall = (rng.randint(170, 205), rng.randint(175, 210), rng.randint(180, 215))
    desk = (rng.randint(60, 90), rng.randint(90, 120), rng.randint(130, 160))
    return Layout(dx, dy, seat, customer_x, wall, desk)


def seat_polygon(window_code: str) -> tuple[tuple[int, int], ...]:
    """The seat region as a polygon in pixels (clockwise from the top-left corner)."""
    x, y, w, h = layout(window_code).seat
    return ((x, y), (x + w, y), (x + w, y + h), (x, y + h))
