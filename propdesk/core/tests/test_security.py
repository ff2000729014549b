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
    # API.md as amended: a NUL in a query is a 400; in a path it names no record (404).
    resp = api_as("kefu").get(path)
    assert resp.status_code == (400 if "?" in path else 404)


@pytest.mark.django_db
def test_bad_input_never_500_unit_and_person_search_refuse_nul(api_as):
    """API.md as amended: a NUL anywhere in a query is a 400 naming the field."""
    kefu = api_as("kefu")
    resp = kefu.get("/api/v1/units", {"project": "DEMO", "q": "1-1-10\x00"})
    assert resp.status_code == 400 and "q" in resp.json()["errors"]
    resp = kefu.get("/api/v1/people", {"project": "DEMO", "q": "\x00"})
    assert resp.status_code == 400
    resp = kefu.get("/api/v1/units", {"project": "DEMO", "building": "1\x00"})
    assert resp.status_code == 400 and "building" in resp.json()["errors"]
