"""Page forms for tickets: they check and convert what a person typed; the
services decide what may happen (STYLE.md: no business logic here)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from propdesk.core.models import Department, Person, Staff, Unit
from propdesk.core.permissions import mask_phone
from propdesk.tickets.models import Capability, Category, Channel, Kind, Severity

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"]

# T-7: the class definitions the agent reads while the resident talks.
SEVERITY_HELP = {
    Severity.MAJOR: _(
        "A promised or contracted service not delivered, or badly, and raised repeatedly; company fault causing "
        "serious loss or injury; a valid complaint unresolved for a month. To the project manager the same day, "
        "a clear answer within 2 days, resolved within 10 days."
    ),
    Severity.IMPORTANT: _(
        "A fault of the company's management or service. Forwarded to the supervisor within 30 minutes, "
        "handled within 3 days."
    ),
    Severity.MINOR: _(
        "A small inconvenience from facilities or limits of management, easy to improve. Resolved within 2 days "
        "or by the resident's own deadline."
    ),
}


# T-4: the sentence to say to the resident, word for word from the procedure.
CAPABILITY_SAY = {
    Capability.AVAILABLE: _("We will send someone to repair it right away."),
    Capability.SCHEDULE: _("Sorry, we have nobody free at the moment."),
    Capability.NOT_OFFERED: _("Sorry, we do not offer this service."),
}


class IntakeForm(forms.Form):
    """Phone intake (T-3 … T-7, T-14)."""

    person = forms.IntegerField(required=False, widget=forms.HiddenInput)
    unit = forms.CharField(
        label=_("Unit"),
        max_length=64,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "1-1-101", "autocomplete": "off"}),
    )
    location = forms.CharField(label=_("Location"), max_length=200, required=False)
    reporter_name = forms.CharField(label=_("Reporter"), max_length=100, required=False)
    reporter_phone = forms.CharField(
        label=_("Phone"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[c for c in Channel.choices if c[0] != Channel.APP],
        initial=Channel.PHONE,
        required=False,
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Kind.choices, initial=Kind.REPAIR, widget=forms.RadioSelect, required=False
    )
    severity = forms.ChoiceField(
        label=_("Complaint class"), choices=Severity.choices, required=False, widget=forms.RadioSelect
    )
    category = forms.ChoiceField(label=_("Category"), choices=[("", "—")] + Category.choices, required=False)
    description = forms.CharField(
        label=_("What happened"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    requested_by = forms.DateTimeField(
        label=_("Resident's own deadline"), required=False, widget=DATETIME_WIDGET, input_formats=DATETIME_FORMATS
    )
    capability = forms.ChoiceField(
        label=_("Checked with engineering"),
        choices=Capability.choices,
        initial=Capability.AVAILABLE,
        required=False,
        widget=forms.RadioSelect,
    )
    agreed_at = forms.DateTimeField(
        label=_("Agreed time"), required=False, widget=DATETIME_WIDGET, input_formats=DATETIME_FORMATS
    )
    capability_note = forms.CharField(
        label=_("Reason / arrangement told to the resident"), max_length=500, required=False
    )
    # T-10: the complaint record.
    event_at = forms.DateTimeField(
        label=_("When it happened"), required=False, widget=DATETIME_WIDGET, input_formats=DATETIME_FORMATS
    )
    event_place = forms.CharField(label=_("Where it happened"), max_length=200, required=False)
    complained_about = forms.CharField(label=_("Person complained about"), max_length=200, required=False)
    complained_department = forms.ModelChoiceField(
        label=_("Department complained about"), required=False, queryset=Department.objects.none()
    )
    demand = forms.CharField(
        label=_("Resident's demand"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    paid = forms.BooleanField(label=_("Paid special service"), required=False)
    fee = forms.DecimalField(label=_("Fee (yuan)"), max_digits=10, decimal_places=2, min_value=0, required=False)
    urgent = forms.BooleanField(label=_("Urgent: work stopped (water/power cut)"), required=False)
    urgent_cause = forms.CharField(label=_("Cause"), max_length=500, required=False)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project
        self.unit_obj = None
        self.person_obj = None
        self.fields["complained_department"].queryset = Department.objects.filter(project=project).order_by("code")

    def clean(self):
        data = super().clean()
        emergency = bool(self.data.get("emergency"))
        if emergency:
            data["kind"] = Kind.EMERGENCY
        kind = data.get("kind")
        if not kind:
            self.add_error("kind", _("Choose the kind of request."))
        code = (data.get("unit") or "").strip()
        if code:
            self.unit_obj = Unit.objects.filter(project=self.project, code=code).first()
            if self.unit_obj is None:
                self.add_error("unit", _("No unit with this code in this project."))
        if data.get("person"):
            self.person_obj = Person.objects.filter(project=self.project, pk=data["person"]).first()
            phone = (data.get("reporter_phone") or "").strip()
            # The lookup shows a masked number; keep the stored one unless the agent typed another.
            if self.person_obj and (not phone or phone == mask_phone(self.person_obj.phone)):
                data["reporter_phone"] = self.person_obj.phone
            if self.person_obj and not (data.get("reporter_name") or "").strip():
                data["reporter_name"] = self.person_obj.name
        if kind == Kind.EMERGENCY:
            if not (data.get("description") or "").strip():
                data["description"] = str(_("Emergency reported by phone; details to follow."))
            return data
        if not (data.get("description") or "").strip():
            self.add_error("description", _("Say what happened."))
        if not (data.get("reporter_name") or "").strip():
            self.add_error("reporter_name", _("Enter the reporter's name."))
        if not (data.get("reporter_phone") or "").strip():
            self.add_error("reporter_phone", _("Enter a phone number to call back."))
        if kind == Kind.COMPLAINT and not data.get("severity"):
            self.add_error("severity", _("Choose the complaint class."))
        if kind == Kind.REPAIR:
            if data.get("capability") == Capability.SCHEDULE and not data.get("agreed_at"):
                self.add_error("agreed_at", _("Agree a time with the resident."))
            if data.get("capability") == Capability.NOT_OFFERED and not (data.get("capability_note") or "").strip():
                self.add_error("capability_note", _("Give the resident a reason."))
        if data.get("paid") and data.get("fee") is None:
            self.add_error("fee", _("Tell the resident the fee first."))
        if data.get("urgent") and not (data.get("urgent_cause") or "").strip():
            self.add_error("urgent_cause", _("Record the cause of the stoppage."))
        return data

    def service_kwargs(self) -> dict:
        """Keyword arguments for tickets.services.ticket_create."""
        d = self.cleaned_data
        kind = d["kind"]
        description = d["description"].strip()
        extra = {}
        if kind == Kind.REPAIR and d.get("capability"):
            extra["capability"] = d["capability"]
            extra["capability_note"] = (d.get("capability_note") or "").strip()
            if d["capability"] == Capability.SCHEDULE:
                extra["agreed_at"] = d["agreed_at"]
        if kind == Kind.COMPLAINT:
            for name in ("event_at", "complained_department"):
                if d.get(name):
                    extra[name] = d[name]
            for name in ("event_place", "complained_about", "demand"):
                if (d.get(name) or "").strip():
                    extra[name] = d[name].strip()
        return {
            "project": self.project,
            "kind": kind,
            "description": description,
            "severity": d.get("severity") or None if kind == Kind.COMPLAINT else None,
            "category": d.get("category") or "",
            "unit": self.unit_obj,
            "location": d.get("location", "").strip(),
            "reporter_name": (d.get("reporter_name") or "").strip(),
            "reporter_phone": (d.get("reporter_phone") or "").strip(),
            "channel": d.get("channel") or Channel.PHONE,
            "requested_by": d.get("requested_by"),
            "urgent": bool(d.get("urgent")),
            "urgent_cause": (d.get("urgent_cause") or "").strip(),
            "paid": bool(d.get("paid")),
            "fee": d.get("fee") if d.get("paid") else None,
            **extra,
        }


class ResidentRepairForm(forms.Form):
    """A resident's own repair request from the portal."""

    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(), empty_label=None)
    category = forms.ChoiceField(label=_("Category"), choices=[("", "—")] + Category.choices, required=False)
    description = forms.CharField(
        label=_("What needs repairing"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    requested_by = forms.DateTimeField(
        label=_("Please come before"), required=False, widget=DATETIME_WIDGET, input_formats=DATETIME_FORMATS
    )
    # Checked by core.attachments (type sniffed from the bytes, size and pixel limits).
    photo = forms.FileField(
        label=_("Photo (optional)"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


# ---------------------------------------------------------------- actions


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RequiredNoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class TriageForm(NoteForm):
    field_order = ["valid", "severity", "note"]
    valid = forms.TypedChoiceField(
        label=_("Judgement"),
        coerce=lambda v: v == "1",
        choices=[("1", _("Valid complaint")), ("0", _("Invalid complaint"))],
        widget=forms.RadioSelect,
    )
    severity = forms.ChoiceField(label=_("Complaint class"), choices=[("", "—")] + Severity.choices, required=False)


class DispatchForm(NoteForm):
    field_order = ["department", "assignee", "note"]
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none(), required=False)
    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=Staff.objects.none(), required=False)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(project=project).order_by("code")
        self.fields["assignee"].queryset = (
            Staff.objects.filter(projects=project, department__isnull=False)
            .select_related("department")
            .order_by("department__code", "display_name")
        )

    def clean(self):
        data = super().clean()
        dept, person = data.get("department"), data.get("assignee")
        if dept and person and person.department_id != dept.pk:
            self.add_error("assignee", _("This person is not in the chosen department."))
        return data


class CompleteForm(RequiredNoteForm):
    leak_test_at = forms.DateTimeField(
        label=_("Leak test time"), required=False, widget=DATETIME_WIDGET, input_formats=DATETIME_FORMATS
    )

    def __init__(self, *args, ticket=None, **kwargs):
        super().__init__(*args, **kwargs)
        # T-15: on the page the executor of a leak repair must give the leak-test
        # time (the follow-up visit is due 3 days after it); the API leaves it optional.
        if ticket is not None and ticket.category == Category.LEAK:
            self.fields["leak_test_at"].required = True


class VisitForm(NoteForm):
    field_order = ["channel", "satisfied", "note"]
    channel = forms.ChoiceField(
        label=_("Visit by"),
        widget=forms.RadioSelect,
        initial="phone",
        choices=[("phone", _("phone call")), ("home", _("home visit"))],
    )
    satisfied = forms.TypedChoiceField(
        label=_("Resident satisfied?"),
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        choices=[("1", _("Satisfied")), ("0", _("Not satisfied: reopen"))],
    )


class InstructForm(forms.Form):
    instruction = forms.CharField(label=_("Instruction"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class EmptyForm(forms.Form):
    pass


# Actions shown open on the ticket page; the rest (hold, cancel, …) fold away.
PRIMARY_ACTIONS = frozenset(
    {
        "triage",
        "dispatch",
        "accept",
        "complete",
        "answer",
        "return_slip",
        "visit",
        "close",
        "acknowledge",
        "signoff",
    }
)

# action name → (form class, service keyword mapping). The services live in
# tickets.services under ticket_<action>.
ACTION_FORMS = {
    "triage": TriageForm,
    "dispatch": DispatchForm,
    "accept": NoteForm,
    "follow": RequiredNoteForm,
    "answer": RequiredNoteForm,
    "complete": CompleteForm,
    "return_slip": NoteForm,
    "visit": VisitForm,
    "close": NoteForm,
    "hold": ReasonForm,
    "resume": ReasonForm,
    "reopen": ReasonForm,
    "cancel": ReasonForm,
    "acknowledge": EmptyForm,
    "instruct": InstructForm,
    "signoff": NoteForm,
}

ACTION_LABELS = {
    "triage": _("Judge the complaint"),
    "dispatch": _("Dispatch"),
    "accept": _("Accept"),
    "follow": _("Record a follow-up"),
    "answer": _("Record the answer given to the resident"),
    "complete": _("Report the work done"),
    "return_slip": _("Signed slip returned"),
    "visit": _("Record the follow-up visit"),
    "close": _("Close"),
    "hold": _("Put on hold"),
    "resume": _("Resume"),
    "reopen": _("Reopen"),
    "cancel": _("Cancel"),
    "acknowledge": _("Acknowledge"),
    "instruct": _("Record a leader's instruction"),
    "signoff": _("Manager sign-off"),
}
