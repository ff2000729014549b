"""Core data: the estate (company, projects, buildings, units), people and who
lives where, the organisation (departments, staff, ranks), portal accounts, the
business calendar and the append-only audit trail."""

import hashlib
import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


class Company(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)

    class Meta:
        verbose_name = _("company")

    def __str__(self) -> str:
        return self.name


class Project(models.Model):
    """管理处 / 物业服务中心: one managed estate or building."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="projects")
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    address = models.CharField(_("address"), max_length=300, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("project")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Building(models.Model):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="buildings")
    code = models.CharField(_("building code"), max_length=32)
    name = models.CharField(_("name"), max_length=100, blank=True)
    floors = models.PositiveSmallIntegerField(_("floors"), null=True, blank=True)

    class Meta:
        ordering = ["project", "code"]
        constraints = [models.UniqueConstraint(fields=["project", "code"], name="building_code_unique")]

    def __str__(self) -> str:
        return self.name or self.code


class Unit(models.Model):
    class Use(models.TextChoices):
        RESIDENTIAL = "residential", pgettext_lazy("unit use", "residential")
        SHOP = "shop", pgettext_lazy("unit use", "shop")
        OFFICE = "office", pgettext_lazy("unit use", "office")
        PARKING = "parking", pgettext_lazy("unit use", "parking")

    class State(models.TextChoices):
        VACANT = "vacant", pgettext_lazy("unit state", "vacant")
        OCCUPIED = "occupied", pgettext_lazy("unit state", "occupied")
        RENTED = "rented", pgettext_lazy("unit state", "rented")
        RENOVATING = "renovating", pgettext_lazy("unit state", "renovating")

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="units")
    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="units")
    # `<building>-<entrance>-<room>`, e.g. 1-1-101; unique per project.
    code = models.CharField(_("unit code"), max_length=64)
    entrance = models.CharField(_("entrance"), max_length=16)
    room = models.CharField(_("room"), max_length=16)
    floor = models.SmallIntegerField(_("floor"), null=True, blank=True)
    area = models.DecimalField(_("area (m²)"), max_digits=9, decimal_places=2, null=True, blank=True)
    use = models.CharField(_("use"), max_length=16, choices=Use.choices, default=Use.RESIDENTIAL)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.VACANT)

    class Meta:
        ordering = ["project", "code"]
        constraints = [models.UniqueConstraint(fields=["project", "code"], name="unit_code_unique")]
        indexes = [models.Index(fields=["building", "code"], name="unit_building_idx")]

    def __str__(self) -> str:
        return self.code

    @staticmethod
    def make_code(building: str, entrance: str, room: str) -> str:
        return f"{building}-{entrance}-{room}"


class Person(models.Model):
    """An owner, tenant, family member or agent known to a project.

    Phone and ID numbers are stored in full and masked on display unless the
    viewer's role needs them (see core.permissions.sees_personal_data)."""

    class IdType(models.TextChoices):
        RESIDENT_ID = "resident_id", _("resident ID card")
        PASSPORT = "passport", _("passport")
        HK_MACAO = "hk_macao", _("Hong Kong/Macao permit")
        TAIWAN = "taiwan", _("Taiwan permit")
        OTHER = "other", _("other")

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="people")
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    phone2 = models.CharField(_("second phone"), max_length=32, blank=True)
    id_type = models.CharField(_("ID type"), max_length=16, choices=IdType.choices, default=IdType.RESIDENT_ID)
    id_number = models.CharField(_("ID number"), max_length=64, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["project", "name", "id"]
        indexes = [
            models.Index(fields=["project", "name"], name="person_name_idx"),
            models.Index(fields=["project", "phone"], name="person_phone_idx"),
            models.Index(fields=["project", "id_number"], name="person_idno_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class Occupancy(models.Model):
    """Who is attached to a unit, in which role, from when to when. Ending an
    occupancy sets `end`; rows are never deleted, so the history stays."""

    class Role(models.TextChoices):
        OWNER = "owner", pgettext_lazy("occupancy role", "owner")
        TENANT = "tenant", pgettext_lazy("occupancy role", "tenant")
        FAMILY = "family", pgettext_lazy("occupancy role", "family member")
        AGENT = "agent", pgettext_lazy("occupancy role", "agent")

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="occupancies")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="occupancies")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    start = models.DateField(_("from"), null=True, blank=True)
    end = models.DateField(_("to"), null=True, blank=True)

    class Meta:
        ordering = ["unit", "end", "role", "id"]
        indexes = [
            models.Index(fields=["unit", "end"], name="occupancy_unit_idx"),
            models.Index(fields=["person", "end"], name="occupancy_person_idx"),
        ]

    @property
    def is_current(self) -> bool:
        return self.end is None or self.end >= timezone.localdate()


class Department(models.Model):
    class Kind(models.TextChoices):
        CUSTOMER_SERVICE = "customer_service", _("customer service")
        ENGINEERING = "engineering", _("engineering")
        SECURITY = "security", _("security")
        CLEANING = "cleaning", _("cleaning")
        GREENING = "greening", _("greening")
        FINANCE = "finance", _("finance")
        QUALITY = "quality", _("quality")
        ADMINISTRATION = "administration", _("administration")
        KITCHEN = "kitchen", _("kitchen")

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="departments")
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    supervisor = models.ForeignKey(
        "Staff", on_delete=models.SET_NULL, null=True, blank=True, related_name="supervised_departments"
    )

    class Meta:
        ordering = ["project", "code"]
        constraints = [models.UniqueConstraint(fields=["project", "code"], name="department_code_unique")]

    def __str__(self) -> str:
        return self.name


class Rank(models.IntegerChoices):
    """Escalation goes up this ladder (DOMAIN §0)."""

    STAFF = 10, _("staff")
    SUPERVISOR = 20, _("supervisor")
    MANAGER = 30, _("project manager")
    DEPUTY_GM = 40, _("deputy general manager")
    GM = 50, _("general manager")


class Staff(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff")
    display_name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, null=True, blank=True, related_name="members")
    rank = models.PositiveSmallIntegerField(_("rank"), choices=Rank.choices, default=Rank.STAFF)
    # Front-desk dispatcher role (调度员) or on-duty officer (当值).
    is_dispatcher = models.BooleanField(_("dispatcher"), default=False)
    projects = models.ManyToManyField(Project, related_name="staff", blank=True)

    class Meta:
        ordering = ["-rank", "display_name"]
        verbose_name = _("staff member")

    def __str__(self) -> str:
        return self.display_name


class ResidentAccount(models.Model):
    """A resident portal login: sees only the linked person's own records."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="resident")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="accounts")

    def __str__(self) -> str:
        return f"{self.user.username} → {self.person}"


class ApiToken(models.Model):
    """Bearer token for the JSON API. Only a SHA-256 digest is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def issue(cls, user: "AbstractBaseUser") -> str:
        raw = secrets.token_urlsafe(32)
        cls.objects.create(user=user, digest=cls.digest_of(raw))
        return raw


class Counter(models.Model):
    """Per-project sequences (ticket numbers, slip numbers). Incremented under a
    row lock so numbers are gapless per transaction and never reused (T-1)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="counters")
    name = models.CharField(max_length=32)
    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="counter_unique")]


class IdempotencyRecord(models.Model):
    """The first answer to a POST carrying an Idempotency-Key, replayed for repeats."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    key = models.CharField(max_length=200)
    path = models.CharField(max_length=300)
    body_digest = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key", "path"], name="idempotency_unique")]


# ---------------------------------------------------------------- calendar


class WorkingPeriod(models.Model):
    """Weekly working hours; several periods a day are allowed (e.g. a lunch break)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="working_periods")
    weekday = models.PositiveSmallIntegerField(_("weekday"))  # 0 = Monday
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"))

    class Meta:
        ordering = ["project", "weekday", "start"]


class CalendarDay(models.Model):
    """A dated exception to the weekly hours: a holiday, a make-up working day
    (调休), or special hours."""

    class Kind(models.TextChoices):
        OFF = "off", _("day off")
        WORKDAY = "workday", _("make-up working day")
        SPECIAL = "special", _("special hours")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="calendar_days")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    # "08:30-12:00,13:00-17:30" for special hours; for a make-up working day,
    # empty means the normal weekday hours.
    hours = models.CharField(_("hours"), max_length=100, blank=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    source = models.CharField(max_length=32, default="manual")  # "chinese-calendar" or "manual"

    class Meta:
        ordering = ["project", "date"]
        constraints = [models.UniqueConstraint(fields=["project", "date"], name="calendar_day_unique")]


# ---------------------------------------------------------------- audit


class AuditLog(models.Model):
    """Every change made through the app. Append-only: the database refuses
    UPDATE and DELETE on this table (triggers in migration 0002)."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, null=True, blank=True, db_constraint=False
    )
    project = models.ForeignKey(Project, on_delete=models.DO_NOTHING, null=True, blank=True, db_constraint=False)
    action = models.CharField(max_length=64)  # dotted code: unit.updated, person.created …
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    old = models.JSONField(null=True, blank=True)
    new = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "at"], name="audit_object_idx")]


# ---------------------------------------------------------------- attachments


class Attachment(models.Model):
    """A photo or a PDF attached to any record (a ticket, a move-in …), named
    by its record type's registry key and id: a resident's photos of a leak,
    completion photos, scanned signed slips. The bytes live under the media
    root (never served as static files); the row is never changed or deleted
    (append-only table, migration 0005)."""

    class Kind(models.TextChoices):
        PHOTO = "photo", pgettext_lazy("attachment kind", "photo")
        COMPLETION = "completion", pgettext_lazy("attachment kind", "completion photo")
        SLIP = "slip", pgettext_lazy("attachment kind", "signed slip")
        DOCUMENT = "document", pgettext_lazy("attachment kind", "document")

    record_type = models.CharField(max_length=64)  # propdesk.common.records key, e.g. "tickets.ticket"
    record_id = models.BigIntegerField()
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.PHOTO)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    # Sniffed from the bytes, never taken from the name or the upload's Content-Type.
    content_type = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()  # of the stored file
    sha256 = models.CharField(max_length=64)  # of the stored file
    path = models.CharField(max_length=300)  # relative to the media root
    thumbnail_path = models.CharField(max_length=300, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["record_type", "record_id", "id"], name="attachment_record_idx")]

    def __str__(self) -> str:
        return self.original_name or f"attachment {self.pk}"

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
