"""Who sees and does what on tickets through the API (issue 3 item 9)."""

import pytest

from propdesk.core.models import Occupancy, Person, Unit
from propdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db

T = "/api/v1/tickets"
REPAIR = {
    "project": "DEMO",
    "kind": "repair",
    "unit": "2-1-101",
    "reporter_name": "王五",
    "reporter_phone": "13700001111",
    "description": "门禁坏了",
}


def created(client, body=REPAIR):
    resp = client.post(T, body)
    assert resp.status_code == 201, resp.content
    return resp.json()


def test_resident_files_own_ticket_through_the_app(api_as):
    """Residents' own requests: channel app, reporter = their person, unit = their current unit."""
    yz = api_as("yz")
    t = created(yz, {"project": "DEMO", "kind": "repair", "description": "阳台灯不亮", "channel": "phone"})
    owner = Occupancy.objects.get(unit__code="1-1-101", role="owner").person
    row = Ticket.objects.get(pk=t["id"])
    assert (t["channel"], t["unit"], row.reporter_id, t["reporter_name"]) == ("app", "1-1-101", owner.pk, owner.name)


def test_resident_cannot_file_for_someone_elses_unit(api_as):
    resp = api_as("yz").post(T, {"project": "DEMO", "kind": "repair", "unit": "3-2-602", "description": "x"})
    assert resp.status_code == 400 and "unit" in resp.json()["errors"]


def test_resident_sees_only_own_tickets_and_may_not_act(api_as):
    """Residents: others' tickets are 404; any staff action on their own is 403."""
    yz, kefu = api_as("yz"), api_as("kefu")
    mine = created(yz, {"project": "DEMO", "kind": "complaint", "severity": "minor", "description": "噪音扰民"})
    other = created(kefu)
    assert yz.get(f"{T}/{other['id']}").status_code == 404
    assert yz.get(f"{T}/{other['id']}/events").status_code == 404
    assert yz.post(f"{T}/{other['id']}/close").status_code == 404
    assert yz.get(f"{T}/{mine['id']}").status_code == 200
    for action in ("triage", "dispatch", "close", "accept", "cancel", "signoff"):
        resp = yz.post(f"{T}/{mine['id']}/{action}", {})
        assert resp.status_code == 403, (action, resp.content)
    listed = yz.get(T).json()["items"]
    assert [t["id"] for t in listed] == [mine["id"]]


def test_department_staff_see_only_what_is_dispatched_to_them(api_as):
    """A department sees what is dispatched to it (and what it registered); other tickets are 404."""
    kefu, gc, ba = api_as("kefu"), api_as("gc"), api_as("ba_zg")
    t = created(kefu)
    assert gc.get(f"{T}/{t['id']}").status_code == 404
    kefu.post(f"{T}/{t['id']}/dispatch", {"department": "gongcheng"})
    assert gc.get(f"{T}/{t['id']}").status_code == 200
    assert ba.get(f"{T}/{t['id']}").status_code == 404
    assert t["id"] not in [x["id"] for x in ba.get(T, {"project": "DEMO"}).json()["items"]]
    # Engineering signs for and completes it, but may not close it.
    assert gc.post(f"{T}/{t['id']}/accept").status_code == 200
    assert gc.post(f"{T}/{t['id']}/complete", {"note": "已修"}).status_code == 200
    assert gc.post(f"{T}/{t['id']}/close").status_code == 403
    assert gc.post(f"{T}/{t['id']}/dispatch", {"department": "baoan"}).status_code == 403


def test_front_desk_may_not_accept_or_sign_off(api_as):
    kefu = api_as("kefu")
    t = created(kefu)
    kefu.post(f"{T}/{t['id']}/dispatch", {"department": "gongcheng"})
    assert kefu.post(f"{T}/{t['id']}/accept").status_code == 403
    assert kefu.post(f"{T}/{t['id']}/signoff").status_code == 403
    assert kefu.post(f"{T}/{t['id']}/instruct", {"instruction": "x"}).status_code == 403
    # The customer-service supervisor records an instruction a leader phoned in.
    assert api_as("kefu_zg").post(f"{T}/{t['id']}/instruct", {"instruction": "今晚修好"}).status_code == 200


def test_managers_see_everything_in_their_projects(api_as):
    t = created(api_as("kefu"))
    for name in ("jl", "fz", "zjl"):
        assert api_as(name).get(f"{T}/{t['id']}").status_code == 200


def test_unknown_project_is_404(api_as):
    kefu = api_as("kefu")
    assert kefu.post(T, {**REPAIR, "project": "NOPE"}).status_code == 404
    assert kefu.get(T, {"project": "NOPE"}).status_code == 404
    assert kefu.get(f"{T}/999999").status_code == 404


def test_phones_shown_in_full_only_to_roles_that_call_back(api_as):
    """API.md as amended: front desk and dispatchers call back (full); managers do not (masked)."""
    t = created(api_as("kefu"))
    assert api_as("kefu").get(f"{T}/{t['id']}").json()["reporter_phone"] == "13700001111"
    assert api_as("kefu_zg").get(f"{T}/{t['id']}").json()["reporter_phone"] == "13700001111"
    assert api_as("jl").get(f"{T}/{t['id']}").json()["reporter_phone"] == "137****1111"


def test_resident_without_a_unit_still_files(api_as, demo):
    """A resident whose occupancy ended files without a unit rather than failing."""
    person = Person.objects.create(project=demo, name="赵六", phone="13600000000")
    from django.contrib.auth import get_user_model

    from propdesk.core.models import ResidentAccount

    u = get_user_model().objects.create_user("zl", password="demo12345")
    ResidentAccount.objects.create(user=u, person=person)
    unit = Unit.objects.get(project=demo, code="3-1-101")
    Occupancy.objects.create(unit=unit, person=person, role="tenant", start="2020-01-01", end="2021-01-01")
    t = created(api_as("zl"), {"project": "DEMO", "kind": "suggestion", "description": "建议增加路灯"})
    assert t["unit"] is None and t["reporter_name"] == "赵六"
