"""Reference data of the twin: a believable centre as core.reference.Hall values."""

from __future__ import annotations

from core.enums import CaseType, RegionLevel
from core.reference import Hall
from sim import scene
from sim.config import HallConfig
from sim.hall import build_hall, build_halls


def test_default_centre_has_departments_windows_staff_and_a_matter_catalogue():
    hall = build_hall(HallConfig(), seed=7)

    assert 12 <= len(hall.departments) <= 18
    assert len(hall.windows) == 40
    assert {d.name for d in hall.departments} >= {
        "公安局",
        "市场监管局",
        "人社局",
        "税务局",
        "发改局",
    }
    assert 90 <= len(hall.matters) <= 110
    assert {m.case_type for m in hall.matters} == {CaseType.INSTANT, CaseType.PROMISED}


def test_every_window_has_an_a_and_a_b_post_and_one_camera_looking_at_its_seat():
    hall = build_hall(HallConfig(windows=30), seed=7)

    for window in hall.windows:
        posts = sorted(s.post for s in hall.staff if s.window_code == window.code)
        assert posts == ["A", "B"]
        (camera,) = [c for c in hall.cameras if c.window_code == window.code]
        assert camera.url == f"sim://{window.code}"
        assert camera.seat_regions == (scene.seat_polygon(window.code),)
    chiefs = [s for s in hall.staff if s.chief_representative]
    assert len(chiefs) == len(hall.departments)


def test_promised_matters_have_shorter_promised_than_legal_limits_and_some_charge_fees():
    hall = build_hall(HallConfig(), seed=7)
    promised = [m for m in hall.matters if m.case_type == CaseType.PROMISED]

    assert all(0 < m.promised_days < m.legal_days for m in promised)
    assert sum(m.legal_days == 20 for m in promised) > len(promised) / 3
    cut = sum(1 - m.promised_days / m.legal_days for m in promised) / len(promised)
    assert 0.55 < cut < 0.75
    assert all(
        m.legal_days == m.promised_days == 0
        for m in hall.matters
        if m.case_type == CaseType.INSTANT
    )
    assert 0 < sum(m.fee is not None for m in hall.matters) < len(hall.matters) / 2


def test_a_county_centre_sits_under_its_city_and_province():
    hall = build_hall(HallConfig(), seed=7)

    assert [(r.code, r.level, r.parent_code) for r in hall.regions] == [
        ("610000", RegionLevel.PROVINCE, None),
        ("610800", RegionLevel.CITY, "610000"),
        ("610802", RegionLevel.COUNTY, "610800"),
    ]
    assert hall.center.region_code == "610802"


def test_several_centres_form_a_province_city_county_tree_with_unique_codes():
    halls = build_halls(HallConfig(centers=4, windows=12), seed=7)

    assert [h.center.region_code for h in halls] == ["610000", "610800", "610802", "610803"]
    codes = [w.code for h in halls for w in h.windows]
    assert len(codes) == len(set(codes))
    assert all(h.regions[-1].code == h.center.region_code for h in halls)


def test_the_hall_round_trips_through_json():
    hall = build_hall(HallConfig(windows=10), seed=3)

    assert Hall.model_validate_json(hall.model_dump_json()) == hall
