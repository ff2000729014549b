"""T-2: `flush` would destroy append-only history; it refuses outside test databases."""

import pytest
from django.core.management import CommandError

from propdesk.core.management.commands.flush import Command, _is_test_database


class _FakeConnection:
    def __init__(self, name, test_name=None):
        self.settings_dict = {"NAME": name, "TEST": {"NAME": test_name}}


def test_production_database_is_not_a_test_database():
    assert not _is_test_database(_FakeConnection("/srv/propdesk/var/propdesk.sqlite3"))
    assert not _is_test_database(_FakeConnection("propdesk"))


def test_test_databases_are_recognised():
    assert _is_test_database(_FakeConnection("test_propdesk"))
    assert _is_test_database(_FakeConnection("file:memorydb_default?mode=memory&cache=shared"))


@pytest.mark.django_db
def test_flush_refuses_on_a_non_test_database(monkeypatch):
    from django.db import connections

    monkeypatch.setitem(connections["default"].settings_dict, "NAME", "propdesk_production")
    with pytest.raises(CommandError, match="append-only"):
        Command().handle(
            database="default",
            interactive=False,
            verbosity=0,
            reset_sequences=False,
            allow_cascade=False,
            inhibit_post_migrate=False,
        )
