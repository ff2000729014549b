"""The ticket slips on the one slip template (web.slips): paper, number,
grid, signatures, copy marks, print CSS, and no rule ids on paper."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from propdesk.core.models import Department, Unit
from propdesk.tickets import services

pytestmark = pytest.mark.django_db


def user(name):
    return get_user_model().objects.get(username=name)


@pytest.fixture
def ticket(demo):
    t = services.ticket_create(
        project=demo,
        actor=user("kefu"),
        kind="complaint",
        severity="important",
        description="保洁未按时清理\n第二行",
        unit=Unit.objects.get(project=demo, code="1-1-101"),
        reporter_name="张三",
        reporter_phone="13812345678",
    )
    return services.ticket_dispatch(
        ticket=t, actor=user("diaodu"), department=Department.objects.get(project=demo, code="qingjie")
    )


def page(client, name, url, **params):
    client.force_login(user(name))
    return client.get(url, params)


def test_slips_print_no_rule_ids_and_no_shell(client, ticket):
    for kind in ("service", "report"):
        for params in ({}, {"paper": "a4"}, {"copies": "each"}):
            resp = page(client, "diaodu", f"/tickets/{ticket.pk}/slip/{kind}/", **params)
            assert resp.status_code == 200
            html = resp.content.decode()
            assert not re.search(r"\b[A-Z]-\d+\b", html.replace(f"DEMO-{ticket.number}", "")), kind
            assert 'class="topbar"' not in html and '<nav class="sections"' not in html
            assert "slip-toolbar" in html and "保洁未按时清理<br>第二行" in html


def test_paper_size_and_copy_marks(client, ticket):
    url = f"/tickets/{ticket.pk}/slip/service/"
    a5 = page(client, "diaodu", url).content.decode()
    assert "size: A5" in a5 and a5.count('<article class="slip a5">') == 1
    assert "第一联" in a5 and "第三联" in a5  # all three copies marked at the side
    a4 = page(client, "diaodu", url, paper="a4").content.decode()
    assert "size: A4" in a4 and 'class="slip a4"' in a4
    each = page(client, "diaodu", url, copies="each").content.decode()
    assert each.count('<article class="slip a5">') == 3 and each.count('class="slip-copy"') == 3
    assert each.count('class="line"') == 15  # five signature lines on each copy


def test_phone_masked_on_the_slip_unless_the_role_sees_it(client, ticket):
    url = f"/tickets/{ticket.pk}/slip/report/"
    assert "13812345678" in page(client, "kefu", url).content.decode()
    assert "138****5678" in page(client, "jl", url).content.decode()


def test_slip_of_a_ticket_not_visible_is_404(client, demo):
    t = services.ticket_create(
        project=demo,
        actor=user("kefu"),
        kind="repair",
        description="x",
        reporter_name="张三",
        reporter_phone="13812345678",
    )
    assert page(client, "gc", f"/tickets/{t.pk}/slip/service/").status_code == 404
    assert page(client, "yz", f"/tickets/{t.pk}/slip/service/").status_code == 403  # staff pages only


def test_slip_costs_a_fixed_number_of_queries(client, ticket):
    client.force_login(user("diaodu"))
    client.get(f"/tickets/{ticket.pk}/slip/service/")
    with CaptureQueriesContext(connection) as ctx:
        client.get(f"/tickets/{ticket.pk}/slip/service/")
    assert len(ctx.captured_queries) <= 9, [q["sql"] for q in ctx.captured_queries]


def test_slip_fonts_are_installed_faces_never_downloaded():
    css = (Path(settings.BASE_DIR) / "propdesk/static/propdesk/lists.css").read_text()
    assert "Noto Serif CJK SC" in css and "@media print" in css
    assert "@import" not in css and "url(" not in css and "http" not in css
    template = (Path(settings.BASE_DIR) / "propdesk/templates/slips/base.html").read_text()
    assert "http" not in template
