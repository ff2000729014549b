"""Defects of issue 7 item 10 on sla's side, each with a test that failed
before the fix: the policy GET wrote a row; raw metric codes (`slip`,
`remedy`) showed on the Chinese ticket page and reports; marking a leader's
instruction done met the dispatcher's follow-up timers (T-13). The
notification message already read the label; its test guards the one
registry now shared by all three."""

import re

import pytest
from django.utils import timezone

from propdesk.sla.models import Notification, Policy
from propdesk.sla.policy import DEFAULT_FIGURES
from propdesk.sla.services import policy_create_version
from propdesk.sla.sweep import run_sweep
from propdesk.sla.tests.helpers import act, cst, make_ticket, of_record, timers, user

pytestmark = pytest.mark.django_db

MON = (2026, 11, 23)


def test_reading_the_policy_stores_nothing(api_as, client, demo):
    assert not Policy.objects.filter(project=demo).exists()
    body = api_as("kefu").get("/api/v1/sla/policy", {"project": "DEMO"}).json()
    assert (body["version"], body["figures"], body["created_by"]) == (1, DEFAULT_FIGURES, None)
    client.force_login(user("jl"))
    assert client.get("/sla/policy/").status_code == 200
    assert not Policy.objects.filter(project=demo).exists()
    # the first deadline stores version 1 (the version the GET showed)
    make_ticket(demo, at=cst(*MON, 10, 0), kind="repair")
    assert list(Policy.objects.filter(project=demo).values_list("version", flat=True)) == [1]


def _slip_and_remedy_on(demo):
    policy_create_version(
        project=demo, actor=user("jl"), figures={**DEFAULT_FIGURES, "slip_complaint": "10m", "remedy_complaint": "3d"}
    )
    return make_ticket(demo, at=cst(*MON, 10, 0), kind="complaint", severity="important")


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def test_metric_codes_never_show_raw_on_the_ticket_page(client, demo):
    ticket = _slip_and_remedy_on(demo)
    assert {"slip", "remedy"} <= set(timers(ticket))
    client.force_login(user("kefu"))
    html = client.get(f"/tickets/{ticket.pk}/").content.decode()
    start = html.index('class="deadlines"')
    table = _text(html[start : html.index("</ul>", start)])
    assert "呈报单签收" in table and "部门整改答复" in table
    assert not re.search(r"\b(slip|remedy)\b", table)


def test_metric_codes_never_show_raw_in_reports(client, demo):
    ticket = _slip_and_remedy_on(demo)
    act(ticket, "dispatch", at=cst(*MON, 10, 5), data={"department": "gongcheng"})
    act(ticket, "accept", at=cst(*MON, 10, 30), actor="gc", status="accepted")  # slip signed late: breached
    client.force_login(user("jl"))
    html = client.get("/reports/monthly/", {"month": "2026-11"}).content.decode()
    assert "呈报单签收" in html and "部门整改答复" in html
    assert not re.search(r">\s*(slip|remedy)\s*<", html)


def test_metric_codes_never_show_raw_in_notifications(demo):
    ticket = _slip_and_remedy_on(demo)
    act(ticket, "dispatch", at=cst(*MON, 10, 5), data={"department": "gongcheng", "assignee": "gc"})
    run_sweep(now=cst(*MON, 10, 11))  # the report slip was due at 10:10
    message = Notification.objects.get(**of_record(ticket)).message
    assert "呈报单签收" in message and "slip" not in message


def test_t13_a_leaders_instruction_done_is_not_a_follow_up(demo):
    from propdesk.tickets import services

    ticket = services.ticket_create(
        project=demo,
        actor=user("ba_zg"),
        kind="emergency",
        description="地下车库起火",
    )
    services.ticket_instruct(ticket=ticket, actor=user("jl"), instruction="疏散车库人员")
    instruction = ticket.instructions.get()
    services.instruction_done(instruction=instruction, actor=user("diaodu"), note="已疏散")
    assert {m: t.state for m, t in timers(ticket).items() if m.startswith("follow")} == {
        "follow_1": "running",
        "follow_2": "running",
    }
    services.ticket_follow(ticket=ticket, actor=user("diaodu"), note="第一次跟进")  # a real follow-up meets the first
    follow_1 = timers(ticket)["follow_1"]
    assert (follow_1.state, follow_1.stopped_at is not None) == ("met", True)
    assert timers(ticket)["follow_1"].stopped_at <= timezone.now()
