"""What a notice says about where its case came from and which rule was broken: the finding
sentence (经视频巡查发现… / 经核查群众投诉… / 经电子监察系统监测发现…), the rule breached with its
legal or regulatory basis, the correction asked for and the lasting measure. One table per
question, so every notice type words a case the same way (PDF and DOCX render the same body).

The rule of a case comes from its origin: an alert's rule, a patrol finding's GB/T 36112
checklist items, a complaint's category; a case opened by hand (or an origin whose details are
gone) is read from its title's keywords, else it gets the general wording, which names no time
limit. Pure: no database."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Ground(StrEnum):
    """The rule a case breaches."""

    PROMISED_DEADLINE = "promised_deadline"  # 承诺时限 (限时办结)
    LEGAL_DEADLINE = "legal_deadline"  # 法定时限 (行政许可法 §42)
    LATE_EXTENSION = "late_extension"  # 延期 after the deadline (§42)
    SUPPLEMENT_ONCE = "supplement_once"  # 一次性告知 (§32)
    SUPPLEMENT_NOTICE = "supplement_notice"  # 补正告知 within 5 days (§32)
    ACCEPTANCE = "acceptance"  # 先受理后办理, 受理凭证 (§32)
    OFF_SYSTEM = "off_system"  # 体外循环
    FEE_STANDARD = "fee_standard"  # 收费标准 (§59)
    FEE_FREE = "fee_free"  # 不得收费 (§58)
    ON_DUTY = "on_duty"  # 在岗 (窗口工作纪律)
    DISCIPLINE = "discipline"  # 工作纪律 (GB/T 36112)
    APPEARANCE = "appearance"  # 仪容仪表 (GB/T 36112)
    ATTITUDE = "attitude"  # 服务态度, 文明用语 (GB/T 36112)
    SITE_ORDER = "site_order"  # 环境秩序 (GB/T 36112)
    FIRST_CONTACT = "first_contact"  # 首问负责 (推诿扯皮)
    INTEGRITY = "integrity"  # 廉洁纪律 (吃拿卡要)
    QUEUE = "queue"  # 排队等候
    RATINGS = "ratings"  # 差评集中 (好差评)
    RATING_RECTIFICATION = "rating_rectification"  # 差评整改
    COMPLAINTS = "complaints"  # 投诉集中
    COMPLAINT_HANDLING = "complaint_handling"  # 投诉受理、办理时限
    SUPERVISION_REPLY = "supervision_reply"  # 督办回复
    PATROL_FIX = "patrol_fix"  # 巡查问题整改 (1 h respond, 24 h fix)
    CAMERA = "camera"  # 监控设备
    DATA_FEED = "data_feed"  # 电子监察数据报送
    GENERAL = "general"


@dataclass(frozen=True)
class Phrases:
    """How a notice words one rule. `basis` follows 上述问题违反了; `demand` follows
    立即组织核查，(no final punctuation); `prevent` is the lasting measure, said to one
    department or to all (通报). `deadline`: the rule is a case-handling time limit."""

    name: str
    basis: str
    demand: str
    prevent: str
    deadline: bool = False


_LAW = "《中华人民共和国行政许可法》"
_SITE = "《政务服务中心服务现场管理规范》（GB/T 36112）"

GROUNDS: dict[Ground, Phrases] = {
    Ground.PROMISED_DEADLINE: Phrases(
        "限时办结",
        "政务服务限时办结制度关于在承诺时限内办结的规定",
        "督促承办人员依法依规尽快办结，并将办理进度和结果及时告知申请人",
        "严格执行限时办结制度，加强办件时限跟踪，杜绝超时办结",
        deadline=True,
    ),
    Ground.LEGAL_DEADLINE: Phrases(
        "法定办理时限",
        f"{_LAW}第四十二条关于行政许可决定期限的规定",
        "督促承办人员立即依法作出决定，并将结果及时告知申请人",
        "严格执行法定办理时限和限时办结制度，确需延期的依法报批并告知申请人",
        deadline=True,
    ),
    Ground.LATE_EXTENSION: Phrases(
        "延期审批",
        f"{_LAW}第四十二条关于延长期限须在法定期限内经本行政机关负责人批准、"
        "并将延长期限的理由告知申请人的规定",
        "查明延期审批的经过，依法作出决定，并将延期理由和办理结果告知申请人",
        "规范延期审批程序，确需延期的在法定期限届满前报批并告知申请人",
        deadline=True,
    ),
    Ground.SUPPLEMENT_ONCE: Phrases(
        "一次性告知",
        f"{_LAW}第三十二条关于申请材料不齐全或者不符合法定形式的，应当当场或者在五日内"
        "一次告知申请人需要补正的全部内容的规定",
        "对申请材料不齐全或者不符合法定形式的，一次性告知申请人需要补正的全部内容，"
        "不得要求申请人多次补正",
        "严格执行一次性告知制度，公开申请材料清单和示范文本，让群众少跑腿",
    ),
    Ground.SUPPLEMENT_NOTICE: Phrases(
        "补正告知",
        f"{_LAW}第三十二条关于应当当场或者在五日内一次告知申请人需要补正的全部内容、"
        "逾期不告知的自收到申请材料之日起即为受理的规定",
        "立即一次性告知申请人需要补正的全部内容；逾期未告知的，依法自收到申请材料之日起视为受理",
        "严格执行一次性告知制度，在收到申请材料后五日内告知补正内容",
    ),
    Ground.ACCEPTANCE: Phrases(
        "受理登记",
        f"{_LAW}第三十二条关于受理申请应当出具加盖专用印章和注明日期的书面凭证的规定"
        "及政务服务事项先受理、后办理的要求",
        "核实该办件的受理和办理经过，如实补录受理信息并向申请人出具受理凭证",
        "严格执行受理登记制度，所有办件一律先受理登记、后办理",
    ),
    Ground.OFF_SYSTEM: Phrases(
        "全流程网上办理",
        "政务服务事项一律通过政务服务平台受理和办理、严禁“体外循环”的有关规定",
        "核实该办件是否存在系统外受理、办理后补录等“体外循环”情况，如实登记办理过程",
        "所有办件一律通过政务服务平台受理和办理，严禁“体外循环”和“两头受理”",
    ),
    Ground.FEE_STANDARD: Phrases(
        "收费标准",
        f"{_LAW}第五十九条关于按照公布的法定项目和标准收费的规定",
        "核实收费依据和金额，严格按照公布的项目和标准收费，多收的费用及时退还申请人",
        "严格执行收费公示制度，按照公布的项目和标准收费",
    ),
    Ground.FEE_FREE: Phrases(
        "免费事项不得收费",
        f"{_LAW}第五十八条关于实施行政许可不得收取任何费用（法律、行政法规另有规定的除外）的规定",
        "立即停止收费，将已收取的费用全额退还申请人",
        "严格执行收费公示制度，免费事项一律不得收费",
    ),
    Ground.ON_DUTY: Phrases(
        "窗口在岗",
        "窗口工作纪律关于工作时间坚守岗位、不得擅自离岗的规定",
        "查明空岗原因，落实AB岗和请销假制度，确保办公时间窗口有人在岗",
        "严格执行窗口AB岗、请销假和考勤制度，杜绝空岗、脱岗",
    ),
    Ground.DISCIPLINE: Phrases(
        "窗口工作纪律",
        f"{_SITE}关于窗口工作人员行为规范的要求和窗口工作纪律",
        "查明有关情况，纠正违反工作纪律的行为",
        "加强窗口工作纪律教育和日常监督检查",
    ),
    Ground.APPEARANCE: Phrases(
        "仪容仪表",
        f"{_SITE}关于窗口工作人员仪容仪表的要求",
        "督促窗口工作人员按规定着装、佩戴工作牌，保持仪容整洁",
        "对照服务规范加强窗口人员仪容仪表管理",
    ),
    Ground.ATTITUDE: Phrases(
        "服务规范",
        f"{_SITE}关于文明服务、规范用语的要求",
        "督促窗口工作人员热情服务、文明用语，耐心解答群众咨询",
        "加强窗口人员服务规范和文明礼仪培训，提升服务意识",
    ),
    Ground.SITE_ORDER: Phrases(
        "服务现场秩序",
        f"{_SITE}关于服务现场环境和秩序的要求",
        "整理窗口区域环境，维护服务现场秩序",
        "落实服务现场日常巡查，保持窗口环境整洁有序",
    ),
    Ground.FIRST_CONTACT: Phrases(
        "首问负责",
        "首问负责制和一次性告知制度的有关规定",
        "向当事群众做好解释，依法依规办理其诉求，不得推诿扯皮",
        "严格执行首问负责制，杜绝推诿扯皮",
    ),
    Ground.INTEGRITY: Phrases(
        "廉洁纪律",
        "廉洁从政有关规定和窗口工作纪律",
        "查明有关情况，对涉嫌违纪的依规依纪处理",
        "加强窗口人员廉洁教育和监督，杜绝吃拿卡要",
    ),
    Ground.QUEUE: Phrases(
        "窗口服务效率",
        f"{_SITE}关于合理设置窗口、减少群众等候时间的要求",
        "查明排队积压原因，及时增开窗口或调配人员，减少群众等候时间",
        "建立排队预警和窗口弹性调配机制，减少群众等候时间",
    ),
    Ground.RATINGS: Phrases(
        "好差评",
        "政务服务“好差评”制度关于差评核实整改、提升服务质量的有关规定",
        "逐件核实差评反映的问题，整改到位并向评价人回访",
        "建立差评核实、整改、回访闭环机制，持续改进服务质量",
    ),
    Ground.RATING_RECTIFICATION: Phrases(
        "差评整改",
        "政务服务“好差评”制度关于差评应当在规定时间内核实整改并回访的规定",
        "对差评反映的问题立即核实整改，并向评价人回访",
        "建立差评核实、整改、回访闭环机制，按规定时间完成整改和回访",
    ),
    Ground.COMPLAINTS: Phrases(
        "投诉处理",
        "政务服务投诉处理和服务质量管理的有关规定",
        "逐件核查投诉反映的问题，依法依规处理并答复投诉人",
        "分析投诉集中的原因，改进服务流程和服务方式",
    ),
    Ground.COMPLAINT_HANDLING: Phrases(
        "投诉办理",
        "政务服务投诉应当在规定时间内受理、办理并答复投诉人的有关规定",
        "立即受理和办理该投诉，并答复投诉人",
        "严格执行投诉受理、办理和回访制度",
    ),
    Ground.SUPERVISION_REPLY: Phrases(
        "督办回复",
        "效能监察督办工作关于在规定期限内书面回复督办事项的规定",
        "立即报送督办事项的办理和整改情况",
        "建立督办事项台账，按时办理和回复督办事项",
    ),
    Ground.PATROL_FIX: Phrases(
        "巡查问题整改",
        "视频巡查发现的问题应当在1小时内响应、24小时内整改到位的规定",
        "立即整改视频巡查发现的问题，并反馈整改情况",
        "落实视频巡查问题的响应和整改责任",
    ),
    Ground.CAMERA: Phrases(
        "监控设备管理",
        "政务服务中心视频监控设备管理的有关规定",
        "立即排除视频监控设备故障，恢复正常监控",
        "加强视频监控设备日常维护，发现故障及时报修",
    ),
    Ground.DATA_FEED: Phrases(
        "电子监察数据报送",
        "电子监察数据实时报送的有关规定",
        "立即排查数据中断原因，恢复数据实时报送并补报中断期间的数据",
        "加强业务系统与电子监察系统对接的运行维护",
    ),
    Ground.GENERAL: Phrases(
        "政务服务管理",
        "政务服务管理和机关效能建设的有关规定",
        "依法依规纠正存在的问题",
        "健全完善相关工作制度，加强窗口人员日常管理",
    ),
}

# An alert's rule (alerts/findings.py Rule) → the rule it breaches.
ALERT_GROUNDS: dict[str, Ground] = {
    "case.promised_deadline": Ground.PROMISED_DEADLINE,
    "case.legal_deadline": Ground.LEGAL_DEADLINE,
    "case.late_extension": Ground.LATE_EXTENSION,
    "case.second_supplement": Ground.SUPPLEMENT_ONCE,
    "case.late_supplement": Ground.SUPPLEMENT_NOTICE,
    "case.completed_unaccepted": Ground.ACCEPTANCE,
    "case.off_system": Ground.OFF_SYSTEM,
    "fee.off_standard": Ground.FEE_STANDARD,
    "fee.free_matter": Ground.FEE_FREE,
    "window.empty": Ground.ON_DUTY,
    "camera.fault": Ground.CAMERA,
    "rating.spike": Ground.RATINGS,
    "rating.rectification_deadline": Ground.RATING_RECTIFICATION,
    "complaint.spike": Ground.COMPLAINTS,
    "complaint.acceptance_deadline": Ground.COMPLAINT_HANDLING,
    "complaint.completion_deadline": Ground.COMPLAINT_HANDLING,
    "supervision.reply_deadline": Ground.SUPERVISION_REPLY,
    "patrol.finding_deadline": Ground.PATROL_FIX,
    "queue.long_wait": Ground.QUEUE,
    "queue.backlog": Ground.QUEUE,
    "feed.stale": Ground.DATA_FEED,
}

# A patrol finding's GB/T 36112 checklist item (video/patrol.py CheckItem) → the rule.
ITEM_GROUNDS: dict[str, Ground] = {
    "on_duty": Ground.ON_DUTY,
    "appearance": Ground.APPEARANCE,
    "attitude": Ground.ATTITUDE,
    "discipline": Ground.DISCIPLINE,
    "environment": Ground.SITE_ORDER,
}

# A complaint's category (sim/names.py COMPLAINT_CATEGORIES and the like) → the rule.
COMPLAINT_GROUNDS: dict[str, Ground] = {
    "服务态度": Ground.ATTITUDE,
    "办事效率": Ground.PROMISED_DEADLINE,
    "推诿扯皮": Ground.FIRST_CONTACT,
    "多次跑腿": Ground.SUPPLEMENT_ONCE,
    "乱收费": Ground.FEE_STANDARD,
    "窗口空岗": Ground.ON_DUTY,
    "吃拿卡要": Ground.INTEGRITY,
    "排队时间长": Ground.QUEUE,
}

# Keywords of a title (a case opened by hand, or an origin without details), most specific
# first: the first keyword found names the rule.
TITLE_KEYWORDS: tuple[tuple[Ground, tuple[str, ...]], ...] = (
    (Ground.FEE_FREE, ("免费",)),
    (Ground.FEE_STANDARD, ("收费",)),
    (Ground.OFF_SYSTEM, ("体外循环",)),
    (Ground.ACCEPTANCE, ("未受理",)),
    (Ground.LATE_EXTENSION, ("延期",)),
    (Ground.SUPPLEMENT_ONCE, ("补正", "一次性告知", "一次告知")),
    (Ground.LEGAL_DEADLINE, ("法定时限",)),
    (Ground.PROMISED_DEADLINE, ("承诺时限", "超期", "超时", "未办结")),
    (Ground.ON_DUTY, ("空岗", "离岗", "脱岗", "不在岗")),
    (Ground.APPEARANCE, ("着装", "仪容")),
    (Ground.ATTITUDE, ("态度",)),
    (Ground.DISCIPLINE, ("纪律",)),
    (Ground.FIRST_CONTACT, ("推诿",)),
    (Ground.QUEUE, ("排队",)),
    (Ground.RATINGS, ("差评",)),
)


@dataclass(frozen=True)
class Source:
    """How a notice names what found the problem: `found` opens the body (…，你单位X存在以下
    问题), `during` fits 近期，{organ}…发现 (通报); `follow` ends the demand."""

    found: str
    during: str
    follow: str = ""


SOURCES: dict[str, Source] = {
    "alert": Source("经{organ}电子监察系统监测发现", "在电子监察中"),
    "alert.video": Source("经{organ}电子监察系统视频监测发现", "在电子监察中"),
    "alert.spike": Source("经{organ}电子监察系统统计分析发现", "在电子监察中"),
    "finding": Source("经{organ}视频巡查发现", "在视频巡查中"),
    "complaint": Source("据群众投诉反映", "在受理群众投诉中", "，并将处理结果及时答复投诉人"),
    "complaint.substantiated": Source(
        "经{organ}核查群众投诉", "在核查群众投诉中", "，并将处理结果及时答复投诉人"
    ),
    "manual": Source("经{organ}调查核实", "在效能监察中"),
}
# Alerts found by video analysis or by statistics rather than by the 办件's course.
ALERT_SOURCES = dict.fromkeys(("window.empty", "camera.fault"), "alert.video") | dict.fromkeys(
    ("rating.spike", "complaint.spike"), "alert.spike"
)


@dataclass(frozen=True)
class CaseOrigin:
    """What a case was opened from, as far as the wording needs it."""

    origin: str = "manual"  # alert | finding | complaint | manual
    rule: str | None = None  # an alert's rule
    items: tuple[str, ...] = ()  # a patrol finding's checklist items
    category: str | None = None  # a complaint's category
    substantiated: bool | None = None  # a complaint found true (查实)


MANUAL = CaseOrigin()


@dataclass(frozen=True)
class Wording:
    """The origin and rule phrases of one notice, ready for the body templates."""

    source: Source
    grounds: tuple[Ground, ...]
    organ: str

    @property
    def found(self) -> str:
        return self.source.found.format(organ=self.organ)

    @property
    def during(self) -> str:
        return self.source.during

    @property
    def follow(self) -> str:
        return self.source.follow

    @property
    def phrases(self) -> tuple[Phrases, ...]:
        return tuple(GROUNDS[g] for g in self.grounds)

    @property
    def basis(self) -> str:
        return join_and([p.basis for p in self.phrases])

    @property
    def demand(self) -> str:
        return "；".join(p.demand for p in self.phrases)

    @property
    def prevent(self) -> str:
        return "，".join(p.prevent for p in self.phrases)

    @property
    def deadline(self) -> bool:
        return any(p.deadline for p in self.phrases)


def join_and(parts: Iterable[str]) -> str:
    """A、B和C."""
    items = list(parts)
    if len(items) <= 1:
        return "".join(items)
    return "、".join(items[:-1]) + "和" + items[-1]


def grounds_of(origin: CaseOrigin, title: str = "") -> tuple[Ground, ...]:
    """The rules a case breaches: from its origin's details, else from its title, else the
    general rule."""
    found: list[Ground] = []
    if origin.rule in ALERT_GROUNDS:
        found.append(ALERT_GROUNDS[origin.rule])
    found += [ITEM_GROUNDS[i] for i in origin.items if i in ITEM_GROUNDS]
    if origin.category in COMPLAINT_GROUNDS:
        found.append(COMPLAINT_GROUNDS[origin.category])
    if not found:
        found += [g for g, words in TITLE_KEYWORDS if any(w in title for w in words)][:1]
    return tuple(dict.fromkeys(found)) or (Ground.GENERAL,)


def source_of(origin: CaseOrigin) -> Source:
    if origin.origin == "alert":
        return SOURCES[ALERT_SOURCES.get(origin.rule or "", "alert")]
    if origin.origin == "complaint" and origin.substantiated:
        return SOURCES["complaint.substantiated"]
    return SOURCES.get(origin.origin, SOURCES["manual"])


def wording_for(origin: CaseOrigin, organ: str, title: str = "") -> Wording:
    return Wording(source_of(origin), grounds_of(origin, title), organ)
