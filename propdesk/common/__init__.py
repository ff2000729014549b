"""The shared record machinery every desk is built on.

`propdesk.common` depends on Django and pinned third-party libraries only,
never on a propdesk app: errors, input cleaning, keyset paging, workflows,
event history, rights tables, list specs, Excel and the record-type registry.
Apps import from here; nothing here imports an app (checked by
propdesk/common/tests/test_layers.py)."""
