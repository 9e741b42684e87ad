"""The monthly bulletin (月度通报) of a centre: the month's indicators, the departments' scores
and ranking, charts (matplotlib with a CJK font named by path), the red and yellow cards and the
measures taken, as a PDF in the official style. Made on demand, and automatically on the first
working day of each month for the month before (`run_due`, one claim per centre and month)."""

from __future__ import annotations

import base64
import io
import logging
import threading
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from psycopg import Connection

from accountability.deadlines import calendar_for
from accountability.files import Storage, sha256, write_once
from accountability.indicators import Indicators, Period, month_period
from accountability.measures import MEASURE_LABELS, Measure
from accountability.monthly import Month, month_of
from accountability.notices import layout
from accountability.notices.fonts import pdf_fonts
from accountability.notices.pdf import _env
from accountability.numbering import default_issuer
from core.enums import ALERT_LEVEL_LABELS, AlertLevel
from store.repos import indicators as repo
from store.repos import presence_daily
from store.repos.accountability import notices as notice_repo

log = logging.getLogger(__name__)
CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
PRESENCE_REFRESH = timedelta(hours=1)


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.2f}%"


def _num(x: float | None, digits: int = 2) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def charts(month: Month, font: Path = CJK_FONT) -> list[str]:
    """Two PNG charts as data URIs: scores by department, on-time rate by department."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    prop = font_manager.FontProperties(fname=str(font)) if font.is_file() else None
    names = [r.department for r in month.ranking]
    out = []
    for values, label, colour in (
        ([r.score.total for r in month.ranking], "考核得分", "#c0392b"),
        (
            [100 * (r.indicators.on_time_rate or 0) for r in month.ranking],
            "按时办结率（%）",
            "#2e6da4",
        ),
    ):
        fig, ax = plt.subplots(figsize=(7.5, 2.6), dpi=150)
        ax.bar(range(len(names)), values, color=colour)
        ax.set_xticks(range(len(names)), names, fontproperties=prop, fontsize=8, rotation=30)
        ax.set_title(label, fontproperties=prop, fontsize=11)
        for x, v in enumerate(values):
            ax.annotate(f"{v:.1f}", (x, v), ha="center", va="bottom", fontsize=7)
        ax.spines[["top", "right"]].set_visible(False)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        plt.close(fig)
        out.append("data:image/png;base64," + base64.b64encode(buf.getvalue()).decode())
    return out


def _centre_row(i: Indicators | None) -> tuple[list[str], list[str]]:
    headers = [
        "受理",
        "办结",
        "按时办结率",
        "提前办结率",
        "超时办结",
        "现场办结率",
        "日结率",
        "提速率",
        "满意率",
        "评议率",
        "投诉",
    ]
    if i is None:
        return headers, ["—"] * len(headers)
    values = [
        str(i.accepted),
        str(i.completed),
        _pct(i.on_time_rate),
        _pct(i.early_rate),
        str(i.late),
        _pct(i.first_visit_rate),
        _pct(i.same_day_rate),
        _pct(i.speedup_rate),
        _pct(i.satisfaction_rate),
        _pct(i.rated_rate),
        str(i.complaints or 0),
    ]
    return headers, values


def _presence_row(i: Indicators | None) -> tuple[list[str], list[str]]:
    """The centre's 在岗 and catalogue figures (second table of 一、总体情况)."""
    headers = ["在岗率", "视频覆盖率", "进驻率", "审核权授权率", "审批权授权率"]
    if i is None:
        return headers, ["—"] * len(headers)
    rates = (i.seat_rate, i.video_coverage, i.entry_rate, i.review_rate, i.approval_rate)
    return headers, [_pct(x) for x in rates]


def _cards(conn: Connection[Any], center_code: str, period: Period, tz: ZoneInfo) -> list[dict]:
    rows = repo.alerts_in(
        conn, period.start, period.end, ("red", "yellow"), center_code=center_code
    )
    return [
        {
            "level": ALERT_LEVEL_LABELS[AlertLevel(a["level"])],
            "department": a["department"],
            "summary": a["summary"],
            "at": a["created_at"].astimezone(tz).strftime("%m-%d %H:%M"),
        }
        for a in rows
    ]


def _measures(conn: Connection[Any], center_code: str, period: Period) -> list[dict]:
    return [
        {
            "department": m["department"],
            "subject": m["subject_name"],
            "title": m["title"],
            "measure": MEASURE_LABELS[Measure(m["measure"])],
            "doc_number": m["doc_number"] or "—",
        }
        for m in repo.measures_in(conn, period.start, period.end, center_code=center_code)
    ]


def _ranking(month: Month) -> list[dict]:
    return [
        {
            "rank": r.score.rank,
            "name": r.department,
            "completed": r.indicators.completed,
            "on_time": _pct(r.indicators.on_time_rate),
            "early": _pct(r.indicators.early_rate),
            "satisfaction": _pct(r.indicators.satisfaction_rate),
            "seat": _pct(r.indicators.seat_rate),
            "entry": _pct(r.indicators.entry_rate),
            "warnings": r.warnings,
            "yellow": r.yellow,
            "red": r.red,
            "total": _num(r.score.total, 1),
            "grade": r.score.grade,
        }
        for r in month.ranking
    ]


def _summary(name: str, period: Period, c: Indicators | None, counts: dict[str, int]) -> str:
    accepted, completed = (c.accepted, c.completed) if c else (0, 0)
    on_time = _pct(c.on_time_rate if c else None)
    satisfied = _pct(c.satisfaction_rate if c else None)
    seat = f"窗口在岗率{_pct(c.seat_rate)}，" if c and c.seat_rate is not None else ""
    return (
        f"{period.label}，{name}共受理办件{accepted}件，办结{completed}件，按时办结率{on_time}，"
        f"满意率{satisfied}；{seat}发生红牌{counts['red']}次、黄牌{counts['yellow']}次，"
        f"作出问责处理{counts['measures']}件。现将有关情况通报如下。"
    )


def render(
    conn: Connection[Any],
    center_code: str,
    period: Period,
    made_on: date,
    official_fonts: bool = False,
) -> tuple[bytes, dict[str, Any]]:
    """The bulletin PDF and a summary (for the bulletins row)."""
    from weasyprint import HTML

    info = notice_repo.center_info(conn, center_code)
    assert info is not None
    organ = info.issuer_name or default_issuer(info.code, info.name, info.region_name).name
    month = month_of(conn, center_code, period, refresh=True)
    cards = _cards(conn, center_code, period, ZoneInfo(info.timezone))
    measures = _measures(conn, center_code, period)
    counts = {
        "red": sum(1 for a in cards if a["level"] == "红牌"),
        "yellow": sum(1 for a in cards if a["level"] == "黄牌"),
        "measures": len(measures),
    }
    headers, values = _centre_row(month.centre)
    presence_headers, presence_values = _presence_row(month.centre)
    html = (
        _env()
        .get_template("bulletin.html.j2")
        .render(
            fonts=pdf_fonts(official_fonts),
            red=layout.RED,
            line_pitch=layout.LINE_PITCH_PT,
            mark_size=layout.mark_size(organ)[0],
            organ=organ,
            issue=f"{period.start.year}年第{period.start.month}期",
            title=f"关于{period.label}政务服务效能监察情况的通报",
            title_lines=layout.title_lines(f"关于{period.label}政务服务效能监察情况的通报"),
            summary=_summary(info.name, period, month.centre, counts),
            centre_headers=headers,
            centre_values=values,
            presence_headers=presence_headers,
            presence_values=presence_values,
            ranking=_ranking(month),
            charts=charts(month),
            cards=cards,
            measures=measures,
            date=f"{made_on.year}年{made_on.month}月{made_on.day}日",
        )
    )
    pdf = HTML(string=html).write_pdf()
    assert pdf is not None
    top = month.ranking[0].department if month.ranking else None
    completed = month.centre.completed if month.centre else 0
    return pdf, {"completed": completed, **counts, "top": top}


def make(
    conn: Connection[Any],
    center_code: str,
    period: Period,
    storage: Storage,
    now: datetime,
    actor: str = "system",
    *,
    again: bool = True,
) -> repo.BulletinRow | None:
    """Make (or, with `again`, remake) the bulletin of a centre's month; None if another worker
    has it (automatic runs)."""
    info = notice_repo.center_info(conn, center_code)
    assert info is not None
    row = repo.claim_bulletin(conn, center_code, info.region_code, period.start, actor, again=again)
    if row is None:
        return None
    made_on = now.astimezone(ZoneInfo(info.timezone)).date()
    try:
        pdf, summary = render(conn, center_code, period, made_on, storage.official_fonts)
    except Exception as exc:  # the worker boundary: save the error on the row
        log.exception("bulletin %s %s failed", center_code, period.label)
        repo.finish_bulletin(conn, row.id, status="failed", made_at=now, error=str(exc))
        raise
    path = storage.bulletins / center_code / f"{period.start:%Y-%m}.pdf"
    write_once(path, pdf)
    repo.finish_bulletin(
        conn,
        row.id,
        status="done",
        made_at=now,
        pdf_path=str(path),
        pdf_sha256=sha256(pdf),
        summary=summary,
    )
    return next(b for b in repo.bulletins(conn) if b.id == row.id)


def first_working_day(conn: Connection[Any], region_code: str, year: int, month: int) -> date:
    cal = calendar_for(conn, region_code)
    return cal.add_working_days(date(year, month, 1), 0)


def run_due(conn: Connection[Any], storage: Storage, now: datetime) -> list[repo.BulletinRow]:
    """On a centre's first working day of a month, make last month's bulletin once."""
    made = []
    for code, region in repo.center_codes(conn):
        info = notice_repo.center_info(conn, code)
        assert info is not None
        today = now.astimezone(ZoneInfo(info.timezone)).date()
        if today != first_working_day(conn, region, today.year, today.month):
            continue
        last = today.replace(day=1) - timedelta(days=1)
        row = make(conn, code, month_period(last.year, last.month), storage, now, again=False)
        if row is not None:
            made.append(row)
    return made


def start_scheduler(
    pool: Any, storage: Storage, stopping: threading.Event, every_s: float = 600
) -> threading.Thread:
    """A thread that calls `run_due` every `every_s` seconds until `stopping` is set (for
    hallwatch.stack), and keeps the 在岗 aggregate up to date at least every
    `PRESENCE_REFRESH` (before the presence samples it sums are dropped after 30 days)."""

    def loop() -> None:
        from datetime import UTC

        refreshed: datetime | None = None
        while not stopping.is_set():
            now = datetime.now(UTC)
            try:
                with pool.connection() as conn:
                    conn.autocommit = True
                    if refreshed is None or now - refreshed >= PRESENCE_REFRESH:
                        presence_daily.refresh(conn)
                        refreshed = now
                    run_due(conn, storage, now)
            except Exception:  # the worker boundary: log and try again later
                log.exception("monthly bulletin job failed")
            stopping.wait(every_s)

    thread = threading.Thread(target=loop, name="bulletins", daemon=True)
    thread.start()
    return thread
