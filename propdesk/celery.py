"""Celery for deployments on several machines (CELERY_BROKER_URL set).

Beat's schedule is built from propdesk.scheduler.JOBS, so the in-process
scheduler and Celery run the same idempotent functions. With no broker,
tasks run eagerly (CELERY_TASK_ALWAYS_EAGER)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "propdesk.settings")

app = Celery("propdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")


@app.task(name="propdesk.run_job")
def run_job(name: str):
    from propdesk.scheduler import JOBS

    job = next(j for j in JOBS if j.name == name)
    return job.run()


def _beat_schedule():
    from propdesk.scheduler import JOBS

    return {
        job.name: {"task": "propdesk.run_job", "schedule": float(job.every_seconds), "args": (job.name,)}
        for job in JOBS
    }


app.conf.beat_schedule = _beat_schedule()
app.autodiscover_tasks()
