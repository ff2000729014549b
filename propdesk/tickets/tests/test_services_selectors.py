"""The reads the pages rely on: board order, visibility, allowed actions."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from propdesk.tickets import selectors, services
from propdesk.tickets.tests.test_services_tickets import dept, repair

pytestmark = pytest.mark.django_db


def user(name):
    return get_user_model().objects.get(username=name)


def test_board_lists_open_tickets_nearest_deadline_first(demo):
    """Issue 3 item 4: open tickets ordered by the nearest running deadline; closed ones are absent."""
    slow = repair(demo, description="普通报修")
    fast = repair(demo, kind="complaint", severity="important", description="重要投诉")  # forward: +30 min
    gone = services.ticket_cancel(ticket=repair(demo), actor=user("kefu"), reason="重复登记")
    rows = list(selectors.board_queryset(demo))
    ids = [t.pk for t in rows]
    assert gone.pk not in ids
    assert ids.index(fast.pk) < ids.index(slow.pk)
    by_id = {t.pk: t for t in rows}
    assert by_id[fast.pk].next_due is not None and by_id[fast.pk].overdue is False
    assert [t.pk for t in selectors.board_queryset(demo, kind="complaint")] == [fast.pk]


def test_board_filters_by_department_and_building(demo):
    t = services.ticket_dispatch(ticket=repair(demo), actor=user("diaodu"), department=dept(demo, "gongcheng"))
    assert t.pk in [x.pk for x in selectors.board_queryset(demo, department="gongcheng", building="1")]
    assert t.pk not in [x.pk for x in selectors.board_queryset(demo, department="baoan")]
    assert t.pk not in [x.pk for x in selectors.board_queryset(demo, building="2")]


def test_board_query_count_is_constant(demo):
    for _ in range(3):
        repair(demo)
    with CaptureQueriesContext(connection) as small:
        rows = list(selectors.board_queryset(demo))
        [(t.unit, t.department, [x.metric for x in t.timers.all()]) for t in rows]
    for _ in range(10):
        repair(demo)
    with CaptureQueriesContext(connection) as large:
        rows = list(selectors.board_queryset(demo))
        [(t.unit, t.department, [x.metric for x in t.timers.all()]) for t in rows]
    assert len(small) == len(large)


def test_allowed_actions_match_role_and_state(demo):
    t = repair(demo)
    assert "dispatch" in selectors.allowed_actions(t, user("kefu"))
    assert "close" not in selectors.allowed_actions(t, user("kefu"))  # conditions not met
    assert selectors.allowed_actions(t, user("gc")) == []  # not visible to engineering yet
    t = services.ticket_dispatch(ticket=t, actor=user("kefu"), department=dept(demo, "gongcheng"))
    gc_actions = selectors.allowed_actions(t, user("gc"))
    assert "accept" in gc_actions and "complete" in gc_actions and "dispatch" not in gc_actions
    assert selectors.allowed_actions(t, user("yz")) == []
