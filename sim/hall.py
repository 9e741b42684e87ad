"""Reference data of the twin as `core.reference.Hall` values: regions with real-looking 行政区划
codes, departments, windows with A/B staff, a matter catalogue, one camera per window."""

from __future__ import annotations

import random
from decimal import Decimal

from core.enums import CaseType, RegionLevel
from core.reference import Camera, Center, Department, Hall, Matter, Region, Staff, Window
from sim import names, scene
from sim.config import HallConfig

FEES = ("10", "20", "50", "80", "100", "200", "550")
VARIANTS = ("", "（变更）", "（延续）", "（注销）", "（补证）", "（迁移）", "（备案）")


def region_chain(code: str) -> tuple[Region, ...]:
    """Province → city → county regions down to `code` (by code prefix)."""
    province, city = code[:2] + "0000", code[:4] + "00"
    chain = [Region(code=province, name=_region_name(province), level=RegionLevel.PROVINCE)]
    if code != province:
        chain.append(
            Region(code=city, name=_region_name(city), level=RegionLevel.CITY, parent_code=province)
        )
    if code not in (province, city):
        chain.append(
            Region(code=code, name=_region_name(code), level=RegionLevel.COUNTY, parent_code=city)
        )
    return tuple(chain)


def _region_name(code: str) -> str:
    return names.REGION_NAMES.get(code, f"{code}区")


def center_regions(cfg: HallConfig) -> list[str]:
    """Region codes of the centres: one centre is the configured county; several form a tree
    (the province's and the city's centres, then counties under that city)."""
    if cfg.centers == 1:
        return [cfg.region_code]
    code = cfg.region_code
    counties = [code] + [
        c.code for c in names.COUNTIES if c.code[:4] == code[:4] and c.code != code
    ]
    return [code[:2] + "0000", code[:4] + "00", *counties][: cfg.centers]


def build_halls(cfg: HallConfig, seed: int) -> list[Hall]:
    return [build_hall(cfg, seed, code) for code in center_regions(cfg)]


def build_hall(cfg: HallConfig, seed: int, region_code: str | None = None) -> Hall:
    code = region_code or cfg.region_code
    rng = random.Random(f"hall|{seed}|{code}")
    regions = region_chain(code)
    center = Center(
        code=f"ZW{code}",
        name=f"{regions[-1].name}政务服务中心",
        region_code=code,
        address=f"{regions[-1].name}政务服务大厦一层",
    )
    seeds = names.DEPARTMENTS[: min(cfg.departments, cfg.windows)]
    departments = tuple(
        Department(code=f"{code}-{d.abbr}", center_code=center.code, name=d.name, short_name=d.abbr)
        for d in seeds
    )
    windows = _windows(center, departments, _split(cfg.windows, [d.weight for d in seeds]))
    staff = _staff(windows, rng)
    matters = _matters(cfg, code, seeds, departments, rng)
    cameras = tuple(_camera(center, w) for w in windows)
    return Hall(
        regions=regions,
        center=center,
        departments=departments,
        windows=windows,
        staff=staff,
        matters=matters,
        cameras=cameras,
    )


def _split(total: int, weights: list[float]) -> list[int]:
    """Largest-remainder split of `total` by `weights`, at least one each."""
    n = len(weights)
    rest = total - n
    raw = [rest * w / sum(weights) for w in weights]
    counts = [1 + int(r) for r in raw]
    order = sorted(range(n), key=lambda i: (int(raw[i]) - raw[i], i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _windows(center: Center, departments: tuple[Department, ...], counts: list[int]) -> tuple:
    out, number = [], 0
    for dept, count in zip(departments, counts, strict=True):
        for _ in range(count):
            number += 1
            out.append(
                Window(
                    code=f"{center.region_code}-W{number:02d}",
                    center_code=center.code,
                    department_code=dept.code,
                    name=f"{number}号窗口",
                    position=((number - 1) // 10, (number - 1) % 10),
                )
            )
    return tuple(out)


def person_name(rng: random.Random) -> str:
    given = "".join(rng.choice(names.GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(names.SURNAMES) + given


def _staff(windows: tuple[Window, ...], rng: random.Random) -> tuple[Staff, ...]:
    out, seen = [], set()
    for i, window in enumerate(windows):
        for post in ("A", "B"):
            chief = post == "A" and window.department_code not in seen
            seen.add(window.department_code)
            out.append(
                Staff(
                    staff_id=f"{window.code[:6]}-S{2 * i + (post == 'B') + 1:03d}",
                    name=person_name(rng),
                    department_code=window.department_code,
                    window_code=window.code,
                    post=post,
                    chief_representative=chief,
                )
            )
    return tuple(out)


def _matters(cfg: HallConfig, code: str, seeds, departments, rng: random.Random) -> tuple:
    counts = _split(max(cfg.matters, 2 * len(seeds)), [d.weight for d in seeds])
    out = []
    for seed, dept, count in zip(seeds, departments, counts, strict=True):
        kinds = [CaseType.INSTANT if i % 2 == 0 else CaseType.PROMISED for i in range(count)]
        for i, kind in enumerate(kinds):
            pool = seed.instant if kind == CaseType.INSTANT else seed.promised
            k = i // 2
            name = pool[k % len(pool)] + VARIANTS[(k // len(pool)) % len(VARIANTS)]
            out.append(_matter(cfg, f"{code}-{seed.abbr}-{i + 1:03d}", name, dept, kind, rng))
    return tuple(out)


def _matter(cfg: HallConfig, code: str, name: str, dept: Department, kind: CaseType, rng) -> Matter:
    legal = promised = 0
    if kind == CaseType.PROMISED:
        days = list(cfg.legal_days_weights)
        legal = rng.choices(days, weights=[cfg.legal_days_weights[d] for d in days])[0]
        promised = max(1, round(legal * (1 - cfg.promise_cut)))
    fee = Decimal(rng.choice(FEES)) if rng.random() < cfg.chargeable_share else None
    return Matter(
        code=code,
        name=name,
        department_code=dept.code,
        case_type=kind,
        legal_days=legal,
        promised_days=promised,
        fee=fee,
    )


def _camera(center: Center, window: Window) -> Camera:
    return Camera(
        code=window.code.replace("-W", "-CAM"),
        center_code=center.code,
        window_code=window.code,
        name=f"{window.name}摄像头",
        url=f"sim://{window.code}",
        seat_regions=(scene.seat_polygon(window.code),),
    )
