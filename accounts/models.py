import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cohesion import clock
from cohesion.collation import UKRAINIAN


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in. Signs in by email; administrators are superusers."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True, db_collation=UKRAINIAN)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self):
        return self.full_name or self.email

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator")
    DONOR = "donor", _("Donor")
    LEADER = "leader", _("Group leader")


class ProgrammeStaffQuerySet(models.QuerySet):
    """Records about who has access to a programme: for its coordinators and administrators."""

    def visible_to(self, user):
        from accounts.roles import programme_ids

        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(programme__in=programme_ids(user, roles=[Role.COORDINATOR]))


class RoleAssignment(models.Model):
    """A user's role: coordinators and donors hold it over a programme, leaders over one working
    group (the programme is then the group's own, kept for programme-level reads)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="role_assignments",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    programme = models.ForeignKey(
        "communities.Programme",
        on_delete=models.CASCADE,
        related_name="role_assignments",
        verbose_name=_("programme"),
    )
    working_group = models.ForeignKey(
        "workinggroups.WorkingGroup",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("working group"),
    )
    created_at = models.DateTimeField(_("assigned at"), default=clock.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned by"),
    )

    # Who granted or withdrew access, for the programme's activity page.
    history = HistoricalRecords(excluded_fields=["created_at"])
    objects = ProgrammeStaffQuerySet.as_manager()

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "programme"],
                condition=Q(working_group__isnull=True),
                name="role_assignment_unique_per_programme",
            ),
            models.UniqueConstraint(
                fields=["user", "working_group"],
                condition=Q(working_group__isnull=False),
                name="role_assignment_unique_per_group",
            ),
            models.CheckConstraint(
                condition=(Q(role="leader") & Q(working_group__isnull=False))
                | (~Q(role="leader") & Q(working_group__isnull=True)),
                name="role_assignment_leader_has_group",
                violation_error_message=_(
                    "A group leader is assigned to a working group; other roles to a programme."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.working_group or self.programme}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(ProgrammeStaffQuerySet):
    def pending(self):
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=clock.now()
        )


class Invitation(models.Model):
    """A single-use, expiring link that creates an account (or adds a role to one)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")

    email = models.EmailField(_("email address"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    programme = models.ForeignKey(
        "communities.Programme",
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("programme"),
    )
    working_group = models.ForeignKey(
        "workinggroups.WorkingGroup",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invitations",
        verbose_name=_("working group"),
    )
    person = models.ForeignKey(
        "workinggroups.Person",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invitations",
        verbose_name=_("person"),
        help_text=_("The group member this account will belong to, for a leader."),
    )
    # Only the hash is stored, so a database leak gives no usable links. The link's token is
    # derived from the nonce with SECRET_KEY (token_for), so that the email can be sent, or
    # sent again after a broker outage, without the token ever being stored.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token_nonce = models.CharField(max_length=32, blank=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="invitations_sent",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("created at"), default=clock.now)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted by"),
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    # The token's hash and nonce never leave the table, not even into its history.
    history = HistoricalRecords(excluded_fields=["token_hash", "token_nonce", "created_at"])
    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} ({self.get_role_display()})"

    @staticmethod
    def new_nonce() -> str:
        return secrets.token_hex(16)

    @staticmethod
    def token_for(nonce: str) -> str:
        """The link token of an invitation with this nonce: an HMAC under SECRET_KEY."""
        return salted_hmac("cohesion.accounts.invitation", nonce, algorithm="sha256").hexdigest()

    @property
    def status(self) -> str:
        if self.accepted_at:
            return self.Status.ACCEPTED
        if self.revoked_at:
            return self.Status.REVOKED
        if self.expires_at <= clock.now():
            return self.Status.EXPIRED
        return self.Status.PENDING

    def get_status_display(self) -> str:
        return self.Status(self.status).label
