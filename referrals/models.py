"""The pathway-neutral case core: people, referrals, sharing, the timeline and the access log.

Also the youth violence intervention pathway, which has no app of its own (ARCHITECTURE.md).
Rules about one row live here; every write goes through referrals.services.
"""

from __future__ import annotations

import datetime
import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from accounts.models import Agency, Role

TEXT_MAX = 10_000


class Pathway(models.TextChoices):
    MARAC = "marac", "MARAC (domestic abuse, high risk)"
    HSB = "hsb", "Harmful sexual behaviour"
    YOUTH_VIOLENCE = "youth_violence", "Youth violence intervention"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class YesNoUnknown(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    UNKNOWN = "unknown", "Not known"


class ConsentGiven(models.TextChoices):
    YES = "yes", "Yes, consent was given"
    NO = "no", "No, consent was refused"
    NOT_SOUGHT = "not_sought", "No, consent was not sought"


class LawfulBasis(models.TextChoices):
    CONSENT = "consent", "Consent of the person"
    SVD_S16 = "svd_s16", "Serious Violence Duty information sharing (PCSC Act 2022, s16)"
    CRIME_DISORDER_S115 = "cda_s115", "Crime and Disorder Act 1998, s115"
    CHILDREN_ACT = "children_act", "Children Act 1989 and 2004 (safeguarding a child)"
    CARE_ACT = "care_act", "Care Act 2014, s42 (safeguarding an adult)"
    PUBLIC_TASK_SAFEGUARDING = "public_task", "UK GDPR public task with DPA 2018 Sch 1 para 18 (safeguarding)"
    VITAL_INTERESTS = "vital_interests", "Vital interests (risk to life)"
    COURT_ORDER = "court_order", "Court order or other legal obligation"


class PathwayHub(models.Model):
    """The agency that receives and coordinates referrals on a pathway (for example the MARAC team)."""

    pathway = models.CharField(max_length=20, choices=Pathway.choices, unique=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="hubs")

    def __str__(self) -> str:
        return f"{self.get_pathway_display()}: {self.agency}"


class ReferenceCounter(models.Model):
    """The last human reference number issued in a year; locked with select_for_update when issuing."""

    year = models.PositiveIntegerField(unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Referral(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(max_length=30, unique=True, null=True, blank=True, editable=False)
    pathway = models.CharField(max_length=20, choices=Pathway.choices)
    owner_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="owned_referrals")
    referrer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)

    summary = models.TextField("Summary of concerns", max_length=TEXT_MAX, blank=True)
    subject_aware = models.CharField(
        "Is the person aware of this referral?", max_length=10, choices=YesNoUnknown.choices, blank=True
    )
    consent_given = models.CharField(
        "Has the person consented to the referral?", max_length=12, choices=ConsentGiven.choices, blank=True
    )
    consent_reason = models.TextField("Why consent was not given or sought", max_length=TEXT_MAX, blank=True)
    lawful_basis = models.CharField(
        "Lawful basis for sharing without consent", max_length=20, choices=LawfulBasis.choices, blank=True
    )

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(max_length=TEXT_MAX, blank=True)
    close_reason = models.TextField(max_length=TEXT_MAX, blank=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # Both end with id, and ref_created_idx carries the owner, so that a list page's ids come from an
            # index-only walk in exactly the order shown (-created_at, -id): docs/performance.md.
            models.Index(fields=["created_at", "id", "owner_agency"], name="ref_created_idx"),
            models.Index(fields=["owner_agency", "created_at", "id"], name="ref_owner_created_idx"),
            models.Index(fields=["pathway", "status"], name="ref_pathway_status_idx"),
            # Reports count submitted referrals in date ranges (an index-only range scan with what they group
            # by); pathway lists are newest-received first; MARAC's candidate list walks the accepted cases not
            # yet closed, oldest first (docs/performance.md).
            models.Index(fields=["submitted_at", "pathway", "owner_agency", "id"], name="ref_submitted_idx"),
            models.Index(fields=["pathway", "received_at", "id"], name="ref_pathway_received_idx"),
            models.Index(
                fields=["accepted_at", "id"],
                condition=models.Q(pathway="marac", status__in=["accepted", "open"]),
                name="ref_marac_waiting_idx",
            ),
            # Retention (referrals.retention): ended cases by pathway, oldest ending first, so what is due (and
            # what falls due in the next 30 days) is a range at the old end, not every ended case of the pathway.
            models.Index(
                fields=["pathway", "closed_at", "id"],
                condition=models.Q(status__in=["closed", "declined"]),
                name="ref_ended_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(reference__isnull=False),
                name="referral_submitted_has_reference",
            )
        ]

    def __str__(self) -> str:
        return self.reference or f"Draft {str(self.public_id)[:8]}"

    @property
    def display_reference(self) -> str:
        return str(self)

    @property
    def subject(self) -> Person | None:
        for person in self.people.all():
            if person.role == PersonRole.SUBJECT:
                return person
        return None

    def clean(self):
        without_consent = self.consent_given in {ConsentGiven.NO, ConsentGiven.NOT_SOUGHT}
        if without_consent and self.status != Status.DRAFT and not self.lawful_basis:
            raise ValidationError({"lawful_basis": "Select the lawful basis for sharing without consent"})


class ReferralGroupObjectPermission(GroupObjectPermissionBase):
    """Guardian's direct foreign-key permission row: an agency's group may view (or change) a referral.

    Two columns copy the referral so that an agency's case lists are one index walk of its own rows
    (docs/performance.md): `case_created_at` (the list order) and `by_owner` (the row is the owning agency's,
    so "Shared with my agency" is the rows without it). Neither ever goes stale: a referral's created_at and
    owner are set when it is created and never change. They are filled by copy_from_referral: on save, and by
    accounts.permissions.referral_access_sync, the only writer, which inserts rows in bulk; they decide no
    access, only order and which list a visible case appears in."""

    content_object = models.ForeignKey(Referral, on_delete=models.CASCADE)
    case_created_at = models.DateTimeField(editable=False)
    by_owner = models.BooleanField(editable=False)

    class Meta(GroupObjectPermissionBase.Meta):
        indexes = [
            models.Index(
                fields=["group", "permission", "by_owner", "-case_created_at", "-content_object"],
                name="ref_perm_list_idx",
            )
        ]

    def copy_from_referral(self, owner_group_id: int | None = None) -> None:
        """Fill the copies. `owner_group_id`, the owning agency's group, saves loading the agency."""
        referral = self.content_object
        self.case_created_at = referral.created_at
        owner_group_id = owner_group_id if owner_group_id is not None else referral.owner_agency.group_id
        self.by_owner = owner_group_id == self.group_id

    def save(self, *args, **kwargs):
        self.copy_from_referral()
        super().save(*args, **kwargs)


class ReferralUserObjectPermission(UserObjectPermissionBase):
    """Guardian's per-user variant. Not used for case access today (access is per agency) but defined, as
    guardian advises, so that no generic rows are ever written for referrals."""

    content_object = models.ForeignKey(Referral, on_delete=models.CASCADE)


class PersonRole(models.TextChoices):
    SUBJECT = "subject", "Subject or victim"
    ALLEGED_PERPETRATOR = "alleged_perpetrator", "Alleged perpetrator"
    CHILD = "child", "Child in the household"
    PARENT_CARER = "parent_carer", "Parent or carer"
    OTHER = "other", "Other"


class Gender(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    NON_BINARY = "non_binary", "Non-binary or other"
    UNKNOWN = "unknown", "Not known"


class Ethnicity(models.TextChoices):
    """ONS 2021 Census categories (England), plus not known and prefer not to say."""

    ASIAN_BANGLADESHI = "asian_bangladeshi", "Asian or Asian British: Bangladeshi"
    ASIAN_CHINESE = "asian_chinese", "Asian or Asian British: Chinese"
    ASIAN_INDIAN = "asian_indian", "Asian or Asian British: Indian"
    ASIAN_PAKISTANI = "asian_pakistani", "Asian or Asian British: Pakistani"
    ASIAN_OTHER = "asian_other", "Asian or Asian British: any other Asian background"
    BLACK_AFRICAN = "black_african", "Black, Black British, Caribbean or African: African"
    BLACK_CARIBBEAN = "black_caribbean", "Black, Black British, Caribbean or African: Caribbean"
    BLACK_OTHER = "black_other", "Black, Black British, Caribbean or African: any other Black background"
    MIXED_WHITE_ASIAN = "mixed_white_asian", "Mixed or multiple: White and Asian"
    MIXED_WHITE_BLACK_AFRICAN = "mixed_white_black_african", "Mixed or multiple: White and Black African"
    MIXED_WHITE_BLACK_CARIBBEAN = "mixed_white_black_caribbean", "Mixed or multiple: White and Black Caribbean"
    MIXED_OTHER = "mixed_other", "Mixed or multiple: any other mixed background"
    WHITE_BRITISH = "white_british", "White: English, Welsh, Scottish, Northern Irish or British"
    WHITE_IRISH = "white_irish", "White: Irish"
    WHITE_GYPSY_TRAVELLER = "white_gypsy_traveller", "White: Gypsy or Irish Traveller"
    WHITE_ROMA = "white_roma", "White: Roma"
    WHITE_OTHER = "white_other", "White: any other White background"
    OTHER_ARAB = "other_arab", "Other ethnic group: Arab"
    OTHER_ANY = "other_any", "Other ethnic group: any other ethnic group"
    UNKNOWN = "unknown", "Not known"
    PREFER_NOT = "prefer_not", "Prefers not to say"


# Black, Asian or minoritised, as counted in the MARAC data return: every known category but White British.
MINORITISED_ETHNICITIES = frozenset(
    e for e in Ethnicity.values if e not in {Ethnicity.WHITE_BRITISH, Ethnicity.UNKNOWN, Ethnicity.PREFER_NOT}
)


class SexualOrientation(models.TextChoices):
    HETEROSEXUAL = "heterosexual", "Heterosexual or straight"
    GAY_LESBIAN = "gay_lesbian", "Gay or lesbian"
    BISEXUAL = "bisexual", "Bisexual"
    OTHER = "other", "Other sexual orientation"
    UNKNOWN = "unknown", "Not known"
    PREFER_NOT = "prefer_not", "Prefers not to say"


LGB_ORIENTATIONS = frozenset({SexualOrientation.GAY_LESBIAN, SexualOrientation.BISEXUAL, SexualOrientation.OTHER})


def name_key(*parts: str) -> str:
    """A matching key for names: case-folded, with spacing and punctuation differences removed."""
    text = " ".join(p for p in parts if p)
    return " ".join("".join(ch for ch in text.casefold() if ch.isalnum() or ch.isspace()).split())


PHONE_RE = re.compile(r"^\+?[0-9 ()-]{7,20}$")  # what a phone number may be typed on a form
PHONE_SEARCH_RE = re.compile(r"^\+?[0-9 ().-]+$")  # what a search for one may look like, with enough digits
PHONE_MIN_DIGITS = 7


def phone_key(phone: str) -> str:
    """A matching key for phone numbers: its digits, a UK number in its national form, so that "+44 (0)7700 900123",
    "0044 7700 900123", "447700900123" and "07700 900 123" are all "07700900123"."""
    digits = "".join(ch for ch in phone if ch in "0123456789")
    international = phone.lstrip().startswith("+") or digits.startswith("00")
    if digits.startswith("00"):
        digits = digits[2:]
    if international and digits.startswith("44") or re.fullmatch(r"44[1-9][0-9]{9}", digits):
        digits = digits[2:] if digits[2:3] == "0" else "0" + digits[2:]
    return digits


def is_phone_search(query: str) -> bool:
    """Does a search look like a phone number: only what numbers are written with, and at least
    PHONE_MIN_DIGITS digits?"""
    return bool(PHONE_SEARCH_RE.match(query)) and len(phone_key(query)) >= PHONE_MIN_DIGITS


class Person(models.Model):
    """A person named on one referral. People belong to a referral so that they share its access rules."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="people")
    role = models.CharField(max_length=30, choices=PersonRole.choices, default=PersonRole.SUBJECT)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    aliases = models.CharField("Other names or aliases", max_length=300, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    estimated_age = models.PositiveSmallIntegerField(null=True, blank=True)
    gender = models.CharField(max_length=20, choices=Gender.choices, blank=True)
    trans = models.CharField(
        "Is their gender different from the sex registered at birth?",
        max_length=10,
        choices=YesNoUnknown.choices,
        blank=True,
    )
    ethnicity = models.CharField(max_length=40, choices=Ethnicity.choices, blank=True)
    disability = models.CharField("Disabled", max_length=10, choices=YesNoUnknown.choices, blank=True)
    sexual_orientation = models.CharField(max_length=20, choices=SexualOrientation.choices, blank=True)
    first_language = models.CharField(max_length=60, blank=True)
    interpreter_needed = models.BooleanField(default=False)
    relationship = models.CharField("Relationship to the subject", max_length=100, blank=True)
    address = models.TextField(max_length=500, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    safe_to_call = models.CharField(
        "Is this number safe to call?", max_length=10, choices=YesNoUnknown.choices, blank=True
    )
    safe_times = models.CharField("Safe times to call", max_length=200, blank=True)
    gp = models.CharField("GP practice", max_length=200, blank=True)
    school = models.CharField("School or college", max_length=200, blank=True)
    name_key = models.CharField(max_length=220, editable=False, db_index=True)
    phone_key = models.CharField(max_length=30, editable=False, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    history = HistoricalRecords(excluded_fields=["phone_key"])  # derived from phone, which is kept

    class Meta:
        ordering = ["referral", "role", "id"]
        indexes = [
            models.Index(fields=["referral", "role"], name="person_referral_role_idx"),
            # The MARAC benchmarks report counts victims by these answers: with them in the index, each case's
            # victim is one index-only probe (docs/performance.md).
            models.Index(
                fields=["referral", "gender", "ethnicity", "sexual_orientation", "trans", "disability"],
                condition=models.Q(role="subject"),
                name="person_subject_profile_idx",
            ),
            models.Index(fields=["phone_key"], condition=~models.Q(phone_key=""), name="person_phone_key_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs):
        # Derived columns for matching and search, kept in step with what they are made from.
        self.name_key = name_key(self.first_name, self.last_name, self.aliases)
        self.phone_key = phone_key(self.phone)
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def age_on(self, day) -> int | None:
        if self.date_of_birth:
            dob = self.date_of_birth
            return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))
        return self.estimated_age

    @property
    def is_minoritised(self) -> bool:
        return self.ethnicity in MINORITISED_ETHNICITIES

    @property
    def is_lgbt(self) -> bool:
        return self.sexual_orientation in LGB_ORIENTATIONS or self.trans == YesNoUnknown.YES


class ShareLevel(models.TextChoices):
    VIEW = "view", "View"
    CONTRIBUTE = "contribute", "View and contribute"


class ReferralShare(models.Model):
    """A decision to share a referral with another agency: who, why, on what basis, and when it ended."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="shares")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="shares_received")
    level = models.CharField(max_length=12, choices=ShareLevel.choices, default=ShareLevel.VIEW)
    reason = models.TextField(max_length=2000)
    lawful_basis = models.CharField(max_length=20, choices=LawfulBasis.choices)
    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    shared_at = models.DateTimeField(default=timezone.now)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.TextField(max_length=2000, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-shared_at"]
        indexes = [models.Index(fields=["agency", "referral"], name="refshare_agency_ref_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "agency"],
                condition=models.Q(revoked_at__isnull=True),
                name="refshare_one_active_per_agency",
            )
        ]

    def __str__(self) -> str:
        return f"{self.referral} shared with {self.agency}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class EventKind(models.TextChoices):
    CREATED = "created", "Draft started"
    SUBMITTED = "submitted", "Submitted"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    OPENED = "opened", "Opened"
    CLOSED = "closed", "Closed"
    REOPENED = "reopened", "Reopened"
    UPDATED = "updated", "Details updated"
    PERSON_ADDED = "person_added", "Person added"
    PERSON_UPDATED = "person_updated", "Person updated"
    PERSON_REMOVED = "person_removed", "Person removed"
    SHARED = "shared", "Shared"
    SHARE_REVOKED = "share_revoked", "Sharing revoked"
    NOTE = "note", "Note"
    PATHWAY = "pathway", "Pathway event"
    REMINDER = "reminder", "Reminder sent"
    RETENTION = "retention", "Kept from erasure, or released"


class AppendOnlyModel(models.Model):
    """A record that is written once and never changed or deleted through the ORM (audit records)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError(f"{self._meta.verbose_name_plural.capitalize()} are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(f"{self._meta.verbose_name_plural.capitalize()} are append-only")


class ReferralEvent(AppendOnlyModel):
    """The case timeline: an append-only record of what happened, written by services."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    actor_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, related_name="+")
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    summary = models.CharField(max_length=300)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["referral", "at"], name="refevent_referral_at_idx")]

    def __str__(self) -> str:
        return f"{self.referral}: {self.summary}"


class AccessAction(models.TextChoices):
    VIEW_CASE = "view_case", "Viewed the case"
    VIEW_HISTORY = "view_history", "Viewed the change history"
    VIEW_SECTION = "view_section", "Viewed a case section"
    EXPORT_CSV = "export_csv", "Exported as CSV"
    EXPORT_PDF = "export_pdf", "Exported as PDF"
    SEARCH = "search", "Found in a search"


class AccessLog(AppendOnlyModel):
    """Who looked at or exported which case, when and from where. Never any case content."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, related_name="+")
    referral = models.ForeignKey(Referral, on_delete=models.SET_NULL, null=True, related_name="+")
    referral_reference = models.CharField(max_length=40, blank=True)
    owner_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, related_name="+")
    action = models.CharField(max_length=20, choices=AccessAction.choices)
    page = models.CharField(max_length=100)
    record_count = models.PositiveIntegerField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["owner_agency", "at"], name="accesslog_owner_at_idx"),
            models.Index(fields=["referral", "at"], name="accesslog_referral_at_idx"),
            # The administrator's filters (selectors.AccessLogFilters): who, and which agency (or any but theirs)
            models.Index(fields=["owner_agency", "user", "at"], name="accesslog_owner_user_at_idx"),
            models.Index(fields=["owner_agency", "agency", "at"], name="accesslog_owner_agency_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.action} {self.referral_reference} at {self.at:%Y-%m-%d %H:%M}"


# --- Youth violence intervention pathway ------------------------------------------------------------


class YVRole(models.TextChoices):
    VICTIM = "victim", "Victim"
    PERPETRATOR = "perpetrator", "Perpetrator"
    AT_RISK = "at_risk", "At risk"
    BOTH = "both", "Both victim and perpetrator"


class IncidentType(models.TextChoices):
    KNIFE_INJURY = "knife_injury", "Knife or sharp object injury"
    GUNSHOT_INJURY = "gunshot_injury", "Gunshot injury"
    OTHER_ASSAULT = "other_assault", "Other assault"
    ROBBERY = "robbery", "Robbery"
    EXPLOITATION = "exploitation", "Criminal exploitation or county lines"


class Weapon(models.TextChoices):
    KNIFE = "knife", "Knife or sharp object"
    FIREARM = "firearm", "Firearm"
    CORROSIVE = "corrosive", "Corrosive substance"
    OTHER = "other", "Other weapon"
    NONE = "none", "No weapon"


class InjurySeverity(models.TextChoices):
    NONE = "none", "No injury"
    MINOR = "minor", "Minor"
    MODERATE = "moderate", "Moderate"
    SERIOUS = "serious", "Serious"
    LIFE_THREATENING = "life_threatening", "Life-threatening"


class IncidentLocation(models.TextChoices):
    HOME = "home", "Home"
    SCHOOL = "school", "School or college"
    STREET = "street", "Street or public space"
    TRANSPORT = "transport", "Public transport"
    ONLINE = "online", "Online"


class Programme(models.TextChoices):
    HOSPITAL_YOUTH_WORK = "hospital_youth_work", "Hospital-based youth work"
    MENTORING = "mentoring", "Mentoring"
    DIVERSION = "diversion", "Diversion or sport"
    FAMILY_SUPPORT = "family_support", "Family support"
    EXPLOITATION_RESPONSE = "exploitation_response", "Exploitation response"


class Engagement(models.TextChoices):
    NOT_CONTACTED = "not_contacted", "Not yet contacted"
    ENGAGED = "engaged", "Engaged"
    PARTIAL = "partial", "Partly engaged"
    DECLINED = "declined", "Declined"
    DISENGAGED = "disengaged", "Disengaged"


class YVOutcome(models.TextChoices):
    ONGOING = "ongoing", "Ongoing"
    COMPLETED = "completed", "Programme completed"
    REDUCED_RISK = "reduced_risk", "Risk reduced"
    REFERRED_ON = "referred_on", "Referred to another service"
    NO_ENGAGEMENT = "no_engagement", "Closed, no engagement"
    MOVED = "moved", "Moved out of area"


YV_MAX_AGE = 25


class YouthViolenceDetail(models.Model):
    """The youth violence intervention details of a referral (under-25s)."""

    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, related_name="youth_violence")
    role = models.CharField("The young person's role", max_length=20, choices=YVRole.choices)
    age_at_referral = models.PositiveSmallIntegerField("Age at referral")
    incident_date = models.DateField(null=True, blank=True)
    incident_type = models.CharField(max_length=30, choices=IncidentType.choices)
    weapon = models.CharField(max_length=20, choices=Weapon.choices)
    injury_severity = models.CharField(max_length=20, choices=InjurySeverity.choices)
    location = models.CharField("Where it happened", max_length=20, choices=IncidentLocation.choices)
    hospital_attended = models.BooleanField("Attended hospital", default=False)
    hospital_name = models.CharField("Which hospital", max_length=200, blank=True)
    hospital_date = models.DateField("Date of hospital attendance", null=True, blank=True)
    programme = models.CharField("Intervention programme", max_length=30, choices=Programme.choices, blank=True)
    engagement = models.CharField(max_length=20, choices=Engagement.choices, default=Engagement.NOT_CONTACTED)
    outcome = models.CharField(max_length=20, choices=YVOutcome.choices, default=YVOutcome.ONGOING)
    next_review_date = models.DateField(null=True, blank=True)
    gang_association = models.BooleanField("Gang association", default=False)
    exploitation = models.BooleanField("Exploitation concerns", default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "youth violence details"
        constraints = [
            models.CheckConstraint(condition=models.Q(age_at_referral__lt=YV_MAX_AGE), name="yv_under_25"),
        ]
        # The reports count an incident type as "referral id in (this index's entries for the type)": an
        # index-only scan hashed once per query, rather than joining every youth violence detail.
        indexes = [models.Index(fields=["incident_type", "referral"], name="yv_incident_referral_idx")]

    def __str__(self) -> str:
        return f"Youth violence details for {self.referral}"

    def clean(self):
        errors = {}
        if self.age_at_referral is not None and self.age_at_referral >= YV_MAX_AGE:
            errors["age_at_referral"] = (
                "The youth violence pathway is for people under 25. Use another pathway for adults 25 and over"
            )
        if self.hospital_attended and not self.hospital_name:
            errors["hospital_name"] = "Enter which hospital they attended"
        if errors:
            raise ValidationError(errors)


# --- Reminders and notifications (issue 6; services in referrals/reminders.py) ----------------------


class ReminderKind(models.TextChoices):
    REFERRAL_DECISION = "referral_decision", "Referral waiting for a decision"
    REFERRAL_DECISION_ESCALATION = "referral_decision_escalation", "Referral decision overdue"
    YV_REVIEW = "yv_review", "Youth violence review due"
    MARAC_IDVA_CONTACT = "marac_idva_contact", "IDVA contact due"
    MARAC_RESEARCH = "marac_research", "MARAC research due"
    MARAC_ACTION_DUE = "marac_action_due", "MARAC action due"
    MARAC_ACTION_OVERDUE = "marac_action_overdue", "MARAC action overdue"
    MARAC_REPEAT_REVIEW = "marac_repeat_review", "12 months since the last MARAC"
    HSB_STRATEGY_DISCUSSION = "hsb_strategy_discussion", "Strategy discussion due"
    HSB_AIM3_REASSESSMENT = "hsb_aim3_reassessment", "AIM3 re-assessment due"
    HSB_REVIEW = "hsb_review", "HSB review due"
    HSB_ORDER_END = "hsb_order_end", "Order ending soon"
    DRAFT_ERASURE = "draft_erasure", "Draft may be deleted"


class ReminderState(models.TextChoices):
    PENDING = "pending", "Waiting"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class Reminder(models.Model):
    """An obligation's reminder: a row written in the same transaction as the obligation, sent once when due.

    It goes to a named person (`user`), or to the members of `agency` holding `role` (any case role when
    blank). `key` is unique, so scheduling the same obligation twice is one reminder, and delivering it
    twice is impossible: the sender re-checks `state` under a row lock. `enqueued_at` records the last
    hand-over to the broker; a row that is still pending long after it is handed over again, so a lost
    message (Redis flushed or restarted) only delays a reminder."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=40, choices=ReminderKind.choices)
    # The case it is about; blank for an obligation about something else (a MARAC meeting's research)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders")
    label = models.CharField(max_length=60, blank=True)  # what it is about when not one case: no personal data
    link = models.CharField(max_length=200, blank=True)  # a path in this service; the case page when blank
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    role = models.CharField(max_length=20, choices=Role.choices, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    due_at = models.DateTimeField()  # when it is sent
    # When what it reminds about is due (a review's day, an action's deadline, the day a draft may be deleted), if
    # that is not when the reminder is sent; blank: the same as due_at (a reminder sent at the deadline itself)
    deadline = models.DateTimeField(null=True, blank=True)
    repeat_days = models.PositiveSmallIntegerField(null=True, blank=True)
    state = models.CharField(max_length=12, choices=ReminderState.choices, default=ReminderState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["due_at"], condition=models.Q(state="pending"), name="reminder_pending_due_idx"),
            models.Index(fields=["referral", "state"], name="reminder_referral_state_idx"),
            models.Index(fields=["failed_at"], condition=models.Q(state="failed"), name="reminder_failed_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(agency__isnull=False) | models.Q(user__isnull=False),
                name="reminder_has_recipient",
            ),
            models.CheckConstraint(
                condition=models.Q(repeat_days__isnull=True) | models.Q(repeat_days__gte=1),
                name="reminder_repeats_at_most_daily",
            ),
            models.CheckConstraint(
                condition=models.Q(referral__isnull=False) | ~models.Q(label=""), name="reminder_is_about_something"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_state_display().lower()})"


class ReminderRule(models.Model):
    """A system administrator's timing for one kind of reminder, over the deployment's defaults
    (settings.SVD_REMINDER_RULES): a blank value keeps the default. It applies to reminders scheduled from then on;
    those already waiting keep their time. The history says who changed what, and when."""

    kind = models.CharField(max_length=40, choices=ReminderKind.choices, unique=True)
    working_days = models.PositiveSmallIntegerField(
        "Working days after the event", null=True, blank=True, validators=[MaxValueValidator(60)]
    )
    working_days_before = models.PositiveSmallIntegerField(
        "Working days before the date", null=True, blank=True, validators=[MaxValueValidator(60)]
    )
    months = models.PositiveSmallIntegerField(
        "Months after", null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    repeat_days = models.PositiveSmallIntegerField(
        "Repeat every so many days while overdue",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    role = models.CharField("Who is reminded", max_length=20, choices=Role.choices, blank=True, null=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    def __str__(self) -> str:
        return self.get_kind_display()


class EmailState(models.TextChoices):
    PENDING = "pending", "Waiting to be emailed"
    DIGEST = "digest", "Waiting for the daily digest"
    SENT = "sent", "Emailed"
    FAILED = "failed", "Email failed"


class Notification(models.Model):
    """One person's copy of a sent reminder: the in-app message and its email. It carries the case reference
    and a link only, never names or case content (the text is built from the kind, reference and due date).

    Not a case record and not audited: an inbox row whose read and email flags are operational. What was
    sent, when and to whom is on the audited Reminder and on the case timeline."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    reminder = models.ForeignKey(Reminder, on_delete=models.CASCADE, related_name="notifications")
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=40, choices=ReminderKind.choices)
    reference = models.CharField(max_length=60)  # the case reference, or the reminder's label
    link = models.CharField(max_length=200, default="")  # a path in this service
    due_at = models.DateTimeField()
    deadline = models.DateTimeField(null=True, blank=True)  # the reminder's (blank: due_at)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    read_at = models.DateTimeField(null=True, blank=True)
    email_state = models.CharField(max_length=12, choices=EmailState.choices, default=EmailState.PENDING)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_next_attempt_at = models.DateTimeField(null=True, blank=True)
    email_enqueued_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "created_at"], name="notif_user_created_idx"),
            models.Index(fields=["user"], condition=models.Q(read_at__isnull=True), name="notif_user_unread_idx"),
            models.Index(
                fields=["created_at"], condition=models.Q(email_state="pending"), name="notif_email_pending_idx"
            ),
            models.Index(fields=["user"], condition=models.Q(email_state="digest"), name="notif_email_digest_idx"),
            models.Index(
                fields=["created_at"], condition=models.Q(email_state="failed"), name="notif_email_failed_idx"
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["reminder", "user"], name="notification_once_per_reminder_user"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.reference}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None

    @property
    def due_by(self) -> datetime.datetime:
        """When what it reminds about is due (the reminder's deadline), not when it was sent."""
        return self.deadline or self.due_at


class NotificationDigest(models.Model):
    """A daily digest email sent to one person: at most one per person per day (the unique constraint)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="digest_once_per_user_day")]

    def __str__(self) -> str:
        return f"Digest for {self.user_id} on {self.day}"


# --- Reports (issue 7): targets, outcome measures and the population setting live in referrals.reporting ---
from referrals.reporting.models import (  # noqa: E402, F401
    OutcomeMeasureEntry,
    PartnershipSetting,
    ReportTally,
    ReportTallyState,
    Target,
)

# --- Retention: rules per pathway and the tombstones of erased cases live in referrals.retention ---------
from referrals.retention.models import ErasureRecord, RetentionHold, RetentionRule  # noqa: E402, F401
