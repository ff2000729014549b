"""Demo activity for service requests: about four months of tickets in every
status, registered by the front desk, the residents' portal and a guard, run
through the ticket services at their own past times (time travel), with the
SLA sweeper run as the clock advances so that breaches, escalations and
notifications happen when they would have. Registered with
propdesk.core.demo_activity from TicketsConfig.ready().

Every ticket follows a plan: the life a request of its kind leads (dispatch,
sign-for, work, slip, follow-up visit, close …), cut short by its fate (still
new, waiting on a department, on hold for the developer, reopened after an
unhappy visit, judged invalid, withdrawn …). Recent requests are more often
still in progress; old ones are mostly closed. Deterministic for a given
random stream and `now`."""

from __future__ import annotations

import contextlib
import datetime as dt
import heapq
import itertools
import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from django.contrib.auth import get_user_model
from django.db import transaction

from propdesk.common.errors import DomainError as ApiError
from propdesk.core.models import Department, Occupancy, Rank
from propdesk.sla import services as sla_services
from propdesk.sla.models import Escalation
from propdesk.sla.sweep import run_sweep
from propdesk.tickets import services
from propdesk.tickets.models import Ticket
from propdesk.tickets.workflow import OPEN

DAYS = 120
PER_DAY = (1, 2, 2, 3)  # tickets registered on a day: drawn from these
SWEEP_EVERY = dt.timedelta(minutes=45)  # the scheduler sweeps every minute; this is close enough for a demo

M = dt.timedelta(minutes=1)
H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)

# ---------------------------------------------------------------- what residents say

REPAIRS = {
    "leak": [
        "卫生间天花板渗水，怀疑楼上防水层破损，墙角已经发霉",
        "厨房水槽下方水管接头漏水，柜子里都湿了",
        "阳台地漏反水，下雨时地面积水",
        "主卧窗户边下雨渗水，墙纸起泡",
    ],
    "water": [
        "家里水压很低，热水器点不着火",
        "洗手盆水龙头关不严，一直滴水",
        "马桶水箱进水阀坏了，一直在流水",
        "厨房下水道堵塞，水排不下去",
    ],
    "power": [
        "家里跳闸后合不上闸，厨房插座都没电",
        "楼道声控灯不亮，晚上回家看不见",
        "可视对讲门铃没有声音",
        "客厅吸顶灯一直闪，怀疑线路有问题",
    ],
    "elevator": [
        "电梯运行时有明显异响，乘坐时晃动",
        "电梯按钮失灵，按了不亮也不停",
        "电梯门关闭不灵敏，差点夹到老人",
    ],
    "safety": [
        "楼道应急照明灯不亮",
        "消防通道门的闭门器坏了，门关不上",
        "单元门禁锁坏了，陌生人可以随便进出",
    ],
    "other": [
        "入户门锁芯卡住，钥匙拧不动",
        "信报箱的小门脱落了",
        "地下车库道闸抬杆后不落下",
    ],
}
REPAIR_DONE = {
    "leak": ["已重做卫生间防水并修补吊顶，闭水试验已做", "已更换水管接头并加固，试水无渗漏", "已清理地漏并更换止逆阀"],
    "water": ["已更换水龙头阀芯，试用正常", "已更换水箱进水阀，不再长流水", "已疏通下水管道，排水通畅"],
    "power": ["已更换漏电开关，各回路送电正常", "已更换声控灯灯头，测试正常", "已重新接线并更换灯具驱动"],
    "elevator": ["已通知维保单位上门，调整导靴并润滑，运行平稳", "已更换按钮面板，测试各楼层正常"],
    "safety": ["已更换应急灯电池", "已更换闭门器并调整关门速度", "已更换门禁电磁锁，刷卡正常"],
    "other": ["已更换锁芯，交付业主三把新钥匙", "已重新安装信报箱门", "已调整道闸地感，抬落杆正常"],
}
COMPLAINTS = {
    "noise": (
        "baoan",
        "baoan",
        [
            "楼上装修每天早上七点就开始用电钻，严重影响休息",
            "楼下商铺晚上音响声音太大，十点以后还在放",
            "广场舞音乐太吵，晚上九点以后还在跳",
        ],
    ),
    "cleaning": (
        "qingjie",
        "pinzhi",
        [
            "单元楼道的垃圾两天没人清理，有异味",
            "地下车库地面油污很多，很久没有打扫",
            "垃圾桶满了溢出来，周边很脏也没人管",
        ],
    ),
    "greening": (
        "lvhua",
        "pinzhi",
        [
            "绿化带杂草丛生，很久没有修剪",
            "割草机早上六点就开始工作，太吵了",
            "楼前树木太高挡住窗户采光，要求修剪",
        ],
    ),
    "security": (
        "baoan",
        "baoan",
        [
            "陌生人尾随进入单元门，门岗没有盘问",
            "晚上巡逻看不到保安，电动车电瓶被盗",
            "门岗保安态度恶劣，对业主大声呵斥",
        ],
    ),
    "parking": (
        "baoan",
        "baoan",
        ["有车辆长期占用消防通道", "我的固定车位经常被别人占用", "外来车辆随意进入小区乱停"],
    ),
    "fee": (
        "caiwu",
        "caiwu",
        ["物业费账单金额不对，多收了一个月", "缴费后一直没有收到发票", "停车费收费标准没有公示"],
    ),
    "other": (
        "gongcheng",
        "gongcheng",
        ["维修师傅约好上午上门，迟到了两个小时也没打电话", "同一个问题报修三次都没有修好"],
    ),
}
DEMANDS = [
    "要求尽快处理并给个说法",
    "希望物业加强管理，不要再发生",
    "要求主管领导回电",
    "要求赔偿损失",
    "希望三天内解决",
]
COMPLAINT_DONE = {
    "baoan": ["已上门劝导并登记，安排夜间加强巡逻", "已联系车主挪车并张贴告知单", "已对当班保安进行批评教育并调整岗位"],
    "pinzhi": ["已督促清洁外包单位当天清理，并加密巡查频次", "已安排绿化班组修剪，调整作业时间为八点以后"],
    "caiwu": ["已核对账单，多收款项下月抵扣", "已补开发票并邮寄给业主"],
    "gongcheng": ["已安排主管带队上门复修，问题已解决", "已向业主致歉并明确上门时间制度"],
}
INQUIRIES = [
    "询问物业费的缴纳方式和截止日期",
    "询问装修申请需要准备哪些材料",
    "询问停车月卡怎么办理",
    "询问小区快递柜的位置",
    "询问本周停水检修的具体时间",
    "询问门禁卡丢失后如何补办",
]
INQUIRY_ANSWERS = [
    "已告知可在服务中心或线上缴费，截止日期为每月二十五日",
    "已告知需提供装修图纸、施工单位资质和押金，并发送了申请表",
    "已告知携带行驶证和房产证到服务中心办理",
    "已告知快递柜在南门岗亭旁边",
    "已告知停水时间为周四上午九点至十二点",
]
SUGGESTIONS = [
    "建议在小区里增加儿童游乐设施",
    "建议增设电动车充电桩，避免飞线充电",
    "建议周末延长服务中心的办公时间",
    "建议在单元门口放置雨伞架",
    "建议在地下车库增加照明",
]
SUGGESTION_ANSWERS = [
    "感谢建议，已提交业委会讨论，预计下月答复",
    "已纳入年度改造计划，将在公告栏公示进度",
    "已采纳，下周起试行",
]
EMERGENCIES = [
    ("elevator", "gongcheng", "电梯困人，一名老人被困在轿厢内"),
    ("water", "gongcheng", "地下车库给水管爆裂，大量积水"),
    ("safety", "baoan", "楼道冒烟，烟感报警器响了"),
    ("safety", "baoan", "小区主干道有人摔倒受伤，需要协助送医"),
    ("power", "gongcheng", "配电房跳闸，整栋楼停电"),
    ("other", "baoan", "大风刮倒树木，压住了停在路边的车辆"),
]
EMERGENCY_DONE = {
    "gongcheng": ["已到场处置，关闭阀门并抽排积水，恢复供水", "已救出被困人员，无人受伤，电梯已停用待检", "已恢复供电"],
    "baoan": ["已到场疏散人员，确认为误报并复位", "已拉起警戒线并协助送医", "已疏导交通并联系园林清理"],
}
INSTRUCTIONS = [
    "立即组织抢修，注意人员安全，半小时内向我汇报",
    "通知受影响的住户，做好解释和安抚",
    "事后写一份情况报告，周一例会讨论",
]
FOLLOW_NOTES = [
    "已电话跟进，师傅预计下午上门",
    "已跟进，部门已安排人员处理",
    "已联系业主确认上门时间",
    "已催促处理部门，答复今天内完成",
]
HOLD_REASONS = [
    "属于开发商保修范围，已报开发商，等待答复",
    "需要厂家提供配件，预计一周到货，已告知业主",
    "涉及公共维修基金使用，需业委会表决，已告知业主",
]
VISIT_UNHAPPY = ["业主反映问题没有彻底解决，又开始渗水", "业主表示维修后还是有异响"]
CANCEL_REASONS = ["业主来电表示已自行处理，撤销报修", "业主表示误报，已撤销", "重复登记，已合并处理"]
LOCATIONS = ["地下车库B区", "南门岗亭", "中心花园", "3栋楼前广场", "东侧消防通道"]


# ---------------------------------------------------------------- plans


@dataclass
class Step:
    at: dt.datetime
    actor: str
    action: str  # the services.ticket_<action> to call
    kwargs: dict = field(default_factory=dict)


@dataclass
class Plan:
    key: int
    created: dt.datetime
    creator: str
    fields: dict
    steps: list[Step] = field(default_factory=list)


class Planner:
    """Builds one plan per ticket: its creation and the steps of its life."""

    def __init__(self, rng: random.Random, zone: ZoneInfo, households, departments):
        self.rng = rng
        self.zone = zone
        self.households = households
        self.departments = departments

    # Times: staff act during the day; an emergency is handled at once.
    def later(self, t: dt.datetime, lo: dt.timedelta, hi: dt.timedelta, *, daytime: bool = True) -> dt.datetime:
        span = int((hi - lo).total_seconds())
        moment = t + lo + dt.timedelta(seconds=self.rng.randint(0, max(span, 0)))
        if not daytime:
            return moment
        local = moment.astimezone(self.zone)
        if local.hour < 8:
            local = local.replace(hour=8, minute=self.rng.randint(0, 50))
        elif local.hour >= 21:
            local = (local + D).replace(hour=8, minute=self.rng.randint(0, 50))
        return local.astimezone(dt.UTC)

    def reporter(self, unit_owner_only=False):
        unit, people = self.rng.choice(self.households)
        person = people[0] if unit_owner_only else self.rng.choice(people)
        return unit, person

    def pick(self, items):
        return self.rng.choice(items)

    # ---------------------------------------------------------------- kinds

    def plan(self, key: int, created: dt.datetime, kind: str, fate: str) -> Plan:
        return getattr(self, f"plan_{kind}")(key, created, fate)

    def _staff_created(self, key, created, fields) -> Plan:
        unit, person = self.reporter()
        fields.update(
            unit=unit,
            reporter_name=person.name,
            reporter_phone=person.phone,
            channel=self.rng.choice(["phone", "phone", "phone", "visit"]),
        )
        return Plan(key, created, self.rng.choice(["kefu", "kefu", "kefu", "diaodu"]), fields)

    def _follows(self, plan: Plan, until: dt.datetime | None) -> None:
        """T-13: the dispatcher's follow-ups: about 2 h after registration, and
        again before the working day ends (the next one when it came in after hours)."""
        first = self.later(plan.created, 50 * M, 115 * M, daytime=False)
        local = plan.created.astimezone(self.zone)
        day_end = local.replace(hour=17, minute=0, second=0)
        if local.weekday() >= 5 or local >= day_end - 2 * H:
            day = local.date() + D
            while day.weekday() >= 5:
                day += D
            day_end = dt.datetime.combine(day, dt.time(17, 0), self.zone)
        second = max(first + 30 * M, self.later(day_end - 3 * H, 0 * M, 2 * H + 25 * M, daytime=False))
        if self.rng.random() < 0.9 and (until is None or first < until):
            plan.steps.append(Step(first, "diaodu", "follow", {"note": self.pick(FOLLOW_NOTES)}))
        if self.rng.random() < 0.8 and (until is None or second < until):
            plan.steps.append(Step(second, "diaodu", "follow", {"note": self.pick(FOLLOW_NOTES)}))

    def plan_repair(self, key, created, fate) -> Plan:
        category = self.rng.choice(["leak", "leak", "water", "water", "power", "power", "elevator", "safety", "other"])
        fields: dict[str, Any] = {"kind": "repair", "category": category, "description": self.pick(REPAIRS[category])}
        if category in ("water", "power") and self.rng.random() < 0.25:
            fields.update(urgent=True, urgent_cause=self.pick(["整户停水，无法做饭洗漱", "整户停电，冰箱食物要坏"]))
        if category == "other" and self.rng.random() < 0.5:
            fields.update(paid=True, fee=Decimal(self.pick(["50.00", "80.00", "120.00"])))  # T-5
        if self.rng.random() < 0.08:  # the owners of 1-1-101 and 1-1-102 report through the portal
            plan = Plan(key, created, self.rng.choice(["yz", "yz2"]), fields)
        else:
            plan = self._staff_created(key, created, fields)
        t = created
        steps = plan.steps
        if fate == "cancelled":
            steps.append(Step(self.later(t, 10 * M, 90 * M), "kefu", "cancel", {"reason": self.pick(CANCEL_REASONS)}))
            self._follows(plan, steps[-1].at)
            return plan
        if fate == "new":
            self._follows(plan, None)
            return plan
        t = self.later(t, 5 * M, 40 * M)
        assignee = self.rng.choice(["gc", "gc", "gc", None])
        steps.append(
            Step(t, "diaodu", "dispatch", {"department": "gongcheng", "assignee": assignee, "note": "请尽快上门"})
        )
        if fate in ("on_hold", "held"):
            t = self.later(t, 1 * H, 5 * H)
            steps.append(Step(t, "diaodu", "hold", {"reason": self.pick(HOLD_REASONS)}))
            if fate == "on_hold":
                self._follows(plan, None)
                return plan
            t = self.later(t, 3 * D, 10 * D)
            steps.append(Step(t, "diaodu", "resume", {"reason": "开发商同意由物业先行维修，费用由开发商承担"}))
        if fate == "dispatched":
            self._follows(plan, None)
            return plan
        executor = assignee or self.rng.choice(["gc", "gc_zg"])
        t = self.later(t, 10 * M, 90 * M)
        steps.append(Step(t, executor, "accept", {"note": "收到，马上安排"}))
        if fate == "accepted":
            self._follows(plan, None)
            return plan
        t = self.later(t, 40 * M, 6 * H if self.rng.random() < 0.8 else 3 * D)
        leak_test_at = t + D if category == "leak" else None
        steps.append(
            Step(t, executor, "complete", {"note": self.pick(REPAIR_DONE[category]), "leak_test_at": leak_test_at})
        )
        self._follows(plan, t)
        done_at = t
        if fate == "done":
            return plan
        slip = self.later(done_at, 1 * H, 20 * H)
        steps.append(Step(slip, "diaodu", "return_slip", {"note": "服务单已签回"}))
        # The visit after the slip is back: an unhappy visit reopens the work, and no slip comes back then.
        t = max(self.later(leak_test_at or done_at, 4 * H, 40 * H), slip + 10 * M)
        unhappy = fate in ("reopened", "redone")
        steps.append(
            Step(
                t,
                "kefu",
                "visit",
                {
                    "satisfied": not unhappy,
                    "channel": self.rng.choice(["phone", "phone", "home"]),
                    "note": self.pick(VISIT_UNHAPPY) if unhappy else "业主对维修结果满意",
                },
            )
        )
        if fate == "reopened":
            return plan
        if fate == "redone":  # T-16: back to the same executor, then visited again
            t = self.later(t, 1 * H, 6 * H)
            steps.append(Step(t, executor, "accept", {"note": "返修"}))
            t = self.later(t, 2 * H, 8 * H)
            steps.append(Step(t, executor, "complete", {"note": "已返修，问题解决", "leak_test_at": None}))
            steps.append(Step(self.later(t, 1 * H, 10 * H), "diaodu", "return_slip", {"note": "返修服务单已签回"}))
            t = self.later(t, 12 * H, 30 * H)
            steps.append(Step(t, "kefu", "visit", {"satisfied": True, "channel": "phone", "note": "返修后业主满意"}))
        steps.append(Step(self.later(max(s.at for s in steps), 10 * M, 2 * H), "diaodu", "close", {"note": "销项"}))
        return plan

    def plan_complaint(self, key, created, fate) -> Plan:
        category = self.rng.choice(list(COMPLAINTS))
        complained, handler, texts = COMPLAINTS[category]
        severity = "major" if fate == "major" else self.rng.choice(["important", "minor", "minor"])
        fields: dict[str, Any] = {
            "kind": "complaint",
            "severity": severity,
            "category": category,
            "description": self.pick(texts),
            "demand": self.pick(DEMANDS),
            "complained_department": self.departments[complained],
            "event_at": created - self.rng.randint(30, 48 * 60) * M,
            "event_place": self.rng.choice(["本单元", "楼道", "小区门口", "地下车库", "服务中心"]),
        }
        plan = self._staff_created(key, created, fields)
        steps = plan.steps
        t = self.later(created, 5 * M, 25 * M, daytime=False)
        if fate in ("invalid", "invalid_closed"):  # T-8: judged invalid, still helped and recorded
            steps.append(Step(t, "kefu_zg", "triage", {"valid": False, "note": "经核实不属于物业服务范围"}))
            t = self.later(t, 30 * M, 3 * H)
            steps.append(Step(t, "kefu", "answer", {"note": "已向业主解释并提供相关部门电话"}))
            if fate == "invalid_closed":
                steps.append(Step(self.later(t, 10 * M, 1 * H), "diaodu", "close", {"note": "无效投诉，销项"}))
            return plan
        if fate == "cancelled":
            steps.append(Step(t, "kefu", "cancel", {"reason": "业主表示问题已自行协商解决，撤回投诉"}))
            return plan
        steps.append(Step(t, "kefu_zg", "triage", {"valid": True, "note": "投诉属实"}))
        if fate == "new":
            self._follows(plan, None)
            return plan
        if severity == "major":  # goes to the project manager the same day (T-7)
            t = self.later(t, 20 * M, 3 * H)
            steps.append(Step(t, "jl", "acknowledge", {}))
            steps.append(
                Step(self.later(t, 2 * H, 20 * H), "kefu_zg", "answer", {"note": "已向业主说明处理方案和时限"})
            )
        late = self.rng.random() < 0.15
        t = self.later(t, 5 * M, 70 * M if late else 20 * M, daytime=False)
        steps.append(Step(t, "diaodu", "dispatch", {"department": handler, "note": "请按时限处理并回复"}))
        if fate == "dispatched":
            self._follows(plan, None)
            return plan
        executor = {"baoan": "ba", "pinzhi": "pz", "caiwu": "cw", "gongcheng": "gc_zg"}[handler]
        t = self.later(t, 20 * M, 2 * H)
        steps.append(Step(t, executor, "accept", {"note": "已签收呈报单"}))
        if fate == "accepted":
            self._follows(plan, None)
            return plan
        limit = {"major": 8 * D, "important": 60 * H, "minor": 30 * H}[severity]
        t = self.later(t, 2 * H, limit * 1.5 if self.rng.random() < 0.2 else limit)
        steps.append(Step(t, executor, "complete", {"note": self.pick(COMPLAINT_DONE[handler])}))
        self._follows(plan, t)
        if fate == "done":
            return plan
        done_at = t
        steps.append(Step(self.later(done_at, 1 * H, 4 * H), "kefu", "answer", {"note": "已电话告知业主处理结果"}))
        steps.append(Step(self.later(done_at, 1 * H, 24 * H), "diaodu", "return_slip", {"note": "呈报单已签回"}))
        steps.append(Step(self.later(max(s.at for s in steps), 10 * M, 2 * H), "diaodu", "close", {"note": "销项"}))
        return plan

    def plan_inquiry(self, key, created, fate) -> Plan:
        plan = self._staff_created(key, created, {"kind": "inquiry", "description": self.pick(INQUIRIES)})
        if fate == "new":
            return plan
        t = self.later(created, 1 * M, 40 * M, daytime=False)
        plan.steps.append(Step(t, "kefu", "answer", {"note": self.pick(INQUIRY_ANSWERS)}))
        if fate != "done":
            plan.steps.append(Step(self.later(t, 2 * M, 30 * M, daytime=False), "kefu", "close", {}))
        return plan

    def plan_suggestion(self, key, created, fate) -> Plan:
        plan = self._staff_created(key, created, {"kind": "suggestion", "description": self.pick(SUGGESTIONS)})
        if fate == "new":
            return plan
        t = self.later(created, 1 * D, 3 * D)
        plan.steps.append(Step(t, "kefu_zg", "answer", {"note": self.pick(SUGGESTION_ANSWERS)}))
        if fate != "done":
            plan.steps.append(Step(self.later(t, 10 * M, 1 * H), "kefu", "close", {}))
        return plan

    def plan_emergency(self, key, created, fate) -> Plan:
        category, handler, text = self.pick(EMERGENCIES)
        unit, _ = self.reporter()
        fields: dict[str, Any] = {
            "kind": "emergency",
            "category": category,
            "description": f"{unit.building.name}{text}",
        }
        if self.rng.random() < 0.4:
            fields.update(unit=None, location=self.pick(LOCATIONS), description=text)
        else:
            fields.update(unit=unit, location=f"{unit.code}附近")
        plan = Plan(key, created, self.rng.choice(["ba", "ba", "kefu"]), fields)
        steps = plan.steps
        # T-14: the project manager acknowledges within 10 minutes, or it climbs to the deputy GM.
        ack = self.later(created, 2 * M, 25 * M if self.rng.random() < 0.2 else 8 * M, daytime=False)
        steps.append(Step(ack, "jl", "acknowledge", {}))
        executor = {"gongcheng": "gc", "baoan": "ba_zg"}[handler]
        t = self.later(created, 2 * M, 10 * M, daytime=False)
        steps.append(
            Step(t, "diaodu", "dispatch", {"department": handler, "assignee": executor, "note": "紧急，立即到场"})
        )
        if self.rng.random() < 0.5:
            steps.append(Step(max(ack, t) + 3 * M, "jl", "instruct", {"instruction": self.pick(INSTRUCTIONS)}))
        t = self.later(t, 3 * M, 15 * M, daytime=False)
        steps.append(Step(t, executor, "accept", {"note": "已出发"}))
        if fate == "accepted":
            return plan
        t = self.later(t, 40 * M, 5 * H, daytime=False)
        steps.append(Step(t, executor, "complete", {"note": self.pick(EMERGENCY_DONE[handler])}))
        if fate == "done":
            return plan
        t = self.later(t, 2 * H, 24 * H)
        steps.append(Step(t, "jl", "signoff", {"note": "处置得当，同意销项"}))
        steps.append(Step(self.later(t, 10 * M, 2 * H), "diaodu", "close", {"note": "销项"}))
        return plan


# Fates by kind and by how long ago the request came in: old ones are mostly closed.
FATES = {
    "repair": {
        "old": {"closed": 80, "redone": 6, "cancelled": 4, "held": 4, "on_hold": 2, "reopened": 1},
        "recent": {"closed": 30, "done": 14, "accepted": 10, "dispatched": 8, "on_hold": 4, "reopened": 5, "new": 3},
        "today": {"new": 30, "dispatched": 25, "accepted": 20, "done": 15, "cancelled": 5},
    },
    "complaint": {
        "old": {"closed": 70, "major": 8, "invalid_closed": 8, "invalid": 4, "cancelled": 4},
        "recent": {"closed": 30, "major": 5, "done": 15, "accepted": 10, "dispatched": 10, "invalid": 8},
        "today": {"new": 35, "dispatched": 30, "accepted": 20, "invalid": 10},
    },
    "inquiry": {"old": {"closed": 100}, "recent": {"closed": 90, "new": 10}, "today": {"closed": 60, "new": 40}},
    "suggestion": {"old": {"closed": 100}, "recent": {"closed": 60, "done": 30}, "today": {"new": 100}},
    "emergency": {"old": {"closed": 100}, "recent": {"closed": 80, "done": 20}, "today": {"accepted": 50, "done": 50}},
}
KINDS = {"repair": 45, "complaint": 25, "inquiry": 15, "suggestion": 8, "emergency": 4}
# Whatever the draws, the first requests of each period get these (kind, fate),
# so that every status and class is on show: today's and recent work in
# progress, older closed cases of every shape.
SHOWCASE = {
    "today": [("repair", "new"), ("repair", "accepted")],
    "recent": [
        ("repair", "dispatched"),
        ("repair", "done"),
        ("repair", "on_hold"),
        ("repair", "reopened"),
        ("complaint", "invalid"),
        ("emergency", "closed"),
    ],
    "old": [("repair", "cancelled"), ("complaint", "major"), ("repair", "redone"), ("complaint", "invalid_closed")],
}


def _weighted(rng: random.Random, table: dict[str, int]) -> str:
    return rng.choices(list(table), weights=list(table.values()))[0]


def build_plans(rng: random.Random, now: dt.datetime, zone: ZoneInfo, households, departments) -> list[Plan]:
    planner = Planner(rng, zone, households, departments)
    today = now.astimezone(zone).date()
    plans = []
    key = itertools.count(1)
    showcase = {age: list(items) for age, items in SHOWCASE.items()}
    for back in range(DAYS, -1, -1):
        day = today - dt.timedelta(days=back)
        for _ in range(rng.choice(PER_DAY)):
            kind = _weighted(rng, KINDS)
            hour = rng.choice([0, 2, 7, 22] if kind == "emergency" and rng.random() < 0.3 else range(8, 20))
            created = dt.datetime.combine(day, dt.time(hour, rng.randint(0, 59), rng.randint(0, 59)), zone)
            created = created.astimezone(dt.UTC)
            if created >= now - 10 * M:
                continue
            age = "today" if now - created < 3 * D else "recent" if now - created < 21 * D else "old"
            fate = _weighted(rng, FATES[kind][age])
            if showcase[age]:
                kind, fate = showcase[age].pop(0)
            plans.append(planner.plan(next(key), created, kind, fate))
    return plans


# ---------------------------------------------------------------- running the plans


class Runner:
    """Runs every plan's steps in time order across all tickets, moving the
    clock to each step, and sweeps as the clock passes, so that timers breach
    and escalations climb when they would have. Escalations to supervisors
    are often taken (acknowledged) within the hour, as people do."""

    def __init__(self, project, rng: random.Random, now: dt.datetime):
        self.project = project
        self.rng = rng
        self.now = now
        names = {"kefu", "diaodu", "kefu_zg", "gc", "gc_zg", "ba", "ba_zg", "cw", "pz", "jl", "fz", "zjl", "yz", "yz2"}
        self.users = {u.username: u for u in get_user_model().objects.filter(username__in=names)}
        self.departments = {d.code: d for d in Department.objects.filter(project=project)}
        self.tickets: dict[int, Ticket] = {}
        self.queue: list = []
        self.order = itertools.count()
        self.statuses: Counter = Counter()
        self.acknowledged = 0

    def push(self, at: dt.datetime, what: tuple) -> None:
        heapq.heappush(self.queue, (at, next(self.order), what))

    def run(self, plans: list[Plan]) -> None:
        for plan in plans:
            self.push(plan.created, ("create", plan))
            for step in sorted(plan.steps, key=lambda s: s.at):
                self.push(step.at, ("step", plan, step))
        last_sweep = None
        seen_escalations = 0
        # Calendars and policies do not change while seeding: load them once (sla's memo, when it has one).
        memo = getattr(sla_services, "memo", contextlib.nullcontext)
        with memo(), time_machine.travel(plans[0].created if plans else self.now, tick=False) as clock:
            while self.queue:
                at, _, what = heapq.heappop(self.queue)
                if at >= self.now:
                    continue
                if last_sweep is None or at - last_sweep >= SWEEP_EVERY:
                    clock.move_to(at)
                    swept = run_sweep(now=at)
                    if getattr(swept, "breached", 1) or getattr(swept, "climbed", 1):
                        seen_escalations = self.take_escalations(seen_escalations)
                    last_sweep = at
                clock.move_to(at)
                self.do(what)

    def do(self, what: tuple) -> None:
        if what[0] == "create":
            plan = what[1]
            self.tickets[plan.key] = services.ticket_create(
                project=self.project, actor=self.users[plan.creator], **plan.fields
            )
        elif what[0] == "step":
            _, plan, step = what
            kwargs = dict(step.kwargs)
            if "department" in kwargs:
                kwargs["department"] = self.departments[kwargs["department"]]
            if kwargs.get("assignee"):
                kwargs["assignee"] = self.users[kwargs["assignee"]].staff
            elif "assignee" in kwargs:
                kwargs["assignee"] = None
            service = getattr(services, f"ticket_{step.action}")
            self.tickets[plan.key] = service(ticket=self.tickets[plan.key], actor=self.users[step.actor], **kwargs)
        elif what[0] == "acknowledge":
            self.acknowledge(*what[1:])

    def take_escalations(self, seen: int) -> int:
        """Schedule acknowledgements of escalations raised since the last look."""
        fresh = list(
            Escalation.objects.filter(ticket__project=self.project, pk__gt=seen)
            .select_related("recipient__user")
            .order_by("pk")
        )
        for escalation in fresh:
            taken = escalation.reason != "emergency" and escalation.recipient.rank <= Rank.MANAGER
            if taken and self.rng.random() < 0.75:
                at = escalation.created_at + self.rng.randint(8, 50) * M
                self.push(at, ("acknowledge", escalation.ticket_id, escalation.recipient.user))
        return fresh[-1].pk if fresh else seen

    def acknowledge(self, ticket_id: int, user) -> None:
        ticket = Ticket.objects.get(pk=ticket_id)
        if ticket.status not in OPEN:
            return
        try:
            with transaction.atomic():
                services.ticket_acknowledge(ticket=ticket, actor=user)
                self.acknowledged += 1
        except ApiError:  # taken meanwhile (another acknowledgement, a climb): nothing to do
            pass


def seed_activity(project, rng: random.Random, now: dt.datetime) -> dict:
    zone = ZoneInfo(project.time_zone)
    households = []
    occupancies = (
        Occupancy.objects.filter(unit__project=project, end__isnull=True)
        .select_related("unit__building", "person")
        .order_by("unit__code", "role", "pk")
    )
    by_unit: dict[int, tuple] = {}
    for occ in occupancies:
        unit, people = by_unit.setdefault(occ.unit_id, (occ.unit, []))
        if occ.role == Occupancy.Role.OWNER:
            people.insert(0, occ.person)
        else:
            people.append(occ.person)
    households = [(unit, people) for unit, people in by_unit.values() if people]
    if not households:
        return {"tickets": 0}
    runner = Runner(project, rng, now)
    plans = build_plans(rng, now, zone, households, runner.departments)
    runner.run(plans)
    result = run_sweep(now=now)  # at the real now: what is overdue today is breached and escalated
    statuses = Counter(Ticket.objects.filter(project=project).values_list("status", flat=True))
    return {
        "tickets": sum(statuses.values()),
        "statuses": dict(sorted(statuses.items())),
        "escalations": Escalation.objects.filter(ticket__project=project).count(),
        "acknowledged": runner.acknowledged,
        "breached_now": result.breached,
    }
