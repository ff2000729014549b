"""The escalation ladder, for every record type with deadlines.

Each record type registers an `EscalationProfile`: who is responsible (the
department whose supervisor is the first step, the rank of the person
responsible now), which policy figure sets the climb interval, whether its
unacknowledged steps still climb, whom a breach also tells, and how its
notifications read. The ladder itself is the same for all (API.md, T-13,
T-14): the supervisor of the responsible department (customer service when
none is responsible yet: the front desk is), then project manager, deputy GM,
GM; `level` is the recipient's rank.

A breach tells the first person above both the responsible one and the
highest already told about the record, so each further breach climbs; an
unacknowledged step climbs after the policy's interval. A person is told
about a record once (unique constraint), so two paths reaching the same
person (a climb and a breach at the same minute) give one notification."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction

from propdesk.core.models import Department, Rank, Staff
from propdesk.core.permissions import staff_of
from propdesk.sla.memo import cached, calendar_of
from propdesk.sla.metrics import HANDLING
from propdesk.sla.models import Escalation, Policy, Reason, Timer
from propdesk.sla.policy import due_from, figures_with_defaults


def _nothing(record) -> None:
    return None


def _staff_rank(record) -> int:
    return Rank.STAFF


@dataclass(frozen=True)
class EscalationProfile:
    """How one record type escalates. Only `model` is required."""

    model: type
    # select_related paths when records are loaded in bulk by the sweeper.
    related: tuple[str, ...] = ("project",)
    # The department responsible for the record now; None → customer service.
    department: Callable[[Any], Any] = _nothing
    # The rank of the person responsible now (an assignee's rank, else staff).
    responsible_rank: Callable[[Any], int] = _staff_rank
    # The policy figure after which an unacknowledged step climbs.
    climb_figure: Callable[[Any], str] = lambda record: "climb_other"
    # False once the record is finished: its unacknowledged steps stop climbing.
    climbs: Callable[[Any], bool] = lambda record: True
    # Besides the next person up, whom a breached timer also tells: (rank, reason) pairs.
    also_tell: Callable[[Any, Timer], Iterable[tuple[int, str]]] = lambda record, timer: ()
    # What kind of record it is, for messages ("complaint·major").
    label: Callable[[Any], str] = lambda record: ""
    # A line of context appended to messages (the start of a description).
    summary: Callable[[Any], str] = lambda record: ""
    # (escalation, record) → the sentence; None: sla's generic sentences.
    message: Callable[[Any, Any], str] | None = None
    # Metrics whose breach tells nobody (measures such as handling times).
    quiet: frozenset[str] = field(default_factory=lambda: frozenset({HANDLING}))
    # The field of the notifications API that carries this record's id (API.md: "ticket").
    api_field: str | None = None

    @property
    def key(self) -> str:
        return self.model._meta.label_lower


_PROFILES: dict[str, EscalationProfile] = {}


def register_profile(profile: EscalationProfile) -> EscalationProfile:
    _PROFILES[profile.key] = profile
    return profile


def profile_for(model_or_key) -> EscalationProfile:
    """The profile of a model, a record, a label ("app.model") or a ContentType;
    a record type that registered none escalates with the defaults."""
    if isinstance(model_or_key, ContentType):
        key = f"{model_or_key.app_label}.{model_or_key.model}"
        model = model_or_key.model_class()
    elif isinstance(model_or_key, str):
        key, model = model_or_key, None
    else:
        model = model_or_key if isinstance(model_or_key, type) else type(model_or_key)
        key = model._meta.label_lower
    profile = _PROFILES.get(key)
    if profile is None:
        if model is None:
            raise LookupError(f"no escalation profile for {key!r}")
        profile = EscalationProfile(model=model)
    return profile


def profiles() -> list[EscalationProfile]:
    return list(_PROFILES.values())


# ---------------------------------------------------------------- who is told


def content_type_of(record_or_model) -> ContentType:
    return ContentType.objects.get_for_model(record_or_model)  # cached by Django per process


def record_key(record) -> tuple[int, int]:
    return content_type_of(record).pk, record.pk


def project_staff_of_rank(project, rank: int) -> Staff | None:
    return cached(
        ("rank", project.pk, rank),
        lambda: (
            Staff.objects.filter(projects=project, rank=rank, user__is_active=True)
            .select_related("user")
            .order_by("id")
            .first()
        ),
    )


def _front_desk(project_id) -> Department | None:
    return cached(
        ("front_desk", project_id),
        lambda: (
            Department.objects.filter(project_id=project_id, kind=Department.Kind.CUSTOMER_SERVICE)
            .order_by("id")
            .first()
        ),
    )


def ladder(record, profile: EscalationProfile, project) -> list[Staff]:
    """Who is above the responsible person, bottom first: the supervisor of
    the responsible department (customer service while nobody else is
    responsible), then project manager, deputy GM, GM."""
    department = profile.department(record) or _front_desk(project.pk)
    chain = []
    if department is not None and department.supervisor_id:
        supervisor_id = department.supervisor_id
        chain.append(
            cached(("staff", supervisor_id), lambda: Staff.objects.select_related("user").get(pk=supervisor_id))
        )
    for rank in (Rank.MANAGER, Rank.DEPUTY_GM, Rank.GM):
        person = project_staff_of_rank(project, rank)
        if person is not None:
            chain.append(person)
    return chain


def _above(chain: list[Staff], rank: int, told: set[int]) -> Staff | None:
    for person in chain:
        if person.rank > rank and person.pk not in told:
            return person
    return None


class Told:
    """Who has been told about each record so far (escalation rows already
    written plus those planned in this batch): a person is told once."""

    def __init__(self, keys: Iterable[tuple[int, int]]):
        self.people: dict[tuple[int, int], set[int]] = {}
        self.level: dict[tuple[int, int], int] = {}
        by_type: dict[int, list[int]] = {}
        for ct_id, record_id in keys:
            by_type.setdefault(ct_id, []).append(record_id)
        for ct_id, ids in by_type.items():
            rows = Escalation.objects.filter(content_type_id=ct_id, record_id__in=ids).values_list(
                "record_id", "recipient_id", "level"
            )
            for record_id, recipient_id, level in rows:
                self.add((ct_id, record_id), recipient_id, level)

    def add(self, key, recipient_id, level):
        self.people.setdefault(key, set()).add(recipient_id)
        self.level[key] = max(self.level.get(key, 0), level)


# ---------------------------------------------------------------- policy of a record


def policy_by_id(policy_id) -> Policy | None:
    if policy_id is None:
        return None
    return cached(("policy", policy_id), lambda: Policy.objects.get(pk=policy_id))


def figures_of(policy: Policy) -> dict:
    return cached(("figures", policy.pk), lambda: figures_with_defaults(policy.figures))


def record_policy(record, project) -> Policy:
    """The policy version the record's deadlines started with (its current
    one when it has none yet)."""
    from propdesk.sla.services import policy_current

    ct_id, record_id = record_key(record)
    policy_id = (
        Timer.objects.filter(content_type_id=ct_id, record_id=record_id, policy__isnull=False)
        .order_by("due_at", "id")
        .values_list("policy_id", flat=True)
        .first()
    )
    return policy_by_id(policy_id) or policy_current(project=project)


# ---------------------------------------------------------------- planning steps


def _climb_at(record, profile, project, policy: Policy | None, created_at: dt.datetime, top: bool):
    """When an unacknowledged step climbs (the record's policy, the figure its
    profile names); None at the top of the ladder."""
    if top:
        return None
    policy = policy or record_policy(record, project)
    spec = figures_of(policy)[profile.climb_figure(record)]
    return due_from(spec, created_at, calendar_of(project))


def step(*, record, profile, project, recipient: Staff, reason, at, chain, policy, timer=None, parent=None):
    top = not any(p.rank > recipient.rank for p in chain)
    escalation = Escalation(
        timer=timer,
        parent=parent,
        level=recipient.rank,
        recipient=recipient,
        reason=reason,
        created_at=at,
        next_climb_at=_climb_at(record, profile, project, policy, at, top),
    )
    escalation.record = record  # sets content_type and record_id, keeps the object for the message
    return escalation


def plan_breach(*, record, profile, project, timer: Timer, policy, at, told: Told) -> list[Escalation]:
    """A breached timer tells the next person up from the responsible one
    (further breaches climb one level each), plus whom the profile names."""
    if timer.metric in profile.quiet:
        return []
    key = record_key(record)
    chain = ladder(record, profile, project)
    people = told.people.get(key, set())
    base = max(told.level.get(key, 0), profile.responsible_rank(record))
    steps = []
    recipient = _above(chain, base, people)
    common = {"record": record, "profile": profile, "project": project, "at": at, "chain": chain, "policy": policy}
    if recipient is not None:
        steps.append(step(recipient=recipient, reason=Reason.BREACH, timer=timer, **common))
        told.add(key, recipient.pk, recipient.rank)
    for rank, reason in profile.also_tell(record, timer):
        person = next((p for p in chain if p.rank == rank), None)
        if person is not None and person.pk not in told.people.get(key, set()):
            steps.append(step(recipient=person, reason=reason, timer=timer, **common))
            told.add(key, person.pk, person.rank)
    return steps


def plan_climb(*, record, profile, project, escalation: Escalation, policy, at, told: Told) -> list[Escalation]:
    """An unacknowledged step climbs: the next person above its recipient."""
    if not profile.climbs(record):
        return []
    key = record_key(record)
    chain = ladder(record, profile, project)
    recipient = _above(chain, escalation.level, told.people.get(key, set()))
    if recipient is None:
        return []
    told.add(key, recipient.pk, recipient.rank)
    return [
        step(
            record=record,
            profile=profile,
            project=project,
            recipient=recipient,
            reason=Reason.CLIMB,
            at=at,
            chain=chain,
            policy=policy,
            timer=escalation.timer,
            parent=escalation,
        )
    ]


def write(steps: list[Escalation]) -> list[Escalation]:
    """Store planned steps and their notifications (inside the caller's
    transaction, under the records' row locks; the unique constraints are the
    last word: a person is told about a record once)."""
    from propdesk.sla import notify

    if not steps:
        return []
    Escalation.objects.bulk_create(steps)
    notify.notify_escalations(steps)
    return steps


def escalate(*, record, project, rank: int, reason: str, at, timer: Timer | None = None) -> Escalation | None:
    """Tell the project's person of `rank` about `record` now (T-14: an
    emergency tells the project manager at once); unacknowledged, the step
    climbs. None when there is nobody of that rank or they were told already."""
    recipient = project_staff_of_rank(project, rank)
    if recipient is None:
        return None
    profile = profile_for(record)
    escalation = step(
        record=record,
        profile=profile,
        project=project,
        recipient=recipient,
        reason=reason,
        at=at,
        chain=ladder(record, profile, project),
        policy=policy_by_id(timer.policy_id) if timer is not None else None,
        timer=timer,
    )
    try:
        with transaction.atomic():
            write([escalation])
    except IntegrityError:  # already told (a repeated hook)
        return None
    return escalation


# ---------------------------------------------------------------- acknowledging


def addressed_to(record, user) -> bool:
    """Whether `user` has an unacknowledged escalation on `record`."""
    staff = staff_of(user)
    if staff is None:
        return False
    ct_id, record_id = record_key(record)
    return Escalation.objects.filter(
        content_type_id=ct_id, record_id=record_id, recipient=staff, acknowledged_at__isnull=True
    ).exists()


def acknowledge(*, record, user, at) -> int:
    """`user` takes the escalations addressed to them on `record`: they stop climbing."""
    staff = staff_of(user)
    if staff is None:
        return 0
    ct_id, record_id = record_key(record)
    return Escalation.objects.filter(
        content_type_id=ct_id, record_id=record_id, recipient=staff, acknowledged_at__isnull=True
    ).update(acknowledged_at=at, next_climb_at=None)
