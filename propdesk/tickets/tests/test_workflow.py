"""The transition table itself (API.md statuses and actions)."""

import pytest

from propdesk.tickets import workflow
from propdesk.tickets.display import ACTION_LABELS, EVENT_LABELS
from propdesk.tickets.models import Status

API_ACTIONS = [
    "triage",
    "dispatch",
    "accept",
    "follow",
    "answer",
    "complete",
    "return_slip",
    "visit",
    "close",
    "hold",
    "resume",
    "reopen",
    "cancel",
    "acknowledge",
    "instruct",
    "signoff",
]


def test_every_api_action_is_in_the_table_with_a_label_and_an_event_code():
    assert sorted(workflow.ACTIONS) == sorted(API_ACTIONS)
    for action in API_ACTIONS:
        step = workflow.step_for(action)
        assert step.code.startswith("ticket.") and step.code in EVENT_LABELS
        assert action in ACTION_LABELS
    # The deadline rules listen to every change of the workflow (create included).
    from propdesk.tickets import deadlines

    assert deadlines.on_change in workflow.TICKETS.listeners


def test_closed_tickets_only_reopen():
    possible = [a for a in API_ACTIONS if workflow.possible(a, status=Status.CLOSED, kind="repair")]
    assert possible == ["reopen"]


@pytest.mark.parametrize("status", [Status.INVALID, Status.CANCELLED])
def test_invalid_and_cancelled_close_directly(status):
    """T-8 and API.md: invalid and cancelled tickets close directly."""
    assert workflow.possible("close", status=status, kind="complaint")


def test_the_main_line_of_a_repair():
    line = [
        ("dispatch", Status.NEW, Status.DISPATCHED),
        ("accept", Status.DISPATCHED, Status.ACCEPTED),
        ("complete", Status.ACCEPTED, Status.DONE),
        ("close", Status.DONE, Status.CLOSED),
    ]
    for action, source, target in line:
        assert workflow.possible(action, status=source, kind="repair")
        assert workflow.step_for(action).to == target


def test_work_cannot_be_done_before_dispatch_nor_held_while_closed():
    assert not workflow.possible("complete", status=Status.NEW, kind="repair")
    assert not workflow.possible("accept", status=Status.NEW, kind="repair")
    assert not workflow.possible("hold", status=Status.CLOSED, kind="repair")
    assert not workflow.possible("triage", status=Status.NEW, kind="repair")  # T-8 complaints only
