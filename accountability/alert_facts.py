"""The words of a case opened from an alert: its title and its facts as a notice states them,
worded for the alert's rule — a deadline names the deadline, a fee the standard and the amount,
a process anomaly what happened to the 办件, an empty window how long and who waited — then the
card the system showed. Pure: `now` and the time zone are passed in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from accountability.facts import Place, day, minute
from store.repos.accountability.cases import CaseFacts
from store.repos.alerts.records import AlertRow

# What went wrong, per alert rule, as a case title's tail (…办件超过承诺时限, 1号窗口空岗).
ALERT_TITLES = {
    "case.promised_deadline": "超过承诺时限",
    "case.legal_deadline": "超过法定时限",
    "case.late_extension": "超过法定时限后延期",
    "case.second_supplement": "多次要求补正",
    "case.late_supplement": "未按时一次性告知补正",
    "case.completed_unaccepted": "未受理即办结",
    "case.off_system": "疑似体外循环",
    "fee.off_standard": "收费与标准不符",
    "fee.free_matter": "免费事项违规收费",
    "window.empty": "空岗",
    "camera.fault": "视频监控设备故障",
    "rating.spike": "差评集中",
    "rating.rectification_deadline": "差评逾期未整改",
    "complaint.spike": "投诉集中",
    "complaint.acceptance_deadline": "投诉逾期未受理",
    "complaint.completion_deadline": "投诉逾期未办结",
    "supervision.reply_deadline": "逾期未回复督办",
    "patrol.finding_deadline": "巡查问题逾期未整改",
    "queue.long_wait": "群众排队等候时间过长",
    "queue.backlog": "排队积压",
    "feed.stale": "电子监察数据中断",
}
CARDS = {"warning": "发出预警", "yellow": "亮黄牌", "red": "亮红牌"}
CAMERA_PHRASES = {
    "offline": "离线",
    "frozen": "画面冻结",
    "dark": "画面过暗",
    "covered": "镜头被遮挡",
    "moved": "镜头被移动",
}


@dataclass(frozen=True)
class AlertCase:
    """An alert with what the notice needs around it: the 办件 it is about (if any), the
    place in words, `now` and the centre's time zone."""

    alert: AlertRow
    case: CaseFacts | None
    place: Place
    now: datetime
    tz: ZoneInfo

    def ev(self, key: str) -> Any:
        return self.alert.evidence.get(key)

    def at(self, key: str) -> str | None:
        """An ISO time of the alert's evidence, in words (None if absent)."""
        value = self.ev(key)
        return minute(datetime.fromisoformat(value), self.tz) if isinstance(value, str) else None

    @property
    def where(self) -> str:
        return f"{self.place.department}{self.place.window or ''}" or "本中心"


def alert_title(a: AlertCase) -> str:
    """食品经营许可办件收费与标准不符, 1号窗口空岗, 市场监管局差评集中."""
    phrase = ALERT_TITLES.get(a.alert.rule, "存在问题")
    if a.case is not None:
        return f"{a.case.matter_name or ''}办件{phrase}"
    return f"{a.place.window or a.place.department}{phrase}"


def alert_facts(a: AlertCase) -> str:
    """What the alert found, in the words of a notice, worded for its rule (a fee or a process
    anomaly names no time limit), and the card the system showed."""
    words = _ALERT_FACTS.get(a.alert.rule)
    what = words(a) if words is not None else None
    card = CARDS.get(a.alert.level, f"发出{a.alert.level}")
    if what is None:
        return f"{a.alert.summary}。电子监察系统于{minute(a.alert.since, a.tz)}{card}"
    on_case = "对该办件" if a.case is not None else ""
    return f"{what}。电子监察系统于{minute(a.alert.since, a.tz)}{on_case}{card}"


def _case_head(c: CaseFacts, limit: bool = False) -> str:
    days = f"，承诺时限{c.promised_days}个工作日" if limit and c.promised_days else ""
    return f"办件编号{c.case_no}（{c.matter_name or '事项'}{days}）"


def _accepted(c: CaseFacts, tz: ZoneInfo) -> str:
    return f"于{day(c.accepted_at, tz)}受理" if c.accepted_at else "已受理"


def _deadline(a: AlertCase) -> str | None:
    c = a.case
    if c is None:
        return None
    legal = a.alert.rule == "case.legal_deadline"
    kind, due = ("法定", c.legal_due_at) if legal else ("承诺", c.promised_due_at)
    text = _case_head(c, limit=not legal) + _accepted(c, a.tz)
    if due:
        text += f"，{kind}办结期限为{day(due, a.tz)}"
    if c.completed_at:
        text += f"，于{day(c.completed_at, a.tz)}办结"
    else:
        text += f"，截至{minute(a.now, a.tz)}仍未办结"
    return f"{text}，超过{kind}时限"


def _late_extension(a: AlertCase) -> str | None:
    if a.case is None:
        return None
    due = a.at("deadline")
    limit = f"，法定办结期限为{due}" if due else ""
    return (
        f"{_case_head(a.case)}{_accepted(a.case, a.tz)}{limit}，"
        f"于{minute(a.alert.since, a.tz)}才批准延期，超过法定时限后延期"
    )


def _second_supplement(a: AlertCase) -> str | None:
    asked = [t for t in a.ev("requests") or [] if isinstance(t, str)]
    if a.case is None or len(asked) < 2:
        return None
    times = "、".join(minute(datetime.fromisoformat(t), a.tz) for t in asked)
    return (
        f"{_case_head(a.case)}先后于{times}{len(asked)}次要求申请人补正材料，"
        "未做到一次性告知需要补正的全部内容，造成申请人多次往返"
    )


def _late_supplement(a: AlertCase) -> str | None:
    if a.case is None:
        return None
    due = a.at("due")
    by = f"（{due}前）" if due else ""
    return (
        f"{_case_head(a.case)}收到申请材料后，未在五个工作日内{by}作出受理或者不予受理决定，"
        "也未一次性告知申请人需要补正的全部内容"
    )


def _unaccepted(a: AlertCase) -> str | None:
    if a.case is None:
        return None
    return (
        f"{_case_head(a.case)}于{minute(a.alert.since, a.tz)}办结，"
        "但政务服务平台中没有该办件的受理记录，存在未受理即办结的情况"
    )


def _off_system(a: AlertCase) -> str | None:
    accepted = a.ev("accepted_at")
    if a.case is None or not isinstance(accepted, str):
        return None
    start = datetime.fromisoformat(accepted)
    took = int((a.alert.since - start).total_seconds())
    return (
        f"{_case_head(a.case)}为承诺件，于{minute(start, a.tz)}受理后仅{took}秒即办结，"
        "疑似在系统外办理后补录（“体外循环”）"
    )


def _fee(a: AlertCase) -> str | None:
    charged = a.ev("charged")
    if charged is None:
        return None
    matter = a.case.matter_name if a.case and a.case.matter_name else a.ev("matter_code")
    head = f"办件编号{a.alert.case_no}（{matter or '事项'}）" if a.alert.case_no else a.where
    receipt = f"（票据号{a.ev('receipt_no')}）" if a.ev("receipt_no") else ""
    if a.alert.rule == "fee.free_matter":
        return f"{head}为免费事项，却向申请人收取费用{charged}元{receipt}"
    return f"{head}收费标准为{a.ev('standard')}元，实际收取{charged}元{receipt}，与收费标准不符"


def _window_empty(a: AlertCase) -> str | None:
    since = a.at("empty_since") or minute(a.alert.since, a.tz)
    text = f"{since}起，{a.where}无人在岗"
    if isinstance(a.ev("minutes"), int):
        text += f"，持续{a.ev('minutes')}分钟"
    if a.ev("waiting"):
        text += f"，期间有{a.ev('waiting')}名群众等候"
    return text


def _camera(a: AlertCase) -> str | None:
    status = CAMERA_PHRASES.get(str(a.ev("status")), "故障")
    return f"{minute(a.alert.since, a.tz)}起，{a.where}视频监控设备{status}，无法正常监控"


def _spike(a: AlertCase) -> str | None:
    observed, expected = a.ev("observed"), a.ev("expected")
    if observed is None or expected is None:
        return None
    what = "差评" if a.alert.rule == "rating.spike" else "投诉"
    since = a.at("window_start") or minute(a.alert.since, a.tz)
    return (
        f"自{since}起，{a.where}集中收到群众{what}{observed}件，"
        f"而按以往同期水平测算约为{float(expected):.1f}件，{what}数量明显异常"
    )


def _queue(a: AlertCase) -> str | None:
    if a.alert.rule == "queue.backlog":
        since = minute(a.alert.since, a.tz)
        return f"{since}起，{a.where}排队等候人数达{a.ev('waiting')}人，排队积压"
    issued = a.at("issued_at") or minute(a.alert.since, a.tz)
    return f"{issued}在{a.where}取号的{a.ev('ticket_no')}号群众等候{a.ev('minutes')}分钟仍未叫号"


# Duty clocks that are not a 办件's: (what is due, what should have happened).
_DUTIES = {
    "complaint.acceptance_deadline": ("投诉编号{s}的群众投诉", "受理"),
    "complaint.completion_deadline": ("投诉编号{s}的群众投诉", "办结"),
    "rating.rectification_deadline": ("差评（编号{s}）", "完成整改和回访"),
    "supervision.reply_deadline": ("督办事项（案件编号{s}）", "书面回复"),
    "patrol.finding_deadline": ("视频巡查发现的问题（编号{s}）", "整改到位"),
}


def _duty(a: AlertCase) -> str | None:
    what, verb = _DUTIES[a.alert.rule]
    due = a.at("due")
    if due is None:
        return None
    stopped = a.at("stopped_at")
    done = f"实际于{stopped}{verb}" if stopped else f"截至{minute(a.now, a.tz)}仍未{verb}"
    return f"{what.format(s=a.alert.subject)}应于{due}前{verb}，{done}"


def _stale_feed(a: AlertCase) -> str | None:
    last = a.at("last_event_at")
    if last is None:
        return None
    return (
        f"{a.ev('source')}数据源自{last}起，已有{a.ev('minutes')}分钟（办公时间）"
        "未向电子监察系统报送数据"
    )


_Words = Callable[[AlertCase], str | None]
_ALERT_FACTS: dict[str, _Words] = {
    "case.promised_deadline": _deadline,
    "case.legal_deadline": _deadline,
    "case.late_extension": _late_extension,
    "case.second_supplement": _second_supplement,
    "case.late_supplement": _late_supplement,
    "case.completed_unaccepted": _unaccepted,
    "case.off_system": _off_system,
    "fee.off_standard": _fee,
    "fee.free_matter": _fee,
    "window.empty": _window_empty,
    "camera.fault": _camera,
    "rating.spike": _spike,
    "complaint.spike": _spike,
    "queue.long_wait": _queue,
    "queue.backlog": _queue,
    "feed.stale": _stale_feed,
    "complaint.acceptance_deadline": _duty,
    "complaint.completion_deadline": _duty,
    "rating.rectification_deadline": _duty,
    "supervision.reply_deadline": _duty,
    "patrol.finding_deadline": _duty,
}
