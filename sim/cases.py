"""The life of one case from the window to delivery: application, 补正, acceptance, steps,
特别程序, 延期, completion (mostly early, some late, some 退回), fee and rating — with the truth
of its deadlines."""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from core.enums import CaseResult, CaseType, EventKind, SpecialProcedure, Step
from sim import clock, names
from sim.context import DayContext
from sim.presence import MIN
from sim.streams import Service, random_name
from sim.truth import TruthItem, TruthKind

PRESETS = {
    "vendor": (("warning", "P", -2), ("yellow", "P", 1), ("red", "L", 1)),
    "one_day": (("warning", "P", -1), ("red", "P", 0)),
}
BAD_COMMENTS = ("等待时间太长", "工作人员态度差", "材料要求不清楚", "让我跑了好几趟")


@dataclass(slots=True)
class Flags:
    kind: str | None = None  # one planted case-level violation, see violations.CASE_KINDS
    bad_rating: bool = False


@dataclass(slots=True)
class Clock:
    accepted_day: object
    accepted_at: int
    promised: int
    legal: int
    pause: int = 0  # working days of 特别程序
    pause_at: int | None = None
    extension: int = 0
    extension_at: int | None = None


class CaseRun:
    """Emits the events of one served ticket's case."""

    def __init__(self, ctx: DayContext, svc: Service, number: int, flags: Flags) -> None:
        self.ctx, self.svc, self.flags, self.rng = ctx, svc, flags, ctx.rng
        self.case_no = f"{ctx.region_code}{ctx.day:%Y%m%d}{number:05d}"
        self.kw = {
            "department": svc.department_code,
            "window": svc.window_code,
            "case_no": self.case_no,
            "staff": svc.staff_id,
        }
        self.span = svc.end - svc.start

    def emit(self, kind: EventKind, t: int, payload: dict, key: str = "") -> None:
        self.ctx.em.emit(kind, t, f"{self.case_no}{key}", payload, **self.kw)

    def truth(self, kind: TruthKind, start: int, end: int | None, **detail) -> None:
        c = self.ctx
        c.truth.append(
            TruthItem(
                kind,
                start,
                end,
                c.center_code,
                self.svc.department_code,
                self.svc.window_code,
                self.case_no,
                detail,
            )
        )

    def run(self) -> None:
        m, s = self.svc.matter, self.svc.start
        org = self.rng.random() < 0.3
        applied = {
            "matter_code": m.code,
            "matter_name": m.name,
            "case_type": m.case_type.value,
            "applicant_name": random_name(self.rng, org),
            "applicant_kind": "organisation" if org else "person",
        }
        self.emit(EventKind.CASE_APPLIED, s + self.span // 6, applied)
        if self.flags.kind is None and self.rng.random() < self.ctx.cfg.traffic.refused_share:
            self.emit(
                EventKind.CASE_REFUSED, s + self.span // 2, {"reason": "不属于本部门受理范围"}
            )
        elif m.legal_days == 0:
            self.instant()
        else:
            self.promised()
        self.rating()

    def instant(self) -> None:
        m, s = self.svc.matter, self.svc.start
        self.emit(
            EventKind.CASE_ACCEPTED,
            s + self.span // 3,
            {
                "matter_code": m.code,
                "case_type": CaseType.INSTANT.value,
                "promised_days": 0,
                "legal_days": 0,
            },
        )
        done = s + self.span * 5 // 6
        self.emit(
            EventKind.CASE_COMPLETED,
            done,
            {"result": CaseResult.ISSUED.value, "certificate_no": f"ZS{self.case_no}"},
        )
        self.fee(done)

    def promised(self) -> None:
        m = self.svc.matter
        t_acc = self.supplements()
        day = clock.local_date(t_acc)
        ck = Clock(day, t_acc, m.promised_days, m.legal_days)
        due = self.ctx.due(day, m.promised_days)
        self.emit(
            EventKind.CASE_ACCEPTED,
            t_acc,
            {
                "matter_code": m.code,
                "case_type": CaseType.PROMISED.value,
                "promised_days": m.promised_days,
                "legal_days": m.legal_days,
                "promised_due_at": clock.iso(due),
            },
        )
        self.fee(t_acc + 45)
        if self.flags.kind == "instant_through":
            done = t_acc + self.rng.randint(10, 50)
            self.truth(TruthKind.INSTANT_THROUGH, t_acc, done)
        else:
            done = self.completion(ck)
            self.steps(t_acc, done)
        self.complete(done)
        self.deadline_truth(ck, done)

    def supplements(self) -> int:
        """补正 before acceptance (on the spot; planted: a late notice, a second request);
        returns the acceptance instant."""
        kind, ctx, rng = self.flags.kind, self.ctx, self.rng
        asked = (
            kind in ("late_supplement", "second_supplement")
            or rng.random() < ctx.cfg.traffic.supplement_share
        )
        if not asked:
            return self.svc.start + self.span * 3 // 5
        if kind == "late_supplement":
            t_req = ctx.working_time(ctx.cal.add_working_days(ctx.day, rng.randint(6, 8)))
            self.truth(TruthKind.LATE_SUPPLEMENT, ctx.due(ctx.day, 5), t_req)
        else:
            t_req = self.svc.start + self.span // 2
        t_recv = self.ask(t_req, 1, rng.randint(1, 4))
        if kind == "second_supplement":
            t_req2 = t_recv + rng.randint(5 * MIN, 20 * MIN)
            self.truth(TruthKind.SECOND_SUPPLEMENT, t_req2, t_req2)
            t_recv = self.ask(t_req2, 2, rng.randint(1, 3))
        return t_recv + self.rng.randint(3 * MIN, 15 * MIN)

    def ask(self, t_req: int, n: int, days: int) -> int:
        materials = self.rng.sample(names.SUPPLEMENT_MATERIALS, self.rng.randint(1, 3))
        notice = {"materials": materials, "notice_no": f"BZ{self.case_no}-{n}"}
        self.emit(EventKind.CASE_SUPPLEMENT_REQUESTED, t_req, notice, key=f"|{n}")
        t_recv = self.ctx.working_time(self.ctx.cal.add_working_days(clock.local_date(t_req), days))
        self.emit(EventKind.CASE_SUPPLEMENT_RECEIVED, t_recv, {"complete": True}, key=f"|{n}")
        return t_recv

    def net_days(self, ck: Clock) -> int:
        kind, rng, model = self.flags.kind, self.rng, self.ctx.model
        if kind == "overdue_legal":
            return ck.legal + rng.randint(1, 3)
        if kind == "overdue_promised":
            return min(ck.promised + rng.randint(1, 3), ck.legal)
        if rng.random() < model.same_day_promised:
            return 0
        days, cum = model.duration_tables[ck.promised]
        d = days[min(bisect.bisect_left(cum, rng.random()), len(days) - 1)]
        if rng.random() < self.ctx.cfg.traffic.extension_share:
            d = ck.promised + rng.randint(1, 8)
            ext_day = (
                self.ctx.cal.add_working_days(ck.accepted_day, ck.promised - 1)
                if ck.promised > 1
                else ck.accepted_day
            )
            ck.extension, ck.extension_at = 10, self.ctx.working_time(ext_day, after=ck.accepted_at)
            self.emit(
                EventKind.CASE_EXTENDED,
                ck.extension_at,
                {"days": 10, "approved_by": "分管领导", "reason": "需现场核查"},
            )
        return d

    def completion(self, ck: Clock) -> int:
        ctx, rng = self.ctx, self.rng
        d = self.net_days(ck)
        cob = clock.close_of_business(ck.accepted_day, ctx.schedule)
        if d == 0:
            if cob - ck.accepted_at > 25 * MIN:
                return ctx.snap(ck.accepted_at + rng.randint(20 * MIN, cob - ck.accepted_at - 60))
            d = 1
        if d >= 2 and rng.random() < ctx.cfg.traffic.special_procedure_share:
            self.special_procedure(ck)
        return ctx.working_time(ctx.cal.add_working_days(ck.accepted_day, d + ck.pause))

    def special_procedure(self, ck: Clock) -> None:
        ctx, rng = self.ctx, self.rng
        start_day = ctx.cal.add_working_days(ck.accepted_day, 1)
        end_day = ctx.cal.add_working_days(start_day, rng.randint(3, 8))
        ck.pause = ctx.cal.working_days_between(start_day, end_day)
        ck.pause_at = ctx.working_time(start_day)
        payload = {"procedure": rng.choice(list(SpecialProcedure)).value, "reason": "依法需要"}
        self.emit(EventKind.CASE_SPECIAL_PROCEDURE_STARTED, ck.pause_at, payload)
        self.emit(EventKind.CASE_SPECIAL_PROCEDURE_ENDED, ctx.working_time(end_day), payload)

    def steps(self, start: int, done: int) -> None:
        """承办, 审核, 批准 between acceptance and completion, in opening hours where possible."""
        last = start
        for i, step in enumerate((Step.UNDERTAKE, Step.REVIEW, Step.APPROVE)):
            for j, kind in enumerate((EventKind.CASE_STEP_STARTED, EventKind.CASE_STEP_COMPLETED)):
                k = 2 * i + j
                raw = start + (done - start) * (1 + 2 * k) // 13
                last = max(min(self.ctx.snap(raw), done - (6 - k) * 5), last + 1)
                payload = {"step": step.value, "handler": self.svc.staff_id}
                self.emit(kind, last, payload, key=f"|{step.value}")

    def complete(self, done: int) -> None:
        rng, tr = self.rng, self.ctx.cfg.traffic
        x = rng.random()
        if self.flags.kind is None and x < tr.returned_share:
            result = CaseResult.RETURNED
        elif self.flags.kind is None and x < tr.returned_share + 0.01:
            result = CaseResult.FORWARDED
        else:
            result = CaseResult.ISSUED
        cert = f"ZS{self.case_no}" if result == CaseResult.ISSUED else None
        self.emit(EventKind.CASE_COMPLETED, done, {"result": result.value, "certificate_no": cert})
        if result == CaseResult.ISSUED:
            if rng.random() < 0.5:
                self.emit(EventKind.CASE_DELIVERED, done + 60, {"method": "electronic"})
            else:
                later = self.ctx.cal.add_working_days(clock.local_date(done), rng.randint(1, 2))
                self.emit(
                    EventKind.CASE_DELIVERED, self.ctx.working_time(later), {"method": "window"}
                )

    def fee(self, t: int) -> None:
        std = self.svc.matter.fee
        if std is None:
            return
        amount = std
        if self.flags.kind == "fee_off_standard":
            amount = std * 2 if self.rng.random() < 0.5 else std + 30
            self.truth(TruthKind.FEE_OFF_STANDARD, t, t, standard=str(std), charged=f"{amount:.2f}")
        payload = {
            "amount": f"{amount:.2f}",
            "fee_item": self.svc.matter.name,
            "receipt_no": f"SF{self.case_no}",
        }
        self.ctx.em.emit(EventKind.FEE_CHARGED, t, self.case_no, payload, **self.kw)

    def rating(self) -> None:
        rng, tr = self.rng, self.ctx.cfg.traffic
        if self.flags.bad_rating:
            score, comment = rng.choice((4, 5)), rng.choice(BAD_COMMENTS)
        elif rng.random() < tr.rated_share:
            score, comment = rng.choices((1, 2, 3, 4, 5), weights=tr.score_weights)[0], None
        else:
            return
        pad = self.flags.bad_rating or rng.random() < 0.85
        t = self.svc.end + (rng.randint(5, 90) if pad else rng.randint(1800, 4 * 3600))
        payload = {"score": score, "channel": "pad" if pad else "sms", "comment": comment}
        self.ctx.em.emit(EventKind.RATING_SUBMITTED, t, self.case_no, payload, **self.kw)

    def deadline_truth(self, ck: Clock, done: int) -> None:
        due_p = self.ctx.due(ck.accepted_day, ck.promised + ck.pause + ck.extension)
        due_l = self.ctx.due(ck.accepted_day, ck.legal + ck.pause + ck.extension)
        if done > due_p:
            self.truth(TruthKind.OVERDUE_PROMISED, due_p, done, due_at=clock.iso(due_p))
        if done > due_l:
            self.truth(TruthKind.OVERDUE_LEGAL, due_l, done, due_at=clock.iso(due_l))
        for preset, levels in PRESETS.items():
            for level, base, offset in levels:
                moment = self.level_moment(ck, (ck.promised if base == "P" else ck.legal) + offset)
                if done > moment:
                    self.truth(TruthKind.CASE_WARNING, moment, done, preset=preset, level=level)

    def level_moment(self, ck: Clock, n: int) -> int:
        """When `n` working days after acceptance have run, counting only the pauses and
        extensions already granted by then; n < 0 means at acceptance."""
        if n < 0:
            return ck.accepted_at
        moment = self.ctx.due(ck.accepted_day, n)
        extra = (ck.pause if ck.pause_at is not None and ck.pause_at < moment else 0) + (
            ck.extension if ck.extension_at is not None and ck.extension_at < moment else 0
        )
        return self.ctx.due(ck.accepted_day, n + extra) if extra else moment
