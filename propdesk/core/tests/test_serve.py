"""`manage.py serve` (issue 7 item 11, issue 9 item 8): gunicorn with the
in-process scheduler beside it, against a temporary SQLite database. Stopping
it (SIGTERM, Ctrl-C) stops gunicorn and its workers: the port is free at once
and a restart works; if gunicorn's master dies, `serve` exits with an error
and leaves nothing behind. Login throttling holds across the workers."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
USER, PASSWORD = "probe", "probe-pass-12345"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from django.db import connection

    if connection.vendor != "sqlite":
        # These tests serve a temporary SQLite database of their own, whatever the leg: once is enough.
        pytest.skip("runs in the SQLite leg of `make test` (the server under test has its own SQLite database)")
    """A migrated SQLite database with one user, and the environment to serve it."""
    base = tmp_path_factory.mktemp("serve")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROPDESK_") and k != "DATABASE_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="propdesk.settings",
        DATABASE_URL=f"sqlite:///{base}/db.sqlite3",
        PROPDESK_VAR_DIR=str(base / "var"),  # no secret key set: one is generated there
        PROPDESK_WORKERS="2",
        PROPDESK_THREADS="2",
        PROPDESK_GRACEFUL_TIMEOUT="5",
        PROPDESK_LOGIN_THROTTLE_LIMIT="3",
    )
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=180)
    make_user = (
        f"from django.contrib.auth.models import User; User.objects.create_user({USER!r}, password={PASSWORD!r})"
    )
    subprocess.run([*manage, "shell", "-c", make_user], cwd=ROOT, env=env, check=True, timeout=60)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def gunicorns(port: int) -> list[int]:
    """Our gunicorn processes (master and workers) for this port, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if "gunicorn" in cmdline and f"127.0.0.1:{port}" in cmdline:
                found.append(int(entry.name))
    return found


def get(port: int, path: str = "/login/") -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as e:
        return e.code


def token(port: int, username: str, password: str) -> int:
    body = f'{{"username": "{username}", "password": "{password}"}}'.encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/auth/token", data=body, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as e:
        return e.code


class Server:
    def __init__(self, env, port):
        self.port = port
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"serve exited early:\n{self.proc.stdout.read()}")
            try:
                if get(self.port) == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        pytest.fail("serve did not answer /login/ in time")

    def stop(self, signum) -> int:
        self.proc.send_signal(signum)
        return self.proc.wait(timeout=40)

    def cleanup(self):
        """After a failed assertion: end what this test started, by id."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        for pid in gunicorns(self.port):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture
def serve(site):
    started = []

    def start(port):
        server = Server(site, port)
        started.append(server)
        server.wait_ready()
        return server

    yield start
    for server in started:
        server.cleanup()


def assert_gone(port: int) -> None:
    deadline = time.monotonic() + 10  # workers notice their master is gone within a second or two
    while gunicorns(port) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert gunicorns(port) == [], "gunicorn processes left behind"
    assert port_is_free(port), "the port is still taken"


def test_serve_answers_and_sigterm_leaves_nothing_behind(serve):
    port = free_port()
    server = serve(port)
    assert get(port) == 200
    assert len(gunicorns(port)) == 3  # the master and PROPDESK_WORKERS=2 workers
    # Login throttling across workers (the shared cache, a database table by default):
    # each request is a new connection that either worker may take.
    assert token(port, USER, PASSWORD) == 200
    for _ in range(3):
        assert token(port, USER, "wrong-password") == 401
    assert [token(port, USER, PASSWORD) for _ in range(6)] == [429] * 6
    assert server.stop(signal.SIGTERM) == 0
    assert_gone(port)
    output = server.proc.stdout.read()
    assert "Scheduler running: sla_sweep" in output and "gunicorn, 2 workers" in output


def test_restart_right_after_stop_and_ctrl_c(serve):
    port = free_port()
    first = serve(port)
    assert first.stop(signal.SIGINT) == 0
    assert_gone(port)
    second = serve(port)  # right after: no "address already in use"
    assert get(port) == 200
    assert second.stop(signal.SIGTERM) == 0
    assert_gone(port)


def test_gunicorn_master_killed_ends_serve_and_frees_the_port(serve):
    port = free_port()
    server = serve(port)
    master = next(
        pid for pid in gunicorns(port) if Path(f"/proc/{pid}/stat").read_text().split()[3] == str(server.proc.pid)
    )
    os.kill(master, signal.SIGKILL)
    assert server.proc.wait(timeout=30) != 0  # the supervisor sees it and restarts the whole
    assert "gunicorn exited unexpectedly" in server.proc.stdout.read()
    assert_gone(port)


def test_serve_killed_outright_takes_gunicorn_with_it(serve):
    port = free_port()
    server = serve(port)
    server.proc.kill()  # SIGKILL: no handler runs; the parent-death signal stops gunicorn
    server.proc.wait(timeout=10)
    assert_gone(port)
