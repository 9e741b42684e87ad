"""A small simulated centre shared by the sim tests: 40 windows over ten days from 2025-09-22,
which covers the 2025-09-28 make-up Sunday (调休) and the start of 国庆."""

from __future__ import annotations

from datetime import date

import pytest

from sim.clock import Calendar
from sim.config import HallConfig, SimConfig
from sim.dataset import Dataset, generate

START = date(2025, 9, 22)


@pytest.fixture(scope="session")
def config() -> SimConfig:
    return SimConfig(seed=11, start=START, days=10, hall=HallConfig(windows=40), drain=True)


@pytest.fixture(scope="session")
def dataset(config: SimConfig) -> Dataset:
    return generate(config)


@pytest.fixture(scope="session")
def calendar(dataset: Dataset) -> Calendar:
    return dataset.twins[0].calendar
