"""Closed vocabularies of the domain (see shared DOMAIN.md). Codes in English, labels in Chinese."""

from enum import StrEnum


class EventKind(StrEnum):
    CASE_APPLIED = "case.applied"
    CASE_ACCEPTED = "case.accepted"
    CASE_REFUSED = "case.refused"
    CASE_SUPPLEMENT_REQUESTED = "case.supplement_requested"
    CASE_SUPPLEMENT_RECEIVED = "case.supplement_received"
    CASE_STEP_STARTED = "case.step_started"
    CASE_STEP_COMPLETED = "case.step_completed"
    CASE_SPECIAL_PROCEDURE_STARTED = "case.special_procedure_started"
    CASE_SPECIAL_PROCEDURE_ENDED = "case.special_procedure_ended"
    CASE_EXTENDED = "case.extended"
    CASE_COMPLETED = "case.completed"
    CASE_DELIVERED = "case.delivered"
    FEE_CHARGED = "fee.charged"
    RATING_SUBMITTED = "rating.submitted"
    COMPLAINT_FILED = "complaint.filed"
    COMPLAINT_ACCEPTED = "complaint.accepted"
    COMPLAINT_RESOLVED = "complaint.resolved"
    QUEUE_TICKET_ISSUED = "queue.ticket_issued"
    QUEUE_TICKET_CALLED = "queue.ticket_called"
    QUEUE_TICKET_SERVED = "queue.ticket_served"
    ATTENDANCE_CLOCK_IN = "attendance.clock_in"
    ATTENDANCE_CLOCK_OUT = "attendance.clock_out"
    PRESENCE_SAMPLE = "presence.sample"
    CAMERA_HEALTH = "camera.health"


class CaseType(StrEnum):
    """办件类型 (GB/T 39046: 1 即办件, 2 承诺件; plus the other 六办件 classes)."""

    INSTANT = "instant"  # 即办件
    PROMISED = "promised"  # 承诺件
    JOINT = "joint"  # 联办件
    UPWARD = "upward"  # 上报件


CASE_TYPE_LABELS = {
    CaseType.INSTANT: "即办件",
    CaseType.PROMISED: "承诺件",
    CaseType.JOINT: "联办件",
    CaseType.UPWARD: "上报件",
}


class CaseStatus(StrEnum):
    APPLIED = "applied"  # 已申请
    ACCEPTED = "accepted"  # 已受理 (办理中)
    SUPPLEMENT = "supplement"  # 补正中
    SUSPENDED = "suspended"  # 特别程序中
    COMPLETED = "completed"  # 已办结
    REFUSED = "refused"  # 不予受理


CASE_STATUS_LABELS = {
    CaseStatus.APPLIED: "已申请",
    CaseStatus.ACCEPTED: "办理中",
    CaseStatus.SUPPLEMENT: "补正中",
    CaseStatus.SUSPENDED: "特别程序",
    CaseStatus.COMPLETED: "已办结",
    CaseStatus.REFUSED: "不予受理",
}


class CaseResult(StrEnum):
    """办结结果."""

    ISSUED = "issued"  # 出证 / 准予
    RETURNED = "returned"  # 退回
    VOID = "void"  # 作废
    FORWARDED = "forwarded"  # 转报
    REFUSED = "refused"  # 补正超期不予许可


class Step(StrEnum):
    UNDERTAKE = "undertake"  # 承办
    REVIEW = "review"  # 审核
    APPROVE = "approve"  # 批准


class SpecialProcedure(StrEnum):
    """特别程序 (行政许可法 §45): time not counted."""

    HEARING = "hearing"  # 听证
    TENDER = "tender"  # 招标
    AUCTION = "auction"  # 拍卖
    INSPECTION = "inspection"  # 检验
    TESTING = "testing"  # 检测
    QUARANTINE = "quarantine"  # 检疫
    APPRAISAL = "appraisal"  # 鉴定
    EXPERT_REVIEW = "expert_review"  # 专家评审


class RatingChannel(StrEnum):
    PAD = "pad"  # 窗口评价器
    APP = "app"
    SMS = "sms"
    WEB = "web"
    HOTLINE = "hotline"
    DEFAULT = "default"  # 默认评价 (未评 7 日)


class ComplaintChannel(StrEnum):
    HOTLINE_12345 = "12345"
    BOX = "box"  # 意见箱
    ONLINE = "online"
    ONSITE = "onsite"


class CameraStatus(StrEnum):
    OK = "ok"
    OFFLINE = "offline"
    FROZEN = "frozen"
    DARK = "dark"
    COVERED = "covered"
    MOVED = "moved"


class AttendanceMethod(StrEnum):
    FINGERPRINT = "fingerprint"
    FACE = "face"
    CARD = "card"


class Role(StrEnum):
    SUPERVISOR = "supervisor"
    INSPECTOR = "inspector"
    LIAISON = "liaison"
    LEADER = "leader"
    ADMIN = "admin"


ROLE_LABELS = {
    Role.SUPERVISOR: "监察员",
    Role.INSPECTOR: "视频巡查员",
    Role.LIAISON: "部门联络员",
    Role.LEADER: "领导",
    Role.ADMIN: "系统管理员",
}


class AlertLevel(StrEnum):
    WARNING = "warning"  # 预警
    YELLOW = "yellow"  # 黄牌
    RED = "red"  # 红牌


ALERT_LEVEL_LABELS = {
    AlertLevel.WARNING: "预警",
    AlertLevel.YELLOW: "黄牌",
    AlertLevel.RED: "红牌",
}


class RegionLevel(StrEnum):
    PROVINCE = "province"  # 省
    CITY = "city"  # 市
    COUNTY = "county"  # 县
    TOWNSHIP = "township"  # 乡


EVENT_KIND_LABELS: dict[str, str] = {
    EventKind.CASE_APPLIED: "提交申请",
    EventKind.CASE_ACCEPTED: "窗口受理",
    EventKind.CASE_REFUSED: "不予受理",
    EventKind.CASE_SUPPLEMENT_REQUESTED: "补正告知",
    EventKind.CASE_SUPPLEMENT_RECEIVED: "补正材料收讫",
    EventKind.CASE_STEP_STARTED: "环节开始",
    EventKind.CASE_STEP_COMPLETED: "环节完成",
    EventKind.CASE_SPECIAL_PROCEDURE_STARTED: "特别程序开始",
    EventKind.CASE_SPECIAL_PROCEDURE_ENDED: "特别程序结束",
    EventKind.CASE_EXTENDED: "延期",
    EventKind.CASE_COMPLETED: "办结",
    EventKind.CASE_DELIVERED: "送达",
    EventKind.FEE_CHARGED: "收费",
    EventKind.RATING_SUBMITTED: "评价",
    EventKind.COMPLAINT_FILED: "投诉登记",
    EventKind.COMPLAINT_ACCEPTED: "投诉受理",
    EventKind.COMPLAINT_RESOLVED: "投诉办结",
    EventKind.QUEUE_TICKET_ISSUED: "取号",
    EventKind.QUEUE_TICKET_CALLED: "叫号",
    EventKind.QUEUE_TICKET_SERVED: "办理完毕",
    EventKind.ATTENDANCE_CLOCK_IN: "签到",
    EventKind.ATTENDANCE_CLOCK_OUT: "签退",
    EventKind.PRESENCE_SAMPLE: "在岗检测",
    EventKind.CAMERA_HEALTH: "摄像机状态",
}
