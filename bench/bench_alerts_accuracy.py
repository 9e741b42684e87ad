"""Recall and precision of the alert rules on a simulated month (the twin's ground truth,
alerts/scoring.py); the same scoring `tests/alerts/test_scoring_against_sim.py` asserts.

Usage: python -m bench alerts_accuracy [--days 30] [--windows 20]
"""

from __future__ import annotations

import argparse

from alerts import scoring
from bench.common import Metric, record
from sim.config import HallConfig, SimConfig
from sim.dataset import generate


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench alerts_accuracy")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--windows", type=int, default=20)
    args = parser.parse_args(argv)
    config = SimConfig(
        days=args.days, hall=HallConfig(windows=args.windows), presence_sample_seconds=30
    )
    ds = generate(config)
    scores = scoring.score_period(ds.events, ds.truth, ds.halls[0])
    metrics = {}
    for s in scores:
        key = s.family.replace(" ", "_")
        spike = "spike" in key
        metrics[f"{key}_recall"] = Metric(
            round(100 * s.recall, 2), "%", goal=None if spike else 99.0,
            note=f"{s.matched_truth}/{s.truth}",
        )  # fmt: skip
        metrics[f"{key}_precision"] = Metric(
            round(100 * s.precision, 2), "%", goal=None if spike else 95.0,
            note=f"{s.matched_predicted}/{s.predicted}",
        )  # fmt: skip
    record("alerts_accuracy", metrics)
