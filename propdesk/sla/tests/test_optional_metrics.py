"""T-11 and T-12 as optional time limits: off by default (API.md's default
table is the contract), switched on per project in the policy."""

import pytest

from propdesk.common.errors import BadInput
from propdesk.sla.policy import DEFAULT_FIGURES
from propdesk.sla.services import policy_create_version
from propdesk.sla.tests.helpers import act, cst, make_ticket, timers, user

MON = (2026, 11, 23)


def switch_on(project, **figures):
    policy_create_version(project=project, actor=user("jl"), figures={**DEFAULT_FIGURES, **figures})


def test_default_policy_has_no_slip_or_remedy_timer(demo):
    t = make_ticket(demo, at=cst(*MON, 10, 0), kind="complaint", severity="important")
    assert not {"slip", "remedy"} & set(timers(t))


def test_t11_report_slip_signed_within_ten_minutes_when_switched_on(demo):
    switch_on(demo, slip_complaint="10m")
    t = make_ticket(demo, at=cst(*MON, 10, 0), kind="complaint", severity="important")
    assert timers(t)["slip"].due_at == cst(*MON, 10, 10)
    act(t, "dispatch", at=cst(*MON, 10, 5), data={"department": "gongcheng"})
    act(t, "accept", at=cst(*MON, 10, 8), actor="gc", status="accepted")
    assert timers(t)["slip"].state == "met"


def test_t11_slip_signed_late_is_a_breach(demo):
    switch_on(demo, slip_complaint="10m")
    t = make_ticket(demo, at=cst(*MON, 10, 0), kind="complaint", severity="minor")
    act(t, "dispatch", at=cst(*MON, 10, 5), data={"department": "gongcheng"})
    act(t, "accept", at=cst(*MON, 10, 30), actor="gc", status="accepted")
    assert timers(t)["slip"].state == "breached"


def test_t12_department_remedy_within_three_days_met_by_completion(demo):
    switch_on(demo, remedy_complaint="3d")
    t = make_ticket(demo, at=cst(*MON, 10, 0), kind="complaint", severity="major")
    assert timers(t)["remedy"].due_at == cst(2026, 11, 26, 10, 0)
    act(t, "dispatch", at=cst(*MON, 10, 5), data={"department": "gongcheng"})
    act(t, "complete", at=cst(2026, 11, 25, 9, 0), actor="gc", status="done", completed_at=cst(2026, 11, 25, 9, 0))
    assert timers(t)["remedy"].state == "met"


def test_only_the_optional_limits_can_be_switched_off(demo):
    with pytest.raises(BadInput) as exc:
        switch_on(demo, follow_1="off")
    assert "follow_1" in exc.value.errors
