"""The record-agnostic deadline API (issue 7 item 5): any record starts, meets,
pauses, resumes, cancels and restarts named deadlines computed on the
project's calendar from figures its app registers; one sweep, ladder and
notification centre serve every record type; handling times are recorded one
way and averaged in SQL. `core.Person` stands in for a register's record (a
visitor, a key loan …) with its own figures, profile and record type."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from propdesk.core.models import Person
from propdesk.sla import deadlines, metrics, policy
from propdesk.sla.models import Escalation, Notification, Policy, Timer
from propdesk.sla.services import policy_create_version
from propdesk.sla.sweep import run_sweep
from propdesk.sla.tests.helpers import cst, make_ticket, of_record, user

pytestmark = pytest.mark.django_db

MON = (2026, 11, 23)  # an ordinary Monday


def person(demo, name="访客甲"):
    return Person.objects.create(project=demo, name=name, phone="13800001111")


def test_start_counts_from_the_project_figure_and_meet_decides_met_or_breached(demo, person_type):
    early, late = person(demo), person(demo)
    for record in (early, late):
        timer = deadlines.start(record, "answer", figure="answer_person", at=cst(*MON, 10, 0))
        assert (timer.started_at, timer.due_at, timer.state) == (cst(*MON, 10, 0), cst(*MON, 10, 30), "running")
        assert timer.policy.project == demo
    assert deadlines.meet(early, "answer", at=cst(*MON, 10, 20)).state == "met"
    stopped = deadlines.meet(late, "answer", at=cst(*MON, 10, 40))
    assert (stopped.state, stopped.stopped_at) == ("breached", cst(*MON, 10, 40))
    # one row per (record, metric): starting again changes nothing
    assert deadlines.start(early, "answer", figure="answer_person", at=cst(*MON, 11, 0)).state == "met"
    assert Timer.objects.filter(**of_record(early)).count() == 1


def test_pause_resume_cancel_restart(demo, person_type):
    record = person(demo)
    d = deadlines.of(record)
    d.start("answer", figure="answer_person", at=cst(*MON, 10, 0))
    d.start("other", spec="2h", at=cst(*MON, 10, 0))
    d.pause(at=cst(*MON, 10, 10))
    assert {t.state for t in d.timers.values()} == {"paused"}
    d.resume(["answer"], at=cst(*MON, 11, 10))  # paused for an hour: due an hour later
    assert (d.get("answer").state, d.get("answer").due_at) == ("running", cst(*MON, 11, 30))
    assert d.get("other").state == "paused"
    d.cancel("other", at=cst(*MON, 11, 15))
    assert (d.get("other").state, d.get("other").stopped_at) == ("cancelled", cst(*MON, 11, 15))
    d.meet("answer", at=cst(*MON, 11, 20))
    restarted = deadlines.restart(record, "answer", figure="answer_person", at=cst(*MON, 14, 0))
    assert (restarted.state, restarted.started_at, restarted.due_at) == ("running", cst(*MON, 14, 0), cst(*MON, 14, 30))
    assert restarted.stopped_at is None
    deadlines.cancel(record, at=cst(*MON, 14, 5))
    assert set(Timer.objects.filter(**of_record(record)).values_list("state", flat=True)) == {"cancelled"}


def test_a_switched_off_figure_starts_nothing_and_a_project_switches_it_on(demo, person_type):
    record = person(demo)
    assert deadlines.start(record, "extra", figure="extra_person", at=cst(*MON, 10, 0)) is None
    policy_create_version(project=demo, actor=user("jl"), figures={**policy.DEFAULT_FIGURES, "extra_person": "1wd"})
    other = person(demo)
    # a working day later: Tuesday at the same time
    assert deadlines.start(other, "extra", figure="extra_person", at=cst(*MON, 10, 0)).due_at == cst(
        2026, 11, 24, 10, 0
    )


def test_a_record_keeps_the_policy_version_its_first_deadline_started_with(demo, person_type):
    record = person(demo)
    deadlines.start(record, "answer", figure="answer_person", at=cst(*MON, 10, 0))
    policy_create_version(project=demo, actor=user("jl"), figures={**policy.DEFAULT_FIGURES, "handling_person": "1h"})
    handling = deadlines.handling_start(record, "handling_person", at=cst(*MON, 10, 5))
    assert handling.due_at == cst(*MON, 10, 10)  # the record's version: 5 minutes, not the new hour
    assert deadlines.handling_start(person(demo), "handling_person", at=cst(*MON, 10, 5)).due_at == cst(*MON, 11, 5)


def test_the_sweep_breaches_any_record_and_notifies_with_the_record(demo, person_type, api_as):
    record = person(demo, name="李四")
    deadlines.start(record, "answer", figure="answer_person", at=cst(*MON, 10, 0))
    assert run_sweep(now=cst(*MON, 10, 29)).breached == 0
    result = run_sweep(now=cst(*MON, 10, 31))
    assert (result.breached, result.escalations) == (1, 1)
    # nobody else responsible: the customer-service supervisor is told first
    [step] = Escalation.objects.filter(**of_record(record))
    assert (step.recipient.user.username, step.reason, step.level) == ("kefu_zg", "breach", 20)
    note = Notification.objects.get(**of_record(record))
    assert (note.title, note.project_id) == (f"P-{record.pk}", demo.pk)
    assert "答复业主" in note.message and f"P-{record.pk}" in note.message and "李四" in note.message
    [item] = api_as("kefu_zg").get("/api/v1/notifications").json()["items"]
    assert item["ticket"] is None
    assert item["record"] == {
        "type": "core.person",
        "id": record.pk,
        "title": f"P-{record.pk}",
        "url": f"/people/{record.pk}/",
    }
    assert run_sweep(now=cst(*MON, 11, 31)).climbed == 1  # unacknowledged for an hour (sla's climb figure)
    assert [e.recipient.user.username for e in Escalation.objects.filter(**of_record(record)).order_by("id")] == [
        "kefu_zg",
        "jl",
    ]


def test_one_sweep_serves_several_record_types_once_each(demo, person_type):
    ticket = make_ticket(demo, at=cst(*MON, 10, 0), kind="complaint", severity="important")  # forward due 10:30
    people = [person(demo) for _ in range(3)]
    for record in people:
        deadlines.start(record, "answer", figure="answer_person", at=cst(*MON, 10, 0))
    result = run_sweep(now=cst(*MON, 10, 31))
    assert (result.breached, result.escalations) == (4, 4)
    assert run_sweep(now=cst(*MON, 10, 32)).escalations == 0
    assert Notification.objects.filter(**of_record(ticket)).count() == 1
    assert all(Notification.objects.filter(**of_record(p)).count() == 1 for p in people)


def test_handling_times_are_measured_and_their_breach_tells_nobody(demo, person_type):
    record = person(demo)
    deadlines.handling_start(record, "handling_person", at=cst(*MON, 10, 0))
    result = run_sweep(now=cst(*MON, 10, 6))  # over the 5-minute target
    assert (result.breached, result.escalations) == (1, 0)
    assert deadlines.handling_stop(record, at=cst(*MON, 10, 7, 30)) == 450
    assert Timer.objects.get(**of_record(record), metric="handling").stopped_at == cst(*MON, 10, 7, 30)
    quick = person(demo)
    deadlines.handling_start(quick, "handling_person", at=cst(*MON, 10, 0))
    assert deadlines.handling_stop(quick, at=cst(*MON, 10, 2)) == 120
    assert Timer.objects.get(**of_record(quick), metric="handling").state == "met"
    assert deadlines.handling_stop(person(demo), at=cst(*MON, 10, 2)) is None  # never started


def test_handling_averages_per_record_type_and_month_in_sql(demo, person_type):
    for seconds, day in ((60, cst(2026, 11, 3, 9)), (180, cst(2026, 11, 30, 23, 50)), (300, cst(2026, 12, 1, 0, 10))):
        record = person(demo)
        deadlines.handling_start(record, "handling_person", at=day - dt.timedelta(seconds=seconds))
        deadlines.handling_stop(record, at=day)
    ticket = make_ticket(demo, at=cst(2026, 11, 10, 9), kind="inquiry")
    deadlines.start(ticket, "handling", spec="30m", at=cst(2026, 11, 10, 9))
    deadlines.handling_stop(ticket, at=cst(2026, 11, 10, 9, 2))
    cancelled = person(demo)
    deadlines.handling_start(cancelled, "handling_person", at=cst(2026, 11, 5, 9))
    deadlines.cancel(cancelled, at=cst(2026, 11, 5, 9, 1))
    ContentType.objects.get_for_model(Person)  # content types are cached per process
    ContentType.objects.get_for_model(ticket)
    with CaptureQueriesContext(connection) as queries:
        rows = deadlines.handling_averages(project=demo)
    assert len(queries) == 1
    assert rows == [
        {"record_type": "core.person", "month": dt.date(2026, 11, 1), "count": 2, "average_seconds": 120.0},
        {"record_type": "tickets.ticket", "month": dt.date(2026, 11, 1), "count": 1, "average_seconds": 120.0},
        {"record_type": "core.person", "month": dt.date(2026, 12, 1), "count": 1, "average_seconds": 300.0},
    ]
    november = deadlines.handling_averages(
        project=demo, since=cst(2026, 11, 1), until=cst(2026, 12, 1), models=[Person]
    )
    assert november == [rows[0]]


def test_policy_lists_every_registered_figure_grouped_by_app_and_old_versions_keep_working(demo, person_type, api_as):
    Policy.objects.create(project=demo, version=1, figures={"follow_1": "3h"})  # saved before people had figures
    body = api_as("kefu").get("/api/v1/sla/policy", {"project": "DEMO"}).json()
    assert body["figures"]["handling_person"] == "5m" and body["figures"]["follow_1"] == "3h"
    groups = {g["app"]: g for g in body["groups"]}
    assert [f["key"] for f in groups["core"]["figures"]] == ["answer_person", "handling_person", "extra_person"]
    assert "forward_important" in [f["key"] for f in groups["tickets"]["figures"]]
    assert body["groups"][-1]["app"] == "sla"  # the general figures last
    assert {f["key"]: f for f in groups["tickets"]["figures"]}["follow_1"]["value"] == "3h"
    record = person(demo)
    assert deadlines.handling_start(record, "handling_person", at=cst(*MON, 10, 0)).due_at == cst(*MON, 10, 5)


def test_metric_labels_are_one_registry():
    assert metrics.METRIC_LABELS["handling"] is not None
    assert metrics.label("no_such_metric") == "no_such_metric"
    with pytest.raises(ValueError):
        metrics.register_metrics({"handling": "something else"})
    with pytest.raises(ValueError):
        policy.register_figures("core", {"follow_1": ("9h", "clash")})


def test_an_app_notifies_people_about_any_record(demo, person_type, api_as, django_capture_on_commit_callbacks):
    """E.g. a parcel waiting for a unit's residents: the notification points at the
    record, e-mails go out after commit to those with an address."""
    from django.core import mail

    from propdesk.sla.notify import notify_people

    record = person(demo, name="王五")
    resident, clerk = user("yz"), user("kefu")
    clerk.email = "kefu@example.com"
    clerk.save()
    with django_capture_on_commit_callbacks(execute=True):
        notes = notify_people(users=[resident, clerk], record=record, kind="parcel", message="您有一件快递待领取。")
        assert mail.outbox == []  # nothing leaves before commit
    assert [n.title for n in notes] == [f"P-{record.pk}"] * 2
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["kefu@example.com"]
    [item] = api_as("yz").get("/api/v1/notifications").json()["items"]
    assert (item["kind"], item["ticket"], item["message"]) == ("parcel", None, "您有一件快递待领取。")
    assert item["record"]["type"] == "core.person" and item["record"]["id"] == record.pk


def test_a_new_version_keeps_the_figures_left_out(demo, api_as):
    jl = api_as("jl")
    assert jl.post("/api/v1/sla/policy", {"project": "DEMO", "figures": {"follow_1": "3h"}}).status_code == 201
    made = jl.post("/api/v1/sla/policy", {"project": "DEMO", "figures": {"visit": "1wd"}})
    assert made.status_code == 201
    figures = made.json()["figures"]
    assert (figures["follow_1"], figures["visit"], figures["forward_important"]) == ("3h", "1wd", "30m")
    bad = jl.post("/api/v1/sla/policy", {"project": "DEMO", "figures": {"follow_2": "off", "nonsense": "1h"}})
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"follow_2", "nonsense"}
    assert Policy.objects.filter(project=demo).count() == 2
