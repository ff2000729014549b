import pytest


@pytest.fixture(autouse=True)
def deliveries_sent_in_the_commit_callback(settings):
    """The delivery rules (claim, backoff, retry, signatures) are checked by
    running the on-commit callback: it sends at once instead of handing the
    rows to the background thread. test_background.py switches this off to
    check that the request never waits for the far end."""
    settings.PROPDESK_DELIVERY_INLINE = True
