"""Input cleaning, once for every app: text, codes, choices, numbers, money,
dates and times in the project's zone, phone numbers and ID numbers.

A `Cleaner` collects every bad field of one request and raises a single
BadInput naming them all, so the user fixes the form in one go:

    c = Cleaner()
    note = c.text("note", body.note, max_length=2000, required=True)
    amount = c.money("amount", body.amount, positive=True)
    c.raise_if_any()

Text that UTF-8 cannot encode (a lone surrogate such as "\\ud800") and NUL
characters are refused here for every field of every app (`bad_text`): such
text would be stored by SQLite and then break every page that shows it, and
PostgreSQL refuses NUL outright."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TypeVar, cast, overload
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from propdesk.common.errors import BadInput

# Datetimes outside this range are typos (and overflow on conversion).
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
MONEY_MAX = Decimal("9999999999.99")
FEN = Decimal("0.01")

_SURROGATE = re.compile("[\ud800-\udfff]")
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
# Area code 0xx/0xxx, 7–8 digits, an optional extension (-123, 转123, #123).
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(?:(?:-|转|#|ext\.?)\d{1,6})?$")

_D = TypeVar("_D")


def bad_text(value: object) -> bool:
    """True for text no field may hold: NUL, or a lone UTF-16 surrogate."""
    return isinstance(value, str) and ("\x00" in value or bool(_SURROGATE.search(value)))


def bad_char_message() -> str:
    return _("Contains a character that is not allowed.")


def quantize_fen(value: Decimal) -> Decimal:
    """Half-up to the fen (API-2.md: money rounded half-up)."""
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def normalise_phone(value: str) -> str:
    """Spaces and a +86 prefix dropped; a mobile's dashes dropped."""
    phone = value.replace(" ", "").replace("\u3000", "")
    for prefix in ("+86-", "+86", "0086"):
        if phone.startswith(prefix):
            phone = phone[len(prefix) :]
            break
    if MOBILE_RE.match(phone.replace("-", "")):
        phone = phone.replace("-", "")
    return phone


def phone_valid(phone: str) -> bool:
    """A mainland mobile (11 digits) or a landline with its area code (API.md)."""
    return bool(MOBILE_RE.match(phone) or LANDLINE_RE.match(phone))


class Cleaner:
    """Collects field errors; `raise_if_any` raises one BadInput naming them all."""

    def __init__(self, detail: str | None = None) -> None:
        self.errors: dict[str, list[str]] = {}
        self.detail = detail

    # ------------------------------------------------------------ bookkeeping

    def add(self, field: str, message: object) -> None:
        self.errors.setdefault(field, []).append(str(message))

    def has(self, field: str) -> bool:
        return field in self.errors

    def raise_if_any(self) -> None:
        if self.errors:
            raise BadInput(self.detail or _("Some fields are missing or invalid."), self.errors)

    def _required(self, field: str) -> None:
        self.add(field, _("This field is required."))

    # ------------------------------------------------------------ values

    def text(self, field: str, value: object, *, max_length: int, required: bool = False, min_length: int = 0) -> str:
        text = "" if value is None else str(value).strip()
        if bad_text(text):
            self.add(field, bad_char_message())
            return ""
        if required and not text:
            self._required(field)
        elif len(text) > max_length:
            self.add(field, _("At most %(n)d characters.") % {"n": max_length})
        elif text and len(text) < min_length:
            self.add(field, _("At least %(n)d characters.") % {"n": min_length})
        return text

    def code(self, field: str, value: object, *, max_length: int = 64, required: bool = False) -> str | None:
        """A code naming a record (project, unit, department, username): None
        when absent; never reaches the database with a bad character."""
        text = "" if value is None else str(value).strip()
        if bad_text(text) or len(text) > max_length:
            self.add(field, _("Not a valid code."))
            return None
        if not text:
            if required:
                self._required(field)
            return None
        return text

    @overload
    def choice(self, field: str, value: object, choices: Iterable[object], *, required: bool = False) -> str | None: ...
    @overload
    def choice(
        self, field: str, value: object, choices: Iterable[object], *, required: bool = False, default: _D
    ) -> str | _D: ...
    def choice(
        self, field: str, value: object, choices: Iterable[object], *, required: bool = False, default: object = None
    ) -> object:
        """One of `choices` (compared as text), stripped; `default` when absent or bad."""
        values = [str(c) for c in choices]
        if value is None or value == "":
            if required:
                self._required(field)
            return default
        if not isinstance(value, str) or value.strip() not in values:
            self.add(field, _("Choose one of: %(choices)s.") % {"choices": ", ".join(values)})
            return default
        return value.strip()

    def choices(self, field: str, value: object, choices: Iterable[object], *, required: bool = False) -> list[str]:
        """A list of distinct choices (e.g. a booking's needs)."""
        values = [str(c) for c in choices]
        if value in (None, "", []):
            if required:
                self._required(field)
            return []
        if not isinstance(value, list | tuple) or any(not isinstance(v, str) or v not in values for v in value):
            self.add(field, _("Choose any of: %(choices)s.") % {"choices": ", ".join(values)})
            return []
        return list(dict.fromkeys(value))

    def boolean(self, field: str, value: object, *, required: bool = False, default: bool | None = None) -> bool | None:
        if value is None:
            if required:
                self._required(field)
            return default
        if not isinstance(value, bool):
            self.add(field, _("Say true or false."))
            return default
        return value

    def integer(
        self,
        field: str,
        value: object,
        *,
        min_value: int | None = None,
        max_value: int | None = None,
        required: bool = False,
        default: int | None = None,
    ) -> int | None:
        if value is None or value == "":
            if required:
                self._required(field)
            return default
        if isinstance(value, bool) or not isinstance(value, int | str):
            self.add(field, _("Not a whole number."))
            return default
        try:
            number = int(str(value).strip()) if isinstance(value, str) and str(value).strip().isascii() else int(value)
        except (TypeError, ValueError):
            self.add(field, _("Not a whole number."))
            return default
        if (min_value is not None and number < min_value) or (max_value is not None and number > max_value):
            self._range(field, min_value, max_value)
            return default
        return number

    def _range(self, field: str, lo: object, hi: object) -> None:
        if lo is not None and hi is not None:
            self.add(field, _("Between %(min)s and %(max)s.") % {"min": lo, "max": hi})
        elif lo is not None:
            self.add(field, _("At least %(min)s.") % {"min": lo})
        else:
            self.add(field, _("At most %(max)s.") % {"max": hi})

    def decimal(
        self,
        field: str,
        value: object,
        *,
        places: int = 2,
        min_value: Decimal | None = None,
        max_value: Decimal | None = MONEY_MAX,
        required: bool = False,
        positive: bool = False,
    ) -> Decimal | None:
        """An exact decimal with at most `places` decimals. Floats are taken by
        their shortest repr ("0.1", never 0.1000000000000000055…)."""
        if value is None or value == "":
            if required:
                self._required(field)
            return None
        if isinstance(value, bool):
            self.add(field, _("Not an amount."))
            return None
        try:
            number = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip())
            if not number.is_finite():
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            self.add(field, _("Not an amount."))
            return None
        exponent = cast(int, number.as_tuple().exponent)  # an int: the number is finite
        if -exponent > places and number != number.quantize(Decimal(1).scaleb(-places)):
            self.add(field, _("At most %(n)d decimal places.") % {"n": places})
            return None
        if positive and number <= 0:
            self.add(field, _("Must be more than zero."))
            return None
        if (min_value is not None and number < min_value) or (max_value is not None and number > max_value):
            self._range(field, min_value, max_value)
            return None
        return number.quantize(Decimal(1).scaleb(-places))

    def money(
        self,
        field: str,
        value: object,
        *,
        required: bool = False,
        positive: bool = False,
        min_value: Decimal | None = Decimal("0"),
        max_value: Decimal = MONEY_MAX,
    ) -> Decimal | None:
        """Yuan with at most two decimals (fen)."""
        return self.decimal(
            field,
            value,
            places=2,
            min_value=None if positive else min_value,
            max_value=max_value,
            required=required,
            positive=positive,
        )

    def datetime(
        self, field: str, value: object, *, zone: str | None = None, required: bool = False
    ) -> dt.datetime | None:
        """An aware datetime in UTC. A naive one is read in `zone` (the
        project's time zone); ISO text is accepted."""
        if value is None or value == "":
            if required:
                self._required(field)
            return None
        if isinstance(value, str):
            if bad_text(value):
                self.add(field, bad_char_message())
                return None
            try:
                value = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            except ValueError:
                self.add(field, _("Not a date and time."))
                return None
        if not isinstance(value, dt.datetime):
            self.add(field, _("Not a date and time."))
            return None
        try:
            if value.tzinfo is None or value.utcoffset() is None:
                value = value.replace(tzinfo=ZoneInfo(zone or "Asia/Shanghai"))
            if not (EARLIEST <= value < LATEST):
                raise ValueError
            return value.astimezone(dt.UTC)
        except (ValueError, OverflowError):
            self.add(field, _("The date is out of range."))
            return None

    def date(self, field: str, value: object, *, required: bool = False) -> dt.date | None:
        if value is None or value == "":
            if required:
                self._required(field)
            return None
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, str):
            if bad_text(value):
                self.add(field, bad_char_message())
                return None
            try:
                value = dt.date.fromisoformat(value.strip())
            except ValueError:
                self.add(field, _("Not a date (use 2026-12-01)."))
                return None
        if not isinstance(value, dt.date) or not (EARLIEST.date() <= value < LATEST.date()):
            self.add(field, _("The date is out of range."))
            return None
        return value

    def phone(self, field: str, value: object, *, required: bool = False) -> str:
        """A callback number: a mainland mobile or a landline with its area code."""
        text = self.text(field, value, max_length=32, required=required)
        if not text or self.has(field):
            return text
        phone = normalise_phone(text)
        if not phone_valid(phone):
            self.add(field, _("Not a phone number: use an 11-digit mobile or a landline with its area code."))
        return phone

    def id_number(self, field: str, value: object, *, id_type: str = "resident_id", required: bool = False) -> str:
        """An identity document number; a mainland resident ID must pass its checksum."""
        from propdesk.common.ids import resident_id_problem

        text = self.text(field, value, max_length=64, required=required).upper()
        if text and not self.has(field) and id_type == "resident_id":
            problem = resident_id_problem(text)
            if problem:
                self.add(field, problem)
        return text


def reject_bad_text(data: object, path: str = "") -> str | None:
    """The dotted path of the first string in `data` (any JSON value) that no
    field may hold, or None. Used by the request guard for bodies."""
    if isinstance(data, str):
        return path or "__all__" if bad_text(data) else None
    if isinstance(data, dict):
        for key, value in data.items():
            if bad_text(key):
                return f"{path}.{key}" if path else str(key)
            found = reject_bad_text(value, f"{path}.{key}" if path else str(key))
            if found:
                return found
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found = reject_bad_text(value, f"{path}.{index}" if path else str(index))
            if found:
                return found
    return None
