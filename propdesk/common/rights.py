"""Who may do what: one actor object per user and one rights table per app.

`Actor` holds the facts rights depend on, read once per request
(propdesk.core.actors.actor_of builds it): projects served, department kind,
rank, the resident's units. A `Rights` table maps each action of an app to a
`Rule`; rules compose with `|`, `&` and `~`:

    RIGHTS = Rights({
        "dispatch": FRONT_DESK | MANAGER,
        "accept": executor | MANAGER,
    })
    RIGHTS.check(actor, "dispatch", ticket)   # Forbidden with a sentence, or nothing

Services always check (`check`); pages and the API ask (`may`) to decide
which buttons to show. Visibility ("not yours → 404") is a separate, single
filter per record type (propdesk.common.records.RecordType.visible)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

from django.utils.translation import gettext as _

from propdesk.common.errors import Forbidden

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

# The ranks of DOMAIN §0 (core.models.Rank uses the same numbers).
STAFF, SUPERVISOR, MANAGER_RANK, DEPUTY_GM, GM = 10, 20, 30, 40, 50

# Department kinds (core.models.Department.Kind uses the same codes).
CUSTOMER_SERVICE = "customer_service"
ENGINEERING = "engineering"
SECURITY = "security"
FINANCE = "finance"
QUALITY = "quality"


@dataclass(frozen=True)
class Actor:
    """The facts about one user that every right depends on."""

    user: Any = None
    user_id: int | None = None
    superuser: bool = False
    staff_id: int | None = None
    rank: int = 0
    department_id: int | None = None
    department_kind: str = ""
    dispatcher: bool = False
    project_ids: frozenset[int] = field(default_factory=frozenset)
    person_id: int | None = None  # a resident's own person record
    unit_ids: frozenset[int] = field(default_factory=frozenset)  # a resident's current units

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def is_staff(self) -> bool:
        return self.superuser or self.staff_id is not None

    @property
    def is_resident(self) -> bool:
        return self.person_id is not None and not self.is_staff

    @property
    def is_manager(self) -> bool:
        """Project manager or above (物业经理, 主管副总, 总经理)."""
        return self.superuser or self.rank >= MANAGER_RANK

    @property
    def front_desk(self) -> bool:
        """Customer service: front desk, dispatchers, duty officers and their supervisor."""
        return self.department_kind == CUSTOMER_SERVICE

    def serves(self, project_id: int | None) -> bool:
        return self.superuser or (project_id is not None and project_id in self.project_ids)

    def in_department(self, department_id: int | None) -> bool:
        return department_id is not None and department_id == self.department_id


class Rule:
    """A yes/no question about an actor and (optionally) a record."""

    def __init__(self, test: Callable[[Actor, Any], bool], name: str = ""):
        self.test = test
        self.name = name or getattr(test, "__name__", "rule")

    def __call__(self, actor: Actor, record: Any = None) -> bool:
        return bool(self.test(actor, record))

    def __or__(self, other: Rule) -> Rule:
        return Rule(lambda a, r: self(a, r) or other(a, r), f"({self.name} | {other.name})")

    def __and__(self, other: Rule) -> Rule:
        return Rule(lambda a, r: self(a, r) and other(a, r), f"({self.name} & {other.name})")

    def __invert__(self) -> Rule:
        return Rule(lambda a, r: not self(a, r), f"~{self.name}")

    def __repr__(self) -> str:
        return f"Rule({self.name})"


def rule(test: Callable[[Actor, Any], bool]) -> Rule:
    """Decorator: `@rule def executor(actor, ticket): ...`."""
    return Rule(test, test.__name__)


NOBODY = Rule(lambda a, r: False, "nobody")
SUPERUSER = Rule(lambda a, r: a.superuser, "superuser")
ANY_STAFF = Rule(lambda a, r: a.is_staff, "staff")
RESIDENT = Rule(lambda a, r: a.is_resident, "resident")
MANAGER = Rule(lambda a, r: a.is_manager, "manager")
FRONT_DESK = Rule(lambda a, r: a.front_desk and a.staff_id is not None, "front_desk")


def rank_at_least(rank: int) -> Rule:
    return Rule(lambda a, r: a.superuser or a.rank >= rank, f"rank>={rank}")


def department_kind(*kinds: str) -> Rule:
    return Rule(lambda a, r: a.staff_id is not None and a.department_kind in kinds, f"dept({','.join(kinds)})")


SUPERVISOR_OR_ABOVE = rank_at_least(SUPERVISOR)


class Rights:
    """One app's rights: action → rule. Unknown actions are refused."""

    def __init__(self, table: Mapping[str, Rule], *, refusal: str | None = None):
        self.table = dict(table)
        self._refusal = refusal

    def may(self, actor: Actor, action: str, record: Any = None) -> bool:
        rule_ = self.table.get(action)
        return rule_ is not None and rule_(actor, record)

    def check(self, actor: Actor, action: str, record: Any = None, *, sentence: str | None = None) -> None:
        if not self.may(actor, action, record):
            raise Forbidden(sentence or self._refusal or _("You are not permitted to do this."))

    def actions_for(self, actor: Actor, record: Any = None, actions: Iterable[str] | None = None) -> list[str]:
        return [a for a in (actions or self.table) if self.may(actor, a, record)]


# Set by propdesk.core at start-up: builds the Actor of a Django user.
_resolver: Callable[[Any], Actor] | None = None


def set_actor_resolver(resolver: Callable[[Any], Actor]) -> None:
    global _resolver
    _resolver = resolver


# Whom services act for: an Actor, a Django user (request.user) or None (nobody).
Who: TypeAlias = "Actor | AbstractBaseUser | AnonymousUser | None"


def as_actor(who: Who) -> Actor:
    """An Actor from an Actor or a Django user (or None: nobody)."""
    if isinstance(who, Actor):
        return who
    if who is None or not getattr(who, "is_authenticated", False):
        return Actor()
    if _resolver is None:  # pragma: no cover - core registers it in AppConfig.ready
        raise RuntimeError("no actor resolver registered (propdesk.core not ready)")
    return _resolver(who)
