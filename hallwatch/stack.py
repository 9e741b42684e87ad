"""What `hallwatch up` runs beside the console, listed in start order (frigate's app.start habit):
seed the demo centre, then the services in one process."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from core.enums import ROLE_LABELS
from core.reference import Hall
from core.settings import Settings
from hallwatch.demo import DEMO_PASSWORD, seed_hall, seed_users
from store.db import Database

log = logging.getLogger(__name__)


DEMO_SEED = 7


def demo_hall() -> Hall:
    """The demo county centre of the digital twin (40 windows, 15 departments)."""
    from sim.config import HallConfig
    from sim.hall import build_hall

    return build_hall(HallConfig(), DEMO_SEED)


def seed(settings: Settings, db: Database) -> list[tuple[str, str, str]]:
    """Load the demo centre and users (idempotent); returns (username, password, role label)."""
    hall = demo_hall()
    with db.connect(autocommit=True) as conn:
        seed_hall(conn, hall)
        people = seed_users(conn, hall)
    return [(u.username, DEMO_PASSWORD, ROLE_LABELS[u.role]) for u in people]


@dataclass
class Services:
    """The services running in this process; `stop()` ends them cleanly."""

    threads: list[threading.Thread] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)

    def stop(self) -> None:
        self.stopping.set()
        for t in self.threads:
            t.join(timeout=10)


def start_services(settings: Settings, db: Database) -> Services:
    return Services()
