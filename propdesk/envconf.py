"""Typed readers for environment variables that fail loudly on bad values."""

import ipaddress
import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None:
        if default is None:
            raise ImproperlyConfigured(f"Environment variable {name} is required")
        return default
    return value


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    low = raw.strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false)")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [part.strip() for part in raw.split(",") if part.strip()]


def env_networks(name: str) -> list[str]:
    """A comma list of addresses or CIDR blocks (`10.0.0.1, 192.168.0.0/24`), checked now."""
    out = []
    for part in env_list(name, []):
        try:
            out.append(str(ipaddress.ip_network(part, strict=False)))
        except ValueError:
            raise ImproperlyConfigured(f"{name}: {part!r} is not an IP address or network") from None
    return out


def secret_key(env_value: str | None, *, key_file: Path, insecure: str, allow_insecure: bool) -> str:
    """The secret key: PROPDESK_SECRET_KEY when set; otherwise a random key made
    once into `key_file` (mode 0600) so that a fresh machine starts without
    configuration and sessions survive restarts. The well-known development key
    is refused unless debugging or testing."""
    if env_value is not None:
        if not env_value.strip():
            raise ImproperlyConfigured("PROPDESK_SECRET_KEY is set but empty")
        if env_value == insecure and not allow_insecure:
            raise ImproperlyConfigured(
                "PROPDESK_SECRET_KEY is the public development key, which is refused when PROPDESK_DEBUG is off: "
                "set a long random value (or unset it to have one generated in the var directory)"
            )
        return env_value
    try:
        key = key_file.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return _new_key_file(key_file)
    if len(key) < 32:
        raise ImproperlyConfigured(f"{key_file} holds no usable secret key: delete it to have a new one generated")
    return key


def _new_key_file(path: Path) -> str:
    """Write a new random key with mode 0600. Written to a private temporary
    file first, then linked into place: two processes starting at once agree on
    the first key, and nobody ever reads a half-written file."""
    key = secrets.token_urlsafe(50)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key + "\n")
    try:
        os.link(tmp, path)
    except FileExistsError:
        key = path.read_text(encoding="ascii").strip()
    finally:
        tmp.unlink()
    return key


def database_from_url(url: str, base_dir: Path) -> dict[str, Any]:
    """Translate DATABASE_URL (sqlite:///path or postgres://…) to a Django DATABASES entry."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path)
        if path.startswith("//"):  # sqlite:////abs/path
            path = path[1:]
        elif path.startswith("/"):
            path = path[1:] or "var/propdesk.sqlite3"
        return sqlite_database(base_dir / path if not os.path.isabs(path) else path)
    if parsed.scheme in {"postgres", "postgresql", "pgsql"}:
        options = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")) or "propdesk",
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
            "TEST": {"NAME": os.environ.get("PROPDESK_TEST_DB_NAME") or None},
        }
    raise ImproperlyConfigured(f"DATABASE_URL scheme {parsed.scheme!r} is not supported")


def sqlite_database(path: str | Path) -> dict[str, Any]:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            # WAL lets readers run beside one writer; IMMEDIATE takes the write
            # lock at BEGIN so two writers queue instead of failing mid-transaction.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
            ),
        },
    }
