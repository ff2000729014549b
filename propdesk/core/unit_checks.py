"""What stands in the way of a change of a unit's occupants (transfer 转名,
move-out 退楼; DOMAIN.md R-6): each app registers a check, the residency
services ask them all. The core knows no app: billing, for instance,
registers "the unit owes money" from its AppConfig.ready():

    unit_checks.register("billing.unpaid", unpaid_bills_blocker)

A check is `fn(unit) -> Blocker | None`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Blocker:
    code: str  # "billing.unpaid"
    sentence: str  # what the desk tells the owner (in the user's language)
    data: dict[str, Any] = field(default_factory=dict)  # e.g. {"owed": "1234.50"}


Check = Callable[[Any], Blocker | None]
_CHECKS: dict[str, Check] = {}


def register(name: str, check: Check) -> None:
    _CHECKS[name] = check


def blockers(unit: Any) -> list[Blocker]:
    """Every reason the unit's occupants cannot change now (empty: none)."""
    return [b for b in (check(unit) for check in _CHECKS.values()) if b is not None]
