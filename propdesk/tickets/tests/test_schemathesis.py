"""Property-based fuzzing of the ticket endpoints from the OpenAPI schema:
whatever the input, never a 5xx (API.md: never a 500 for bad input).
Bounded: a few examples per operation, so it runs in seconds."""

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings

from propdesk.core.models import ApiToken, Project
from propdesk.tickets import services
from propdesk.tickets.models import Instruction
from propdesk.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application).include(path_regex="^/api/v1/tickets")
AIMED = {"id", "instruction_id"}  # the ticket routes' path parameters, set to real records in `caller`


def _operations():
    from propdesk.api import api

    paths = api.get_openapi_schema()["paths"]
    return [op for path, ops in paths.items() if path.startswith("/api/v1/tickets") for op in ops.values()]


@pytest.fixture
def keep_connection():
    """Calls go straight to the WSGI app, whose request_finished signal would
    close the test's database connection mid-transaction (Django's test client
    disconnects it the same way)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def caller(demo, keep_connection):
    """A project manager (may take every action) and the real records the path
    parameters are aimed at: a ticket and a leader's instruction on it."""
    jl = get_user_model().objects.get(username="jl")
    ticket = services.ticket_create(
        project=Project.objects.get(code="DEMO"),
        actor=jl,
        kind="complaint",
        severity="minor",
        description="模糊测试",
        reporter_name="测试",
        reporter_phone="13800000000",
    )
    services.ticket_instruct(ticket=ticket, actor=jl, instruction="今天处理完")
    instruction = Instruction.objects.get(ticket=ticket)
    return ApiToken.issue(jl), {"id": ticket.pk, "instruction_id": instruction.pk}


def test_every_path_parameter_is_aimed_at_a_real_record():
    """The fuzzer replaces path parameters by name: a route whose parameter it
    does not know would only ever be fuzzed with ids that do not exist (404)."""
    names = {p["name"] for op in _operations() for p in op.get("parameters", []) if p["in"] == "path"}
    assert names == AIMED


@schema.parametrize()
# Generated examples only: schemathesis's coverage phase adds ~200 explicit cases (about a minute).
@settings(
    max_examples=8,
    deadline=None,
    database=None,
    phases=[Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@pytest.mark.django_db
def test_ticket_endpoints_never_answer_5xx(case, caller):
    token, records = caller
    aimed = bool(case.path_parameters)
    for name in case.path_parameters or {}:
        case.path_parameters[name] = records[name]  # aim the bodies at real records (KeyError: see AIMED)
    response = case.call(headers={"Authorization": f"Bearer {token}"})
    assert response.status_code < 500, (case.method, case.path, case.body, response.text[:500])
    # The project manager sees the ticket: a 404 would mean the case never reached it.
    assert not (aimed and response.status_code == 404), (case.method, case.path, response.text[:300])
    assert response.headers.get("content-type", [""])[0].startswith("application/json")
