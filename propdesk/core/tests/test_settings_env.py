"""Settings from the environment (issue 7 item 11). The secret key: the public development key is refused with
debugging off; with no key configured a fresh machine still starts, with a
random key generated once into var/secret_key (mode 0600). Each case starts a
fresh Python, as a server would, so that the settings are read anew. SMTP
credentials and TLS; trusted proxies checked at start."""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[3]
PRINT_KEY = "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"


def start(tmp_path, code=PRINT_KEY, **env):
    base = {k: v for k, v in os.environ.items() if not k.startswith("PROPDESK_") and k != "DATABASE_URL"}
    base.update({"DJANGO_SETTINGS_MODULE": "propdesk.settings", "PROPDESK_VAR_DIR": str(tmp_path / "var")})
    base.update(env)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=base, capture_output=True, text=True, timeout=60)


def test_public_development_key_is_refused_without_debug(tmp_path):
    done = start(tmp_path, PROPDESK_SECRET_KEY=settings.INSECURE_DEFAULT_KEY, PROPDESK_DEBUG="0")
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr
    assert "PROPDESK_SECRET_KEY is the public development key" in done.stderr


def test_public_development_key_is_allowed_with_debug(tmp_path):
    done = start(tmp_path, PROPDESK_SECRET_KEY=settings.INSECURE_DEFAULT_KEY, PROPDESK_DEBUG="1")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == settings.INSECURE_DEFAULT_KEY


def test_an_empty_key_is_refused(tmp_path):
    done = start(tmp_path, PROPDESK_SECRET_KEY="  ")
    assert done.returncode != 0 and "PROPDESK_SECRET_KEY is set but empty" in done.stderr


def test_configured_key_is_used_and_nothing_is_written(tmp_path):
    done = start(tmp_path, PROPDESK_SECRET_KEY="k" * 60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "k" * 60
    assert not (tmp_path / "var" / "secret_key").exists()


def test_unset_key_is_generated_once_private_and_kept(tmp_path):
    first = start(tmp_path)
    assert first.returncode == 0, first.stderr
    key_file = tmp_path / "var" / "secret_key"
    key = first.stdout.strip()
    assert len(key) >= 50 and key != settings.INSECURE_DEFAULT_KEY
    assert key_file.read_text().strip() == key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    again = start(tmp_path)  # a restart keeps the key: sessions and tokens stay valid
    assert again.returncode == 0 and again.stdout.strip() == key
    other = start(tmp_path / "elsewhere")  # another installation gets its own
    assert other.stdout.strip() != key


def test_unusable_key_file_is_refused(tmp_path):
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "secret_key").write_text("short\n")
    done = start(tmp_path)
    assert done.returncode != 0 and "holds no usable secret key" in done.stderr


PRINT_EMAIL = (
    "import django, json; django.setup(); from django.conf import settings as s; print(json.dumps({k: getattr(s, k) "
    "for k in ('EMAIL_BACKEND', 'EMAIL_HOST', 'EMAIL_PORT', 'EMAIL_HOST_USER', 'EMAIL_HOST_PASSWORD', "
    "'EMAIL_USE_TLS', 'EMAIL_USE_SSL', 'EMAIL_TIMEOUT')}))"
)


def test_smtp_with_starttls_and_credentials(tmp_path):
    done = start(
        tmp_path,
        code=PRINT_EMAIL,
        PROPDESK_SECRET_KEY="k" * 60,
        PROPDESK_EMAIL_HOST="smtp.example.com",
        PROPDESK_EMAIL_USER="wuye@example.com",
        PROPDESK_EMAIL_PASSWORD="s3cret",
        PROPDESK_EMAIL_USE_TLS="1",
        PROPDESK_EMAIL_TIMEOUT="7",
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.example.com",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "wuye@example.com",
        "EMAIL_HOST_PASSWORD": "s3cret",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
        "EMAIL_TIMEOUT": 7,
    }


def test_smtp_with_implicit_tls_defaults_to_465(tmp_path):
    done = start(
        tmp_path,
        code=PRINT_EMAIL,
        PROPDESK_SECRET_KEY="k" * 60,
        PROPDESK_EMAIL_HOST="smtp.example.com",
        PROPDESK_EMAIL_USE_SSL="true",
    )
    got = json.loads(done.stdout)
    assert (got["EMAIL_PORT"], got["EMAIL_USE_SSL"], got["EMAIL_USE_TLS"]) == (465, True, False)


def test_no_mail_host_prints_mail_to_the_console(tmp_path):
    done = start(tmp_path, code=PRINT_EMAIL, PROPDESK_SECRET_KEY="k" * 60)
    assert json.loads(done.stdout)["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"


def test_tls_and_ssl_together_are_refused(tmp_path):
    done = start(tmp_path, PROPDESK_SECRET_KEY="k" * 60, PROPDESK_EMAIL_USE_TLS="1", PROPDESK_EMAIL_USE_SSL="1")
    assert done.returncode != 0 and "exclude each other" in done.stderr


def test_bad_trusted_proxy_is_refused_at_start(tmp_path):
    done = start(tmp_path, PROPDESK_SECRET_KEY="k" * 60, PROPDESK_TRUSTED_PROXIES="10.0.0.0/8, proxy.local")
    assert done.returncode != 0 and "PROPDESK_TRUSTED_PROXIES" in done.stderr and "proxy.local" in done.stderr
