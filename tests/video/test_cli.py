"""`hallwatch video presence FILE --roi X,Y,W,H --empty-at SECONDS --fps 1` prints the CSV the
audits use."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from video.fileaudit import Row, load_labels, score

from .conftest import CLIP, LABELS

HALLWATCH = str(Path(sys.executable).parent / "hallwatch")


def test_the_presence_command_prints_one_csv_row_per_sample():
    out = subprocess.run(
        [
            HALLWATCH,
            "video",
            "presence",
            str(CLIP),
            "--roi",
            "340,40,240,360",
            "--empty-at",
            "1",
            "--fps",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.splitlines()
    assert out[0] == "t_seconds,occupied,score"
    rows = [line.split(",") for line in out[1:]]
    assert len(rows) == 140 and [r[0] for r in rows[:3]] == ["0", "1", "2"]
    assert all(r[1] in ("0", "1") and 0 <= float(r[2]) <= 1 for r in rows)
    parsed = [Row(float(t), occ == "1", float(sc)) for t, occ, sc in rows]
    result = score(
        parsed, load_labels(LABELS)
    )  # in steady light: the hand labels, sample by sample
    assert result.scored >= 120 and result.accuracy >= 0.97


def test_a_bad_region_is_refused_with_a_clear_message():
    from typer.testing import CliRunner

    from hallwatch.cli.video import app

    res = CliRunner().invoke(app, ["presence", str(CLIP), "--roi", "1,2,3"])
    assert res.exit_code == 2 and "X,Y,W,H" in res.output
