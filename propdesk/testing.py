"""Helpers for tests: an API client holding a bearer token, and a browser login."""

import json


class ApiClient:
    """A JSON client logged in through POST /api/v1/auth/token."""

    def __init__(self, client, token=None):
        self.client = client
        self.token = token

    def _headers(self, extra):
        headers = {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        headers.update(extra or {})
        return headers

    def get(self, path, params=None, headers=None):
        return self.client.get(path, params or {}, headers=self._headers(headers))

    def post(self, path, data=None, headers=None):
        return self.client.post(
            path,
            json.dumps(data if data is not None else {}, default=str),
            content_type="application/json",
            headers=self._headers(headers),
        )

    def delete(self, path, headers=None):
        return self.client.delete(path, headers=self._headers(headers))


def login(page, username, password="demo12345"):
    page.goto(page.base_url + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
