"""Compose a notice's fields from a case: title, addressee, body (Jinja2 text templates, one per
type, in templates/body/, worded for the case's origin and rule by accountability.wording),
attachments, signature, dates, 版记 and the evidence appendix. Pure: the issue date is passed
in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template

from accountability.measures import CONSEQUENCE_LABELS, MEASURE_LABELS, Consequence, Measure
from accountability.notices.document import (
    EvidenceItem,
    NoticeFields,
    Paragraph,
    TimelineRow,
    cn_date,
)
from accountability.notices.types import NOTICE_LABELS, REPLY_REQUIRED, NoticeType
from accountability.numbering import Issuer
from accountability.wording import MANUAL, CaseOrigin, wording_for

TEMPLATES = Path(__file__).parent / "templates"
GENERAL_ADDRESSEE = "各进驻部门、各窗口"


@dataclass(frozen=True)
class NoticeContext:
    doc_type: NoticeType
    issuer: Issuer
    doc_number: str
    issued_on: date
    case_title: str  # what went wrong, short: 食品经营许可办件超期未办结
    department: str  # 市场监管局
    subject_kind: str  # staff | window | department
    subject_name: str  # 张三 / 1号窗口 / 市场监管局
    facts: str
    measure: Measure
    reply_due: date | None = None
    window_name: str | None = None  # the staff member's window, if any
    points: Decimal | None = None
    nth_warning: int = 0  # this 效能告诫 is the nth of the person this year (0: not one)
    consequences: tuple[Consequence, ...] = ()
    timeline: tuple[TimelineRow, ...] = ()
    evidence: tuple[EvidenceItem, ...] = ()
    cc: tuple[str, ...] = field(default=())
    origin: CaseOrigin = MANUAL  # what the case was opened from: the wording follows it


class ComposeError(ValueError):
    """The case lacks something the document needs (permanent)."""


@lru_cache(maxsize=16)
def _template(doc_type: NoticeType) -> Template:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES / "body"),
        undefined=StrictUndefined,
        autoescape=False,  # plain text; the HTML writer escapes it
        keep_trailing_newline=False,
    )
    return env.get_template(f"{doc_type.value}.txt.j2")


def subject_phrase(ctx: NoticeContext) -> str:
    if ctx.subject_kind == "staff":
        where = ctx.window_name or ""
        return f"{where}工作人员{ctx.subject_name}"
    if ctx.subject_kind == "window":
        return ctx.subject_name
    return ""  # the department itself: "你单位存在以下问题"


def sentence(text: str) -> str:
    """One finished sentence: trimmed, ending with 。 (or the punctuation it has)."""
    text = text.strip()
    return text if text.endswith(("。", "！", "？", "；")) else text + "。"


def parse_body(text: str) -> tuple[Paragraph, ...]:
    """Blank-line separated paragraphs; `# ` marks a 一、heading, `## ` a （一）heading."""
    out = []
    for block in text.split("\n\n"):
        block = " ".join(line.strip() for line in block.strip().splitlines())
        if not block:
            continue
        if block.startswith("## "):
            out.append(Paragraph(text=block[3:], style="h2"))
        elif block.startswith("# "):
            out.append(Paragraph(text=block[2:], style="h1"))
        else:
            out.append(Paragraph(text=block))
    return tuple(out)


def body_text(ctx: NoticeContext) -> str:
    """The body of the notice as its type's template words it for the case's origin and rule
    (blank-line separated paragraphs, see `parse_body`)."""
    words = wording_for(ctx.origin, ctx.issuer.name, ctx.case_title)
    subject = subject_phrase(ctx)
    return _template(ctx.doc_type).render(
        organ=ctx.issuer.name,
        subject=subject,
        target=subject or "你单位",  # 决定对…予以 / 给予…
        department=ctx.department,
        found=words.found,
        during=words.during,
        basis=words.basis,
        demand=words.demand,
        follow=words.follow,
        prevent=words.prevent,
        facts=sentence(ctx.facts),
        measure=MEASURE_LABELS[ctx.measure],
        points=_points(ctx.points),
        reply_due=cn_date(ctx.reply_due) if ctx.reply_due else "",
        nth=ctx.nth_warning,
        consequences="、".join(CONSEQUENCE_LABELS[c] for c in ctx.consequences),
    )


def compose(ctx: NoticeContext) -> NoticeFields:
    needs_reply = ctx.doc_type in REPLY_REQUIRED
    if needs_reply and ctx.reply_due is None:
        raise ComposeError(f"{NOTICE_LABELS[ctx.doc_type]}: 缺少回复期限")
    body = body_text(ctx)
    appendix = bool(ctx.timeline or ctx.evidence)
    general = ctx.doc_type is NoticeType.BULLETIN
    return NoticeFields(
        doc_type=ctx.doc_type,
        organ=ctx.issuer.name,
        doc_number=ctx.doc_number,
        title=f"关于{ctx.case_title}的{NOTICE_LABELS[ctx.doc_type]}",
        addressee=GENERAL_ADDRESSEE if general else ctx.department,
        body=parse_body(body),
        attachments=("相关证据材料",) if appendix else (),
        signature=ctx.issuer.name,
        date=ctx.issued_on,
        reply_due=ctx.reply_due if needs_reply else None,
        department=ctx.department,
        facts=sentence(ctx.facts),
        cc=ctx.cc,
        printer=ctx.issuer.name,
        print_date=ctx.issued_on,
        timeline=ctx.timeline,
        evidence=ctx.evidence,
    )


def _points(points: Decimal | None) -> str:
    if points is None:
        return ""
    return f"{points.normalize():f}"
