from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.roles import user_roles
from cohesion import clock
from cohesion.collation import ENGLISH, UKRAINIAN
from cohesion.i18n import BilingualNameMixin
from communities.models import search_key


class WorkingGroupQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Administrators see all; coordinators and donors their programmes' groups; leaders
        only the groups they lead."""
        if not user.is_authenticated:
            return self.none()
        roles = user_roles(user)
        if roles.is_admin:
            return self.all()
        return self.filter(
            Q(programme_id__in=roles.coordinator_of | roles.donor_of) | Q(pk__in=roles.leader_of)
        )

    def managed_by(self, user):
        """Groups whose people and meetings the user may see and change: every group of the
        programmes they coordinate, and the groups they lead."""
        if not user.is_authenticated:
            return self.none()
        roles = user_roles(user)
        if roles.is_admin:
            return self.all()
        return self.filter(Q(programme_id__in=roles.coordinator_of) | Q(pk__in=roles.leader_of))


class WorkingGroup(BilingualNameMixin, models.Model):
    """The standing group of a programme in one community, with a lifecycle kept as dated
    records: a group that ceased stays, with the reason, instead of being deleted."""

    class Status(models.TextChoices):
        FORMING = "forming", _("Forming")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        CEASED = "ceased", _("Ceased")
        REESTABLISHED = "reestablished", _("Re-established")
        # After its programme ended: the group goes on as a body of the local authority.
        INDEPENDENT = "independent", _("Continues on its own")

    class Outcome(models.TextChoices):
        """What becomes of a group when its programme is completed (not stored: it is recorded
        as the status the group takes)."""

        CONTINUES = "continues", _("Continues on its own")
        CLOSED = "closed", _("Closed")

    # Statuses in which a group meets within its programme and is expected to; those in which
    # it holds no meetings at all.
    OPERATING = (Status.ACTIVE, Status.REESTABLISHED)
    PAUSED = (Status.SUSPENDED, Status.CEASED)
    # The statuses that say what became of a group after its programme.
    AFTER_PROGRAMME = (Status.CEASED, Status.INDEPENDENT)
    PROGRAMME_COMPLETED = "completed"  # shown only, never stored

    class Cadence(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")
        FORTNIGHTLY = "fortnightly", _("Every two weeks")
        BIMONTHLY = "bimonthly", _("Every two months")
        QUARTERLY = "quarterly", _("Quarterly")

    programme = models.ForeignKey(
        "communities.Programme",
        on_delete=models.PROTECT,
        related_name="working_groups",
        verbose_name=_("programme"),
    )
    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.PROTECT,
        related_name="working_groups",
        verbose_name=_("community"),
    )
    name_uk = models.CharField(_("name (Ukrainian)"), max_length=300, db_collation=UKRAINIAN)
    name_en = models.CharField(_("name (English)"), max_length=300, db_collation=ENGLISH)
    established_on = models.DateField(_("established on"), null=True, blank=True)
    terms_of_reference = models.TextField(_("terms of reference"), blank=True)
    meeting_cadence = models.CharField(
        _("meeting cadence"), max_length=16, choices=Cadence.choices, default=Cadence.MONTHLY
    )
    # The current status; its dated history is in GroupStatusChange.
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.FORMING
    )

    history = HistoricalRecords()
    objects = WorkingGroupQuerySet.as_manager()

    class Meta:
        verbose_name = _("working group")
        verbose_name_plural = _("working groups")
        ordering = ["programme", "community__name_uk"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "community"],
                name="working_group_one_per_programme_community",
                violation_error_message=_(
                    "This community already has a working group in the programme."
                ),
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("workinggroups:detail", args=[self.pk])

    @property
    def is_operating(self) -> bool:
        return self.status in self.OPERATING

    @classmethod
    def status_shown(cls, status: str, programme_completed: bool) -> str:
        """The status pages show: once the programme is completed, a group whose outcome is
        not recorded yet shows as "programme completed", never as still active."""
        if programme_completed and status not in cls.AFTER_PROGRAMME:
            return cls.PROGRAMME_COMPLETED
        return status

    @classmethod
    def status_shown_label(cls, shown: str) -> str:
        if shown == cls.PROGRAMME_COMPLETED:
            return _("Programme completed")
        return cls.Status(shown).label

    @property
    def shown_status(self) -> str:
        return self.status_shown(self.status, self.programme.is_completed)

    @property
    def shown_status_label(self) -> str:
        return self.status_shown_label(self.shown_status)


class GroupStatusChange(models.Model):
    """One dated step in a group's lifecycle, with its reason."""

    class Reason(models.TextChoices):
        LAUNCH = "launch", _("Launch")
        OCCUPATION = "occupation", _("Occupation")
        HOSTILITIES = "hostilities", _("Active hostilities")
        SECURITY = "security", _("Security situation")
        MERGED = "merged", _("Merged with another group")
        FUNDING = "funding", _("Funding ended")
        DEOCCUPATION = "deoccupation", _("De-occupation")
        RESUMED = "resumed", _("Work resumed")
        PROGRAMME_ENDED = "programme_ended", _("The programme ended")
        OTHER = "other", _("Other")

    group = models.ForeignKey(
        WorkingGroup,
        on_delete=models.CASCADE,
        related_name="status_changes",
        verbose_name=_("working group"),
    )
    status = models.CharField(_("status"), max_length=16, choices=WorkingGroup.Status.choices)
    changed_on = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=clock.now)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["group", "changed_on", "recorded_at"]
        indexes = [models.Index(fields=["group", "changed_on"])]

    def __str__(self):
        return f"{self.group} · {self.get_status_display()} · {self.changed_on}"


class AgeBand(models.Model):
    """A band of ages for a programme's disaggregation. A programme without its own bands uses
    the default set (programme empty), which covers every age."""

    programme = models.ForeignKey(
        "communities.Programme",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="age_bands",
        verbose_name=_("programme"),
    )
    min_age = models.PositiveSmallIntegerField(_("from age"))
    max_age = models.PositiveSmallIntegerField(
        _("to age"), null=True, blank=True, help_text=_("Empty for no upper limit.")
    )

    class Meta:
        verbose_name = _("age band")
        verbose_name_plural = _("age bands")
        ordering = ["programme", "min_age"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "min_age"],
                condition=Q(programme__isnull=False),
                name="age_band_unique_start",
            ),
            models.UniqueConstraint(
                fields=["min_age"],
                condition=Q(programme__isnull=True),
                name="age_band_default_unique_start",
            ),
            models.CheckConstraint(
                condition=Q(max_age__isnull=True) | Q(max_age__gte=models.F("min_age")),
                name="age_band_ordered",
                violation_error_message=_("An age band cannot end before it starts."),
            ),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        if self.max_age is None:
            return _("%(age)s and older") % {"age": self.min_age}
        if self.min_age == 0:
            return _("under %(age)s") % {"age": self.max_age + 1}
        return f"{self.min_age}–{self.max_age}"

    def contains(self, age: int) -> bool:
        return self.min_age <= age and (self.max_age is None or age <= self.max_age)


class CompositionTarget(models.Model):
    """A balance target a programme sets for every group: a minimum share or count."""

    class Measure(models.TextChoices):
        WOMEN_SHARE = "women_share", _("Women, minimum share (%)")
        YOUTH_SHARE = "youth_share", _("Young people, minimum share (%)")
        VETERANS = "veterans", _("Veterans or servicepeople, minimum number")
        IDPS = "idps", _("Internally displaced people, minimum number")
        DISABILITY = "disability", _("People with disabilities, minimum number")
        MEMBERS = "members", _("Members, minimum number")

    programme = models.ForeignKey(
        "communities.Programme",
        on_delete=models.CASCADE,
        related_name="composition_targets",
        verbose_name=_("programme"),
    )
    measure = models.CharField(_("measure"), max_length=16, choices=Measure.choices)
    threshold = models.PositiveSmallIntegerField(_("threshold"))

    class Meta:
        verbose_name = _("composition target")
        verbose_name_plural = _("composition targets")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "measure"],
                name="composition_target_unique",
                violation_error_message=_("The programme already has a target for this."),
            ),
            models.CheckConstraint(
                condition=~Q(measure__in=["women_share", "youth_share"]) | Q(threshold__lte=100),
                name="composition_target_share_max_100",
                violation_error_message=_("A share cannot exceed 100 %."),
            ),
        ]

    def __str__(self):
        return f"{self.get_measure_display()}: {self.threshold}"


class PersonQuerySet(models.QuerySet):
    def similar_to(self, *, full_name: str, birth_year: int | None, community_id: int | None):
        """People who look like the same person: same name (any case) and birth year, and the
        same community of residence where both are known."""
        matches = self.filter(name_key=search_key(full_name))
        if birth_year:
            matches = matches.filter(Q(birth_year=birth_year) | Q(birth_year__isnull=True))
        if community_id:
            matches = matches.filter(Q(community_id=community_id) | Q(community__isnull=True))
        return matches


class Person(models.Model):
    """Someone who takes part. Personal data: only coordinators and their own leaders see it."""

    class Sex(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        NOT_STATED = "not_stated", _("Not stated")

    full_name = models.CharField(_("full name"), max_length=200, db_collation=UKRAINIAN)
    # The name case-folded: SQLite folds only ASCII case, so matching "ОКСАНА" to "Оксана"
    # works the same on both databases only against a pre-folded column.
    # Case folding can lengthen text (ß becomes ss), so the key has room to spare.
    name_key = models.CharField(max_length=600, editable=False, db_index=True, default="")
    sex = models.CharField(_("sex"), max_length=12, choices=Sex.choices)
    birth_year = models.PositiveSmallIntegerField(
        _("year of birth"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="residents",
        verbose_name=_("community of residence"),
    )
    is_veteran = models.BooleanField(_("veteran or serviceperson"), default=False)
    is_idp = models.BooleanField(_("internally displaced"), default=False)
    has_disability = models.BooleanField(_("person with a disability"), default=False)
    other_vulnerability = models.CharField(_("other vulnerability"), max_length=200, blank=True)
    consent_given_on = models.DateField(_("consent given on"), null=True, blank=True)
    consent_purpose = models.CharField(_("purpose of consent"), max_length=300, blank=True)
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("consent recorded by"),
    )
    # A leader signs in: linking gives them the leader role while their membership is open.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
        verbose_name=_("user account"),
    )
    created_at = models.DateTimeField(_("created at"), default=clock.now)

    history = HistoricalRecords(excluded_fields=["created_at", "name_key"])
    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["full_name"]
        indexes = [models.Index(fields=["full_name", "birth_year"])]

    def __str__(self):
        return self.full_name

    def save(self, *args, **kwargs):
        self.name_key = search_key(self.full_name)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "name_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("workinggroups:person_detail", args=[self.pk])

    def age_in(self, year: int) -> int | None:
        return year - self.birth_year if self.birth_year else None

    @property
    def is_minor(self) -> bool:
        age = self.age_in(clock.today().year)
        return age is not None and age < 18


class MembershipQuerySet(models.QuerySet):
    def current(self):
        return self.filter(left_on__isnull=True)

    def visible_to(self, user):
        """Memberships of the groups the user manages; donors see none."""
        return self.filter(group__in=WorkingGroup.objects.managed_by(user))


class Membership(models.Model):
    """A person's seat in a group, from joining to leaving; leaving keeps the record."""

    class Role(models.TextChoices):
        LEADER = "leader", _("Leader")
        DEPUTY = "deputy", _("Deputy")
        SECRETARY = "secretary", _("Secretary")
        MEMBER = "member", _("Member")

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("person")
    )
    group = models.ForeignKey(
        WorkingGroup,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("working group"),
    )
    category = models.ForeignKey(
        "communities.StakeholderCategory",
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("stakeholder category"),
    )
    organisation = models.ForeignKey(
        "communities.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("organisation represented"),
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.MEMBER)
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    left_reason = models.CharField(_("reason for leaving"), max_length=300, blank=True)

    history = HistoricalRecords()
    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["group", "person__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "group"],
                condition=Q(left_on__isnull=True),
                name="membership_one_open_per_person_group",
                violation_error_message=_("This person is already a member of the group."),
            ),
            models.UniqueConstraint(
                fields=["group"],
                condition=Q(left_on__isnull=True, role="leader"),
                name="membership_one_leader_per_group",
                violation_error_message=_("The group already has a leader."),
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="membership_period_ordered",
                violation_error_message=_("A member cannot leave before joining."),
            ),
        ]

    def __str__(self):
        return f"{self.person} · {self.group}"

    @property
    def is_current(self) -> bool:
        return self.left_on is None


class ImportColumn(models.Model):
    """How a programme's coordinators mapped a column of their own member lists (by its
    header, case-folded) to a field: proposed again for the next file with that header."""

    programme = models.ForeignKey(
        "communities.Programme",
        on_delete=models.CASCADE,
        related_name="import_columns",
        verbose_name=_("programme"),
    )
    kind = models.CharField(_("kind"), max_length=16, default="members")
    header = models.CharField(_("column header"), max_length=200)
    # A field key of workinggroups.imports.COLUMNS, or "" for a column to leave out.
    field = models.CharField(_("field"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("import column")
        verbose_name_plural = _("import columns")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "kind", "header"], name="import_column_once"
            ),
        ]

    def __str__(self):
        return f"{self.header} → {self.field or '—'}"


class ImportJob(models.Model):
    """A file of people on its way in: read at upload, its columns and words mapped by the
    coordinator, checked row by row on a worker (the preview), then saved all or nothing on a
    worker. It holds people's data, so it is the uploader's alone and is deleted a day after
    upload (workinggroups.tasks.purge_imports)."""

    class Kind(models.TextChoices):
        MEMBERS = "members", _("Members of a working group")
        PARTICIPANTS = "participants", _("Participants of an event")

    class Status(models.TextChoices):
        COLUMNS = "columns", _("Columns to map")
        VALUES = "values", _("Words to map")
        CHECK_QUEUED = "check_queued", _("Waiting to be checked")
        CHECKING = "checking", _("Being checked")
        CHECKED = "checked", _("Checked")
        SAVE_QUEUED = "save_queued", _("Waiting to be saved")
        SAVING = "saving", _("Being saved")
        SAVED = "saved", _("Saved")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    programme = models.ForeignKey(
        "communities.Programme",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("programme"),
    )
    # The group (members) or the event (participants) the people go to.
    target_id = models.PositiveIntegerField(_("imported into"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded at"), default=clock.now)
    language = models.CharField(_("language"), max_length=8, default="uk")
    file_name = models.CharField(_("file"), max_length=200)
    # The file as uploaded, to read again with another encoding or separator.
    content = models.BinaryField(_("content"))
    encoding = models.CharField(_("encoding"), max_length=16, blank=True)
    delimiter = models.CharField(_("separator"), max_length=4, blank=True)
    # The file's row number of the first row below the headers (counted from 1).
    first_row = models.PositiveIntegerField(default=2)
    headers = models.JSONField(default=list)
    rows = models.JSONField(default=list)
    # Each column's field key, or None to leave it out.
    mapping = models.JSONField(default=list)
    # {field: {word as compared: value}}: the words of coded columns and what they mean.
    values = models.JSONField(default=dict)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.COLUMNS
    )
    progress = models.PositiveSmallIntegerField(_("progress, %"), default=0)
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    # Counts by outcome after the check, and what the save did.
    summary = models.JSONField(default=dict)
    # Why the file as a whole cannot be saved (the group ceased), or what changed meanwhile.
    problem = models.CharField(_("problem"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.file_name}"

    def get_absolute_url(self):
        return reverse("workinggroups:import_job", args=[self.pk])

    @property
    def is_working(self) -> bool:
        return self.status in {
            self.Status.CHECK_QUEUED,
            self.Status.CHECKING,
            self.Status.SAVE_QUEUED,
            self.Status.SAVING,
        }


class ImportOutcome(models.Model):
    """What the check found for one row of an import: who it is, and what saving would do."""

    class Outcome(models.TextChoices):
        NEW = "new", _("New person")
        MATCHED = "matched", _("On record")
        UPDATED = "updated", _("On record, updated")
        ALREADY = "already", _("Already on the list")
        REFUSED = "refused", _("Refused")

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="outcomes")
    row = models.PositiveIntegerField(_("row"))
    name = models.CharField(_("name"), max_length=200, blank=True)
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices)
    # In the uploader's language: the reason for a match, the fields updated, the mistakes.
    detail = models.TextField(_("detail"), blank=True)
    # For a refused row: [[column label, message], ...], for the file with its mistakes.
    errors = models.JSONField(default=list)

    class Meta:
        verbose_name = _("import row")
        verbose_name_plural = _("import rows")
        ordering = ["row"]
        indexes = [models.Index(fields=["job", "outcome", "row"])]

    def __str__(self):
        return f"{self.row}: {self.get_outcome_display()}"


class ImportValue(models.Model):
    """How a programme's coordinators read a word of a coded column (sex, role, category,
    yes/no, organisation) in their files: proposed again for the next file."""

    programme = models.ForeignKey(
        "communities.Programme",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("programme"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ImportJob.Kind.choices)
    field = models.CharField(_("field"), max_length=40)
    word = models.CharField(_("word"), max_length=200)
    value = models.CharField(_("value"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("import word")
        verbose_name_plural = _("import words")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "kind", "field", "word"], name="import_value_once"
            ),
        ]

    def __str__(self):
        return f"{self.field}: {self.word} → {self.value or '—'}"
