"""Sample notices for the layout tests (no database): a 督办通知书 against a staff member with a
timeline and a snapshot, composed the way issuing composes them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from accountability.measures import Measure
from accountability.notices.compose import NoticeContext, compose
from accountability.notices.document import EvidenceItem, NoticeFields, TimelineRow
from accountability.notices.types import NoticeType
from accountability.numbering import default_issuer, doc_number

PURE_CJK_FACTS = (
    "该窗口工作人员在受理食品经营许可申请后未按承诺时限办结，群众多次来电询问办理进度，"
    "窗口未能作出明确答复，造成不良影响，电子监察系统对该办件亮出红牌"
)


def snapshot(path: Path) -> Path:
    from PIL import Image, ImageDraw

    im = Image.new("RGB", (640, 360), (176, 188, 200))
    draw = ImageDraw.Draw(im)
    draw.rectangle((200, 150, 440, 330), fill=(120, 80, 60))
    draw.text((10, 10), "YY-ZW-W01 2026-10-12 10:15", fill=(255, 255, 255))
    im.save(path, "JPEG")
    return path


def supervision_order(image: Path | None = None, n: int = 12) -> NoticeFields:
    issuer = default_issuer("YY-ZW", "榆阳区政务服务中心", "榆阳区")
    kind = NoticeType.SUPERVISION_ORDER
    return compose(
        NoticeContext(
            doc_type=kind,
            issuer=issuer,
            doc_number=str(doc_number(issuer, kind, 2026, n)),
            issued_on=date(2026, 10, 14),
            case_title="食品经营许可办件超期未办结",
            department="市场监管局",
            subject_kind="staff",
            subject_name="李明",
            window_name="1号窗口",
            facts=PURE_CJK_FACTS,
            measure=Measure.REMINDER,
            reply_due=date(2026, 10, 21),
            timeline=(
                TimelineRow(at="2026-09-28 09:12", text="窗口受理"),
                TimelineRow(at="2026-10-13 17:30", text="承诺时限届满"),
                TimelineRow(at="2026-10-14 09:00", text="超过承诺时限，亮红牌"),
            ),
            evidence=(
                EvidenceItem(
                    kind="snapshot",
                    caption="1号窗口座位空岗截图",
                    at="2026-10-12 10:15",
                    image=str(image) if image else None,
                ),
            ),
            cc=("榆阳区政务服务中心主任",),
        )
    )
