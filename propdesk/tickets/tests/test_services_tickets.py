"""The ticket services, one rule each (DOMAIN.md §1)."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from propdesk.common.errors import BadInput, Conflict, Forbidden, NotFound
from propdesk.core.models import Department, Staff, Unit
from propdesk.tickets import selectors, services
from propdesk.tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db

User = get_user_model()


def user(name):
    return User.objects.get(username=name)


def dept(demo, code):
    return Department.objects.get(project=demo, code=code)


def repair(demo, actor="kefu", **extra):
    fields = {
        "kind": "repair",
        "description": "卫生间漏水",
        "reporter_name": "张三",
        "reporter_phone": "13812345678",
        "unit": Unit.objects.get(project=demo, code="1-1-101"),
    }
    fields.update(extra)
    return services.ticket_create(project=demo, actor=user(actor), **fields)


def done_repair(demo, **extra):
    t = repair(demo, **extra)
    t = services.ticket_dispatch(ticket=t, actor=user("diaodu"), department=dept(demo, "gongcheng"))
    t = services.ticket_accept(ticket=t, actor=user("gc"))
    leak = {"leak_test_at": dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)} if t.category == "leak" else {}
    return services.ticket_complete(ticket=t, actor=user("gc"), note="已修好", **leak)


def test_t1_numbers_are_sequential_per_project_and_never_reused(demo):
    """T-1: numbers run 1, 2, 3 … per project; a refused create takes no number."""
    a = repair(demo)
    with pytest.raises(BadInput):
        repair(demo, description="")
    b = repair(demo)
    assert b.number == a.number + 1
    assert Ticket.objects.filter(project=demo, number=a.number).count() == 1


def test_t2_events_are_append_only_in_the_database(demo):
    """T-2: the database refuses UPDATE and DELETE on the ticket history."""
    t = repair(demo)
    event = TicketEvent.objects.get(ticket=t)
    assert event.action == "ticket.created" and event.actor.username == "kefu"
    from django.db import DatabaseError, transaction

    with pytest.raises(DatabaseError), transaction.atomic():
        TicketEvent.objects.filter(pk=event.pk).update(data={"forged": True})
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM tickets_ticketevent WHERE id = %s", [event.pk])
    assert TicketEvent.objects.get(pk=event.pk).data.get("forged") is None


def test_t3_intake_records_time_place_reporter_and_requested_time(demo):
    """T-3: time, unit/location, reporter name and phone, reporter's department, requested time."""
    when = dt.datetime(2026, 12, 1, 10, 0)  # naive: read in the project's time zone
    t = repair(demo, location="厨房", reporter_department="立案大厅", requested_by=when)
    t.refresh_from_db()
    assert t.created_at is not None and t.location == "厨房" and t.reporter_department == "立案大厅"
    assert t.requested_by == dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("field", ["reporter_name", "reporter_phone"])
def test_t3_reporter_is_required_except_for_emergencies(demo, field):
    with pytest.raises(BadInput) as exc:
        repair(demo, **{field: ""})
    assert field in exc.value.errors
    t = services.ticket_create(project=demo, actor=user("diaodu"), kind="emergency", description="电梯困人")
    assert t.reporter_name == "" and t.status == "new"  # T-14


def test_t4_capability_answer_is_recorded_with_the_sentence_for_the_resident(demo):
    """T-4: staff available / agree a time / not offered, each with what to tell the resident."""
    from propdesk.tickets.display import capability_sentence

    now = repair(demo, capability="available")
    assert "马上" in capability_sentence(now)
    with pytest.raises(BadInput) as exc:
        repair(demo, capability="schedule")
    assert "agreed_at" in exc.value.errors
    later = repair(demo, capability="schedule", agreed_at=dt.datetime(2026, 11, 25, 1, 0, tzinfo=dt.UTC))
    assert "2026-11-25 09:00" in capability_sentence(later)
    with pytest.raises(BadInput) as exc:
        repair(demo, capability="not_offered")
    assert "capability_note" in exc.value.errors
    refused = repair(demo, capability="not_offered", capability_note="室内家具维修不在服务范围")
    assert "不提供" in capability_sentence(refused) and "家具" in capability_sentence(refused)
    # Not offered: once the resident has been told, it closes without work.
    assert selectors.close_blockers(refused) == ["尚未告知业主不提供此项服务。"]
    refused = services.ticket_answer(ticket=refused, actor=user("kefu"), note="已告知业主")
    assert services.ticket_close(ticket=refused, actor=user("kefu")).status == "closed"


def test_t5_paid_service_needs_a_fee_up_front(demo):
    """T-5: a paid special repair records the fee told to the resident; no fee → 400, negative → 400."""
    with pytest.raises(BadInput) as exc:
        repair(demo, paid=True)
    assert "fee" in exc.value.errors
    with pytest.raises(BadInput):
        repair(demo, paid=True, fee="-5")
    t = repair(demo, paid=True, fee="80")
    assert t.paid and str(t.fee) == "80.00"


def test_t6_urgent_records_the_cause(demo):
    """T-6: work-stopping issues are marked urgent with their cause."""
    t = repair(demo, urgent=True, urgent_cause="整栋停水", category="water")
    t.refresh_from_db()
    assert t.urgent and t.urgent_cause == "整栋停水"


def test_t7_complaints_need_a_class(demo):
    """T-7: major / important / minor; other kinds carry none."""
    with pytest.raises(BadInput) as exc:
        repair(demo, kind="complaint")
    assert "severity" in exc.value.errors
    with pytest.raises(BadInput):
        repair(demo, kind="complaint", severity="huge")
    assert repair(demo, kind="complaint", severity="major").severity == "major"
    assert repair(demo, severity="major").severity == ""


def test_t8_invalid_complaint_is_recorded_and_closes_directly(demo):
    """T-8: judged invalid → status invalid, still answered and recorded, closable without work."""
    t = repair(demo, kind="complaint", severity="minor")
    t = services.ticket_triage(ticket=t, actor=user("diaodu"), valid=False, note="非物业责任")
    assert (t.status, t.valid) == ("invalid", False)
    services.ticket_answer(ticket=t, actor=user("diaodu"), note="已向业主解释")
    t = services.ticket_close(ticket=t, actor=user("diaodu"))
    assert t.status == "closed"
    assert list(TicketEvent.objects.filter(ticket=t).values_list("action", flat=True)) == [
        "ticket.created",
        "ticket.triaged",
        "ticket.answered",
        "ticket.closed",
    ]


def test_t8_only_complaints_are_judged_and_only_once(demo):
    with pytest.raises(Conflict):
        services.ticket_triage(ticket=repair(demo), actor=user("diaodu"), valid=True)
    c = repair(demo, kind="complaint", severity="minor")
    c = services.ticket_triage(ticket=c, actor=user("diaodu"), valid=True, severity="important")
    assert c.severity == "important" and c.status == "new"
    with pytest.raises(Conflict):
        services.ticket_triage(ticket=c, actor=user("diaodu"), valid=False)


def test_t10_complaint_record(demo):
    """T-10: time and place of the event, who is complained about, the demand."""
    when = dt.datetime(2026, 11, 20, 1, 30, tzinfo=dt.UTC)
    t = repair(
        demo,
        kind="complaint",
        severity="important",
        event_at=when,
        event_place="东门",
        complained_about="夜班保安",
        complained_department=dept(demo, "baoan"),
        demand="道歉",
    )
    t.refresh_from_db()
    assert (t.event_at, t.event_place, t.complained_about, t.complained_department.code, t.demand) == (
        when,
        "东门",
        "夜班保安",
        "baoan",
        "道歉",
    )


def test_t13_dispatch_needs_a_target_and_close_needs_the_slip(demo):
    """T-13: dispatched to a department or person; closing only once the signed slip is back."""
    t = repair(demo)
    with pytest.raises(BadInput):
        services.ticket_dispatch(ticket=t, actor=user("diaodu"))
    t = done_repair(demo)
    t = services.ticket_visit(ticket=t, actor=user("diaodu"), satisfied=True, channel="phone")
    assert selectors.close_blockers(t) == ["服务单尚未签回。"]
    with pytest.raises(Conflict) as exc:
        services.ticket_close(ticket=t, actor=user("diaodu"))
    assert "服务单尚未签回" in exc.value.detail
    services.ticket_return_slip(ticket=t, actor=user("diaodu"))
    assert services.ticket_close(ticket=t, actor=user("diaodu")).status == "closed"


def test_t13_follow_up_is_recorded_without_changing_status(demo):
    t = services.ticket_dispatch(ticket=repair(demo), actor=user("diaodu"), department=dept(demo, "gongcheng"))
    with pytest.raises(BadInput):
        services.ticket_follow(ticket=t, actor=user("diaodu"), note="  ")
    t = services.ticket_follow(ticket=t, actor=user("diaodu"), note="第一次跟进")
    assert t.status == "dispatched"
    assert TicketEvent.objects.filter(ticket=t, action="ticket.followed_up").count() == 1


def test_t14_emergency_closes_only_after_signoff_and_instructions_are_items(demo):
    t = services.ticket_create(project=demo, actor=user("diaodu"), kind="emergency", description="消防报警")
    with pytest.raises(Conflict) as exc:
        services.ticket_close(ticket=t, actor=user("jl"))
    assert "经理签批" in exc.value.detail
    t = services.ticket_instruct(ticket=t, actor=user("fz"), instruction="立即组织疏散")
    assert t.instructions.get().given_by.username == "fz"
    with pytest.raises(Forbidden):
        services.ticket_instruct(ticket=t, actor=user("kefu"), instruction="x")
    with pytest.raises(Forbidden):
        services.ticket_signoff(ticket=t, actor=user("kefu_zg"))
    item = services.instruction_done(instruction=t.instructions.get(), actor=user("diaodu"), note="已疏散")
    assert item.done_at is not None and item.done_by.username == "diaodu"
    services.ticket_signoff(ticket=t, actor=user("jl"))
    assert services.ticket_close(ticket=t, actor=user("diaodu")).status == "closed"


def test_t15_leak_repairs_record_the_leak_test_time(demo):
    """T-15: completion of a leak repair records the leak test (the visit clock starts from it);
    API.md makes leak_test_at optional, so it may be left out (then completion counts)."""
    t = repair(demo, category="leak")
    t = services.ticket_dispatch(ticket=t, actor=user("diaodu"), department=dept(demo, "gongcheng"))
    with pytest.raises(BadInput) as exc:
        services.ticket_complete(ticket=t, actor=user("gc"), note="已补漏", leak_test_at="not a time")
    assert "leak_test_at" in exc.value.errors
    with pytest.raises(BadInput) as exc:
        services.ticket_complete(ticket=t, actor=user("gc"), note="")
    assert "note" in exc.value.errors  # engineering replies on every slip
    tested = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)
    t = services.ticket_complete(ticket=t, actor=user("gc"), note="已补漏", leak_test_at=tested)
    assert t.status == "done" and t.leak_test_at == tested and t.completed_at is not None


def test_t15_repair_needs_a_satisfied_visit_to_close(demo):
    t = done_repair(demo)
    services.ticket_return_slip(ticket=t, actor=user("diaodu"))
    with pytest.raises(Conflict) as exc:
        services.ticket_close(ticket=t, actor=user("diaodu"))
    assert "满意回访" in exc.value.detail


def test_t16_unsatisfied_visit_reopens_to_the_same_executor(demo):
    """T-16: unsatisfied → reopened, same department and assignee; the old visit and slip no longer count."""
    t = done_repair(demo)
    services.ticket_return_slip(ticket=t, actor=user("diaodu"))
    t = services.ticket_visit(ticket=t, actor=user("diaodu"), satisfied=False, channel="home", note="仍在滴水")
    assert (t.status, t.department.code, t.assignee.user.username) == ("reopened", "gongcheng", "gc")
    assert "accept" in selectors.allowed_actions(t, user("gc"))
    t = services.ticket_complete(ticket=t, actor=user("gc"), note="更换整个龙头")
    blockers = selectors.close_blockers(t)
    assert "服务单尚未签回。" in blockers and "尚无满意回访。" in blockers


def test_t17_complaint_closes_only_after_the_result_is_told(demo):
    """T-17: an answer given before completion is not the result."""
    t = repair(demo, kind="complaint", severity="minor")
    t = services.ticket_dispatch(ticket=t, actor=user("diaodu"), department=dept(demo, "qingjie"))
    services.ticket_answer(ticket=t, actor=user("diaodu"), note="正在处理")
    t = services.ticket_complete(ticket=t, actor=user("jl"), note="已清理")  # managers may do everything
    services.ticket_return_slip(ticket=t, actor=user("diaodu"))
    t.refresh_from_db()
    assert selectors.close_blockers(t) == ["尚未将处理结果告知业主。"]
    services.ticket_answer(ticket=t, actor=user("diaodu"), note="已电话告知结果")
    t.refresh_from_db()
    assert selectors.close_blockers(t) == []


def test_t18_hold_and_resume_return_to_the_previous_status(demo):
    """T-18: outside-party cases are held with the plan told to the resident, then resumed."""
    t = services.ticket_dispatch(ticket=repair(demo), actor=user("diaodu"), department=dept(demo, "gongcheng"))
    with pytest.raises(BadInput):
        services.ticket_hold(ticket=t, actor=user("diaodu"), reason="")
    t = services.ticket_hold(ticket=t, actor=user("diaodu"), reason="属开发商保修，已报开发商，告知业主一周内回复")
    assert t.status == "on_hold"
    with pytest.raises(Conflict) as exc:
        services.ticket_close(ticket=t, actor=user("diaodu"))
    assert "挂起" in exc.value.detail
    t = services.ticket_resume(ticket=t, actor=user("diaodu"), reason="开发商已安排维修")
    assert t.status == "dispatched" and t.held_from == ""


def test_t19_inquiry_answered_at_once_closes_without_dispatch(demo):
    """T-19: an inquiry answered at once is closed; unanswered it cannot be."""
    t = repair(demo, kind="inquiry", description="物业费怎么交？")
    assert selectors.close_blockers(t) == ["尚未答复业主。"]
    t = services.ticket_answer(ticket=t, actor=user("kefu"), note="可在服务中心或 App 缴纳")
    assert services.ticket_close(ticket=t, actor=user("kefu")).status == "closed"


def test_cancel_and_reopen(demo):
    t = services.ticket_cancel(ticket=repair(demo), actor=user("kefu"), reason="业主自行修好")
    assert t.status == "cancelled"
    t = services.ticket_close(ticket=t, actor=user("kefu"))
    t = services.ticket_reopen(ticket=t, actor=user("kefu"), reason="又坏了")
    assert t.status == "reopened" and t.closed_at is None


def test_acknowledge_follows_the_sla_refusal(demo):
    """acknowledge: 409 with sla's sentence when nothing is addressed to the caller."""
    t = services.ticket_create(project=demo, actor=user("diaodu"), kind="emergency", description="有人受伤")
    from propdesk.sla import hooks

    refusal = hooks.acknowledge_refusal(ticket=t, user=user("kefu"))
    assert refusal
    with pytest.raises(Conflict) as exc:
        services.ticket_acknowledge(ticket=t, actor=user("kefu"))
    assert exc.value.detail == refusal
    assert hooks.acknowledge_refusal(ticket=t, user=user("jl")) is None
    t = services.ticket_acknowledge(ticket=t, actor=user("jl"))
    assert t.acknowledged_at is not None


def test_dispatch_validates_department_and_person(demo):
    t = repair(demo)
    gc_staff = Staff.objects.get(user__username="gc")
    with pytest.raises(BadInput) as exc:
        services.ticket_dispatch(ticket=t, actor=user("diaodu"), department=dept(demo, "baoan"), assignee=gc_staff)
    assert "assignee" in exc.value.errors
    t = services.ticket_dispatch(ticket=t, actor=user("diaodu"), assignee=gc_staff)
    assert t.department.code == "gongcheng"  # the person's own department


def test_department_staff_do_not_see_other_departments_tickets(demo):
    t = services.ticket_dispatch(ticket=repair(demo), actor=user("diaodu"), department=dept(demo, "gongcheng"))
    with pytest.raises(NotFound):
        services.ticket_accept(ticket=t, actor=user("ba_zg"))
    with pytest.raises(Forbidden):
        services.ticket_close(ticket=t, actor=user("gc"))
    with pytest.raises(Forbidden):
        services.ticket_accept(ticket=t, actor=user("kefu"))  # front desk does not sign for engineering


def test_t1_numbering_continues_above_numbers_stored_without_a_counter(demo):
    """Issue 10: a database filled without the counter (bench builds, imports)
    never hands out a number twice: a missing counter starts above the highest
    number stored, a lagging one is moved past it, and no create is a 500."""
    from propdesk.core.models import Counter

    first = repair(demo)
    Counter.objects.filter(project=demo, name="ticket").delete()
    assert repair(demo).number == first.number + 1  # created on first use above the highest
    Counter.objects.filter(project=demo, name="ticket").update(value=1)  # lagging behind
    assert repair(demo).number == first.number + 2
