"""Celery tasks of sla (used when CELERY_BROKER_URL is set)."""

from celery import shared_task


@shared_task(name="propdesk.sla.deliver", ignore_result=True)
def deliver(ids: list[int]) -> int:
    from propdesk.sla import notify

    return notify.deliver_ids(list(ids))
