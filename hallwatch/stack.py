"""What `hallwatch up` runs beside the console, in start order (frigate's app.start habit):
seed the demo centre, then the services in this process — ingest (HTTP API, writer, projector),
the alert engine, the video service (capture, presence, WebRTC) — and, for the demo, the digital
twin streaming the hall's events in real time through ingest's public entry."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.enums import ROLE_LABELS
from core.reference import Hall
from core.settings import Settings
from hallwatch.demo import DEMO_PASSWORD, demo_catalogue, seed_hall, seed_users
from store.db import Database

log = logging.getLogger(__name__)

DEMO_SEED = 7
HISTORY = timedelta(days=7)  # preloaded so the board opens on open cases and recent alerts
BATCH = 5000


def demo_hall() -> Hall:
    """The demo county centre of the digital twin (40 windows, 15 departments)."""
    from sim.config import HallConfig
    from sim.hall import build_hall

    return build_hall(HallConfig(), DEMO_SEED)


def ensure_calendar(db: Database) -> None:
    """Load the national working calendar into `calendar_days` on first start (2004 to this
    year + 2; years without an official notice are stored as provisional)."""
    from core.calendar import FIRST_OFFICIAL_YEAR
    from store.repos import calendar as calendar_repo

    with db.connect(autocommit=True) as conn:
        if calendar_repo.latest_version(conn) is None:
            last = datetime.now(ZoneInfo("Asia/Shanghai")).year + 2
            result = calendar_repo.load_official(conn, range(FIRST_OFFICIAL_YEAR, last + 1))
            log.info("working calendar loaded: %d days", result.days)


def seed(settings: Settings, db: Database) -> list[tuple[str, str, str]]:
    """Load the demo centre and users (idempotent); returns (username, password, role label)."""
    hall = demo_hall()
    with db.connect(autocommit=True) as conn:
        seed_hall(conn, demo_catalogue(hall))
        people = seed_users(conn, hall)
    return [(u.username, DEMO_PASSWORD, ROLE_LABELS[u.role]) for u in people]


@dataclass
class Services:
    """The services running in this process; `stop()` ends them in reverse start order."""

    stops: list[tuple[str, Callable[[], None]]] = field(default_factory=list)

    def add(self, name: str, stop: Callable[[], None]) -> None:
        self.stops.append((name, stop))

    def stop(self) -> None:
        for name, stop in reversed(self.stops):
            try:
                stop()
            except Exception:
                log.exception("stopping %s failed", name)
        self.stops.clear()


def start_services(settings: Settings, db: Database) -> Services:
    from alerts.service import start as start_alerts
    from ingest.service import start as start_ingest
    from video.service import start_video_service

    services = Services()
    ingest = start_ingest(settings, db)
    services.add("ingest", ingest.stop)
    if settings.demo:
        feed = DemoFeed(demo_hall(), ingest.service.submit)
        services.add("demo feed", feed.stop)
        feed.load_history()
        seed_seat_history(db, feed)
    alerts = start_alerts(settings, db)
    services.add("alerts", alerts.stop)
    try:
        video = start_video_service(settings, db)
    except OSError as exc:
        log.error("video service not started: port %s: %s", settings.video_port, exc)
    else:
        services.add("video", video.stop)
    services.add("bulletins", _start_bulletins(settings, db))
    if settings.demo:
        feed.start()
    return services


def _start_bulletins(settings: Settings, db: Database) -> Callable[[], None]:
    """The monthly bulletin (月度通报), made on each centre's first working day of the month."""
    from accountability.bulletin import start_scheduler
    from accountability.files import Storage

    pool = db.pool("hallwatch-bulletins", max_size=1)
    stopping = threading.Event()
    thread = start_scheduler(pool, Storage.from_settings(settings), stopping)

    def stop() -> None:
        stopping.set()
        thread.join(timeout=10)
        pool.close()

    return stop


def seed_seat_history(db: Database, feed: DemoFeed) -> int:
    """What the cameras would have seen over the demo's history (在岗率 for the past week),
    from the twin; live, the video worker takes over. Only after the latest stored sample, so a
    restart adds just the missing time. Returns the rows written."""
    from store.repos import presence_daily
    from store.repos import video as video_repo

    with db.connect() as conn:
        last = video_repo.latest_presence(conn)
        since = last + timedelta(seconds=1) if last else None
        n = video_repo.write_presence(conn, feed.live.seat_samples(since=since))
        presence_daily.refresh(conn)
        conn.commit()
    log.info("demo seat history: %d presence samples", n)
    return n


class DemoFeed:
    """The digital twin of the demo centre, fed through ingest: a week of history first
    (`load_history`), then every event when it is due in real time (`start`). Event ids are
    deterministic, so a second start re-sends history as duplicates that ingest counts and
    ignores."""

    def __init__(self, hall: Hall, submit: Callable[[list[dict[str, Any]], str], Any]) -> None:
        from sim.live import LiveSim

        first_day = (datetime.now(ZoneInfo("Asia/Shanghai")) - HISTORY).date()
        # whole days: a history cut at this hour would hold cases without their application
        # and acceptance (false 未受理即办结 reds on the board)
        start = datetime.combine(first_day, time(0), ZoneInfo("Asia/Shanghai"))
        self.live = LiveSim(hall, seed=DEMO_SEED, start=start)  # registers sim:// cameras
        self.submit = submit
        self.loop = asyncio.new_event_loop()
        self.stopping = asyncio.Event()
        self.halt = threading.Event()
        self.thread = threading.Thread(target=self._run, name="demo-feed", daemon=True)

    def load_history(self) -> None:
        """Send the week of history (blocking: the alert engine starts after it, so it judges
        each case knowing how it ended instead of raising reds on cases whose completion is
        still on its way)."""
        batch: list[dict[str, Any]] = []
        for event in self.live.history():
            if self.halt.is_set():
                return
            batch.append(event)
            if len(batch) >= BATCH:
                self.submit(batch, "sim")
                batch = []
        if batch:
            self.submit(batch, "sim")
        log.info("demo history loaded; streaming the hall live")

    def start(self) -> None:
        """Stream the hall live from here on."""
        self.thread.start()

    def _run(self) -> None:
        self.loop.run_until_complete(
            self.live.stream(lambda e: self.submit([e], "sim"), self.stopping)
        )

    def stop(self) -> None:
        self.halt.set()
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.stopping.set)
        if self.thread.is_alive():
            self.thread.join(timeout=10)
        self.live.close()
