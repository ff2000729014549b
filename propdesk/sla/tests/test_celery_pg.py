"""Several machines: a real `celery -A propdesk worker` on the Redis at
127.0.0.1:6379 (db 7) runs the sweep job sent the way beat sends it, against
the PostgreSQL test database."""

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from propdesk.sla.models import Escalation, Timer
from propdesk.sla.tests.helpers import act, make_ticket

pytestmark = [pytest.mark.pg, pytest.mark.django_db(transaction=True)]

BROKER = "redis://127.0.0.1:6379/7"
ROOT = Path(__file__).resolve().parents[3]


def test_beat_schedule_sends_the_sweep_every_minute():
    from propdesk.celery import app

    entry = app.conf.beat_schedule["sla_sweep"]
    assert (entry["task"], entry["schedule"], entry["args"]) == ("propdesk.run_job", 60.0, ("sla_sweep",))


def test_a_real_celery_worker_runs_the_sweep(demo):
    import redis
    from celery import Celery

    redis.Redis.from_url(BROKER).flushdb()
    now = timezone.now()
    ticket = make_ticket(demo, at=now - dt.timedelta(hours=3), kind="repair")  # follow_1 due an hour ago
    act(ticket, "dispatch", at=now - dt.timedelta(hours=3), data={"department": "gongcheng", "assignee": "gc"})
    db = connection.settings_dict
    env = {
        **os.environ,
        "CELERY_BROKER_URL": BROKER,
        "DJANGO_SETTINGS_MODULE": "propdesk.settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    worker = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "propdesk",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        client = Celery("propdesk-test", broker=BROKER)
        client.send_task("propdesk.run_job", args=("sla_sweep",))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and worker.poll() is None:
            if Escalation.objects.filter(ticket=ticket).exists():
                break
            time.sleep(0.2)  # waiting on another process, not on the clock under test
        assert worker.poll() is None, "the worker exited early"
        assert list(Escalation.objects.filter(ticket=ticket).values_list("recipient__user__username", flat=True)) == [
            "gc_zg"
        ]
        assert Timer.objects.get(ticket=ticket, metric="follow_1").state == "breached"
    finally:
        worker.terminate()
        try:
            out, _ = worker.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            out, _ = worker.communicate(timeout=10)
    assert b"propdesk.run_job" in out


def test_with_a_broker_deliveries_go_to_a_celery_worker_after_commit(demo, settings, monkeypatch):
    """CELERY_BROKER_URL set: after commit the web process only queues the
    delivery ids; a worker sends them (here an e-mail, printed by the console
    backend of the worker)."""
    import redis

    from propdesk.celery import app
    from propdesk.core.models import Staff
    from propdesk.sla.models import Delivery

    redis.Redis.from_url(BROKER).flushdb()
    settings.PROPDESK_DELIVERY_INLINE = False
    settings.CELERY_BROKER_URL = BROKER
    monkeypatch.setitem(app.conf, "broker_url", BROKER)
    monkeypatch.setitem(app.conf, "task_always_eager", False)  # as in a process started with the broker set
    jl = Staff.objects.get(user__username="jl").user
    jl.email = "jl@example.com"
    jl.save()
    ticket = make_ticket(demo, at=timezone.now(), kind="emergency")  # commits: the ids go to the broker
    delivery = Delivery.objects.get(channel="email")
    assert delivery.state == "pending" and delivery.attempts == 0  # nothing sent by the web process
    db = connection.settings_dict
    env = {
        **os.environ,
        "CELERY_BROKER_URL": BROKER,
        "DJANGO_SETTINGS_MODULE": "propdesk.settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "PROPDESK_EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
    }
    worker = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "propdesk",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and worker.poll() is None:
            delivery.refresh_from_db()
            if delivery.state == "sent":
                break
            time.sleep(0.2)  # waiting on another process, not on the clock under test
        assert worker.poll() is None, "the worker exited early"
        assert (delivery.state, delivery.attempts) == ("sent", 1)
    finally:
        worker.terminate()
        try:
            out, _ = worker.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            out, _ = worker.communicate(timeout=10)
    assert b"propdesk.sla.deliver" in out and str(ticket).encode() in out
