"""Security rules of the core pages and API: bad input (here NUL characters,
which PostgreSQL refuses in text) is a 4xx or simply no match, never a 500."""

import pytest


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/projects/DEMO%00",
        "/api/v1/units?project=DEMO%00",
        "/api/v1/people?project=DEMO%00",
        "/api/v1/sla/policy?project=DEMO%00",
    ],
)
def test_bad_input_never_500_project_code_with_nul(api_as, path):
    resp = api_as("kefu").get(path)
    assert resp.status_code == 404


@pytest.mark.django_db
def test_bad_input_never_500_unit_and_person_search_drop_nul(api_as):
    kefu = api_as("kefu")
    resp = kefu.get("/api/v1/units", {"project": "DEMO", "q": "1-1-10\x00"})
    assert resp.status_code == 200
    assert "1-1-101" in [u["code"] for u in resp.json()["items"]]
    resp = kefu.get("/api/v1/people", {"project": "DEMO", "q": "\x00"})
    assert resp.status_code == 200
    resp = kefu.get("/api/v1/units", {"project": "DEMO", "building": "1\x00"})
    assert resp.status_code == 200
    assert resp.json()["items"] == []
