"""Notice rendering: a 3-page 督办通知书 (body, evidence appendix with a snapshot, 版记) as PDF
(WeasyPrint, Noto CJK fonts embedded and subset) and as DOCX (python-docx). Baseline, measured in
the same run: WeasyPrint rendering one A4 page of the same fonts with a single line of text —
the fixed cost of a PDF with CJK fonts, which no layout work can go below."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from accountability.notices.docx import render_docx
from accountability.notices.pdf import render_pdf
from bench.common import Metric, record

ROUNDS = 5
BASELINE_HTML = (
    '<style>@page{size:A4;margin:37mm 26mm 35mm 28mm}html{font-family:"Noto Serif CJK SC"}'
    "</style><p>榆阳区政务服务中心效能监察室</p>"
)


def _median(fn: Callable[[], object], rounds: int = ROUNDS) -> float:
    fn()  # warm: fonts loaded, templates compiled
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main(argv: list[str]) -> None:
    from weasyprint import HTML

    from tests.accountability.notice_samples import snapshot, supervision_order

    with tempfile.TemporaryDirectory() as tmp:
        fields = supervision_order(snapshot(Path(tmp) / "snap.jpg"))
        pdf = _median(lambda: render_pdf(fields))
        docx = _median(lambda: render_docx(fields))
        floor = _median(lambda: HTML(string=BASELINE_HTML).write_pdf())
    print(f"pdf {pdf:.3f}s  docx {docx:.3f}s  baseline one-line CJK pdf {floor:.3f}s")
    record(
        "notices",
        {
            "pdf_render_s": Metric(
                pdf,
                "s",
                baseline=floor,
                goal=1.0,
                better="lower",
                note="3-page notice vs one-line CJK page (median of 5)",
            ),
            "docx_render_s": Metric(
                docx, "s", goal=0.5, better="lower", note="same notice as DOCX (median of 5)"
            ),
        },
    )
