"""The records of the review routine: notes are append-only (T-2, T-13); one
sign-off per project and month even when two managers press at once (T-20)."""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, connections, transaction

from propdesk.common.errors import Conflict
from propdesk.core.demo import seed_demo
from propdesk.core.models import Project
from propdesk.reports import selectors, services
from propdesk.reports.models import MonthlySignoff, ReviewNote
from propdesk.reports.tests import factories as f


@pytest.mark.django_db
def test_t13_review_notes_are_append_only_in_the_database(demo):
    diaodu = get_user_model().objects.get(username="diaodu")
    t = f.ticket(demo, created_at=f.local(2026, 11, 17, 9))
    note = services.review_note_add(ticket=t, actor=diaodu, week="2026-W47", text="需经理决定")
    with pytest.raises(DatabaseError), transaction.atomic():
        ReviewNote.objects.filter(pk=note.pk).update(text="forged")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM reports_reviewnote WHERE id = %s", [note.pk])
    assert ReviewNote.objects.get(pk=note.pk).text == "需经理决定"


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_t20_two_managers_signing_off_at_once_store_one_signoff():
    seed_demo()
    project = Project.objects.get(code="DEMO")
    users = [get_user_model().objects.get(username=name) for name in ("jl", "fz", "zjl")]
    period = selectors.month_period(project, "2026-10")
    barrier = threading.Barrier(len(users))
    outcomes = [None] * len(users)

    def sign(i):
        try:
            barrier.wait()
            services.monthly_signoff(project=project, period=period, actor=users[i], comment=f"意见 {i}")
            outcomes[i] = "signed"
        except Conflict:
            outcomes[i] = "conflict"
        except Exception as exc:  # any other error fails the test below
            outcomes[i] = repr(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign, args=(i,)) for i in range(len(users))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["conflict", "conflict", "signed"]
    assert MonthlySignoff.objects.filter(project=project, month=period.first_day).count() == 1


@pytest.mark.django_db
def test_t13_services_check_rights_themselves(demo):
    """Issue 7: rights are checked in the services, not only by the pages:
    a technician records no review note, the front desk signs no monthly report."""
    from propdesk.common.errors import Forbidden

    users = get_user_model().objects
    t = f.ticket(demo, created_at=f.local(2026, 11, 17, 9))
    with pytest.raises(Forbidden):
        services.review_note_add(ticket=t, actor=users.get(username="gc"), week="2026-W47", text="x")
    with pytest.raises(Forbidden):
        services.monthly_signoff(
            project=demo,
            period=selectors.month_period(demo, "2026-10"),
            actor=users.get(username="kefu_zg"),
            comment="x",
        )
    assert not ReviewNote.objects.filter(text="x").exists() and not MonthlySignoff.objects.exists()
