"""Who people are: agencies, users (log in by email) and their membership of one agency with roles."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, Group, PermissionsMixin
from django.db import models
from django.utils import timezone


class AgencyKind(models.TextChoices):
    POLICE = "police", "Police"
    CHILDRENS_SOCIAL_CARE = "childrens_social_care", "Local authority children's services"
    ADULT_SOCIAL_CARE = "adult_social_care", "Adult social care"
    HOUSING = "housing", "Housing"
    FIRE = "fire", "Fire and rescue"
    ICB = "icb", "Integrated care board"
    ACUTE_TRUST = "acute_trust", "Acute hospital trust"
    MENTAL_HEALTH = "mental_health", "Mental health trust"
    PRIMARY_CARE = "primary_care", "Primary care"
    YOUTH_JUSTICE = "youth_justice", "Youth justice service"
    PROBATION = "probation", "Probation"
    EDUCATION = "education", "Education"
    PRISON = "prison", "Prison"
    YOUTH_CUSTODY = "youth_custody", "Youth custody"
    IDVA = "idva", "IDVA / voluntary sector"
    COMMUNITY_SAFETY = "community_safety", "Local authority community safety"


# Kinds whose information is health or social care: the Serious Violence Duty's sharing power (s16)
# does not cover it, so sharing such a case outward needs its own recorded lawful basis.
HEALTH_AND_SOCIAL_CARE_KINDS = frozenset(
    {
        AgencyKind.CHILDRENS_SOCIAL_CARE,
        AgencyKind.ADULT_SOCIAL_CARE,
        AgencyKind.ICB,
        AgencyKind.ACUTE_TRUST,
        AgencyKind.MENTAL_HEALTH,
        AgencyKind.PRIMARY_CARE,
    }
)


class DutyStatus(models.TextChoices):
    SPECIFIED = "specified", "Specified authority under the Serious Violence Duty"
    RELEVANT = "relevant", "Co-operating relevant authority"
    PARTNER = "partner", "Other partner (not under the duty)"


class Agency(models.Model):
    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(max_length=30, unique=True)
    kind = models.CharField(max_length=40, choices=AgencyKind.choices)
    duty_status = models.CharField(max_length=20, choices=DutyStatus.choices, default=DutyStatus.SPECIFIED)
    is_active = models.BooleanField(default=True)
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="agency", editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name

    @property
    def is_health_or_social_care(self) -> bool:
        return self.kind in HEALTH_AND_SOCIAL_CARE_KINDS


class Role(models.TextChoices):
    CASEWORKER = "caseworker", "Caseworker"
    COORDINATOR = "coordinator", "MARAC or pathway coordinator"
    MANAGER = "manager", "Manager"
    AGENCY_ADMIN = "agency_admin", "Agency administrator"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra):
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class NotificationPreference(models.TextChoices):
    IMMEDIATE = "immediate", "An email for each reminder"
    DIGEST = "digest", "One email a day with everything due"


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in. Their agency and roles are on `membership`; system administrators have none."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150)
    job_title = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="System administrator: may manage agencies.")
    is_demo = models.BooleanField(default=False, editable=False)
    notification_preference = models.CharField(
        max_length=20, choices=NotificationPreference.choices, default=NotificationPreference.IMMEDIATE
    )
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name"]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>"

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def agency(self) -> Agency | None:
        membership = getattr(self, "membership", None)
        return membership.agency if membership else None

    @property
    def agency_name(self) -> str:
        agency = self.agency
        return agency.name if agency else ""


class Membership(models.Model):
    """A user's place in one agency, with the roles they hold there."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="membership")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="memberships")
    is_caseworker = models.BooleanField(default=False)
    is_coordinator = models.BooleanField(default=False)
    is_manager = models.BooleanField(default=False)
    is_agency_admin = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        indexes = [models.Index(fields=["agency", "is_coordinator"], name="membership_agency_coord_idx")]

    def __str__(self) -> str:
        return f"{self.user} at {self.agency}"

    ROLE_FIELDS = {
        Role.CASEWORKER: "is_caseworker",
        Role.COORDINATOR: "is_coordinator",
        Role.MANAGER: "is_manager",
        Role.AGENCY_ADMIN: "is_agency_admin",
    }

    @property
    def roles(self) -> list[Role]:
        return [role for role, attr in self.ROLE_FIELDS.items() if getattr(self, attr)]

    def has_role(self, role: Role) -> bool:
        return bool(getattr(self, self.ROLE_FIELDS[Role(role)]))
