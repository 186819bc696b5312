import datetime

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.roles import programme_ids, user_roles
from cohesion import clock
from cohesion.collation import ENGLISH, UKRAINIAN
from cohesion.i18n import BilingualNameMixin, pick
from cohesion.text import clean_line


def search_key(text: str) -> str:
    """Case-folded single-line text (cohesion.text.clean_line) with the apostrophe variants of
    Ukrainian spelling made one."""
    text = clean_line(text)
    for apostrophe in "’ʼ`‘":
        text = text.replace(apostrophe, "'")
    return text.casefold()


# IATI identifiers may not hold spaces or the characters "/", "&", "|" and "?" (IATI Standard
# 2.03, "Organisation identifiers" and "Activity identifiers").
iati_identifier_validator = RegexValidator(
    r"^[^\s/&|?]+$",
    _("An IATI identifier has no spaces and none of the characters / & | ?"),
)


class ReferenceQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Reference data from the public registry: any signed-in user may read it."""
        return self.all() if user.is_authenticated else self.none()


class Region(BilingualNameMixin, models.Model):
    """A first-level unit of the KATOTTH codifier: an oblast, Crimea, or Kyiv or Sevastopol."""

    class Kind(models.TextChoices):
        OBLAST = "oblast", _("Oblast")
        AUTONOMOUS_REPUBLIC = "autonomous_republic", _("Autonomous republic")
        SPECIAL_CITY = "special_city", _("City with special status")

    code = models.CharField(_("KATOTTH code"), max_length=19, unique=True)
    name_uk = models.CharField(_("name (Ukrainian)"), max_length=200, db_collation=UKRAINIAN)
    name_en = models.CharField(_("name (English)"), max_length=200, db_collation=ENGLISH)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices, default=Kind.OBLAST)
    # OCHA's P-code (COD-AB) for the same unit, loaded from the table an administrator
    # downloads (manage.py load_pcodes); blank until then, never worked out from the KATOTTH code.
    pcode = models.CharField(_("P-code"), max_length=20, blank=True, default="")

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]


class Raion(BilingualNameMixin, models.Model):
    """A district of a region (second level of the codifier)."""

    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, related_name="raions", verbose_name=_("region")
    )
    code = models.CharField(_("KATOTTH code"), max_length=19, unique=True)
    name_uk = models.CharField(_("name (Ukrainian)"), max_length=200, db_collation=UKRAINIAN)
    name_en = models.CharField(_("name (English)"), max_length=200, db_collation=ENGLISH)
    # OCHA's P-code (COD-AB) for the same unit, loaded from the table an administrator
    # downloads (manage.py load_pcodes); blank until then, never worked out from the KATOTTH code.
    pcode = models.CharField(_("P-code"), max_length=20, blank=True, default="")

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("raion")
        verbose_name_plural = _("raions")
        ordering = ["code"]


class CommunityQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff see the whole directory (they enrol from it); others see their programmes'."""
        if not user.is_authenticated:
            return self.none()
        roles = user_roles(user)
        if roles.is_coordinator:
            return self.all()
        # Withdrawn communities stay visible: their history is part of the programme's record.
        return self.filter(
            pk__in=Enrolment.objects.filter(programme__in=programme_ids(user)).values(
                "community_id"
            )
        )

    def search(self, text: str):
        text = search_key(text)
        return self.filter(search_text__contains=text) if text else self


class Community(BilingualNameMixin, models.Model):
    """A territorial community (hromada)."""

    class Kind(models.TextChoices):
        URBAN = "urban", _("Urban")
        SETTLEMENT = "settlement", _("Settlement")
        RURAL = "rural", _("Rural")
        SPECIAL_CITY = "special_city", _("City with special status")

    class Status(models.TextChoices):
        ACCESSIBLE = "accessible", _("Accessible")
        FRONTLINE = "frontline", _("Frontline")
        OCCUPIED = "occupied", _("Occupied")
        DEOCCUPIED = "deoccupied", _("De-occupied")

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="communities", verbose_name=_("region")
    )
    raion = models.ForeignKey(
        Raion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="communities",
        verbose_name=_("raion"),
    )
    katotth_code = models.CharField(
        _("KATOTTH code"), max_length=19, unique=True, null=True, blank=True
    )
    pcode = models.CharField(
        _("P-code"),
        max_length=20,
        blank=True,
        default="",
        help_text=_("OCHA's code for the community (COD-AB), loaded from OCHA's table."),
    )
    name_uk = models.CharField(_("name (Ukrainian)"), max_length=200, db_collation=UKRAINIAN)
    name_en = models.CharField(_("name (English)"), max_length=200, db_collation=ENGLISH)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, blank=True)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACCESSIBLE
    )
    status_note = models.CharField(_("status note"), max_length=300, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    # Lower-cased names and code: SQLite's LIKE folds only ASCII case, so Cyrillic search
    # works the same on both databases only against a pre-folded column.
    search_text = models.CharField(max_length=500, editable=False, db_index=False, default="")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CommunityQuerySet.as_manager()

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["region__code", "name_uk"]
        indexes = [models.Index(fields=["status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["pcode"],
                condition=~Q(pcode=""),
                name="community_unique_pcode",
                violation_error_message=_("Another community has this P-code."),
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="community_latitude_range",
                violation_error_message=_("Latitude must be between -90 and 90."),
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="community_longitude_range",
                violation_error_message=_("Longitude must be between -180 and 180."),
            ),
        ]

    def save(self, *args, **kwargs):
        self.search_text = self.build_search_text()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("communities:community_detail", args=[self.pk])

    def build_search_text(self) -> str:
        return search_key(
            f"{self.name_uk} | {self.name_en} | {self.katotth_code or ''} | {self.pcode}"
        )

    @property
    def full_name(self) -> str:
        # Hromada names in the codifier are adjectives ("Баранівська"): add the noun.
        if self.kind == self.Kind.SPECIAL_CITY:
            return self.name
        return gettext("%(name)s hromada") % {"name": self.name}


class OrganisationQuerySet(ReferenceQuerySet):
    def by_name(self) -> dict[str, list]:
        """Every organisation under each of its names (case-folded, apostrophes made one):
        what a name typed in a file or a form may mean. A short name such as "ЦНАП" is many
        organisations'; see the_one."""
        names: dict[str, list] = {}
        for organisation in self.order_by("pk"):
            for name in {organisation.name_uk, organisation.name_en, organisation.short_name}:
                if name:
                    names.setdefault(search_key(name).strip(" .:*"), []).append(organisation)
        return names

    @staticmethod
    def the_one(candidates: list, community=None):
        """The organisation a name means, or None when it means none or several: one of the
        community's own comes first; otherwise only a name that is one organisation's."""
        if community is not None:
            local = [o for o in candidates if o.community_id == community.pk]
            if len(local) == 1:
                return local[0]
        return candidates[0] if len(candidates) == 1 else None

    def editable_by(self, user):
        """Administrators edit all; a coordinator edits organisations that no programme outside
        their own relies on, so that one programme cannot rename another's donor or partner."""
        roles = user_roles(user)
        if roles.is_admin:
            return self.all()
        if not roles.is_coordinator:
            return self.none()
        others = Programme.objects.exclude(pk__in=roles.coordinator_of)
        return (
            self.exclude(pk__in=others.values("implementing_partner"))
            .exclude(pk__in=others.filter(donors__isnull=False).values("donors"))
            .exclude(pk__in=others.filter(partners__isnull=False).values("partners"))
        )


class IatiOrganisationType(models.TextChoices):
    """The IATI OrganisationType codelist (IATI Standard 2.03)."""

    GOVERNMENT = "10", _("Government")
    LOCAL_GOVERNMENT = "11", _("Local government")
    OTHER_PUBLIC_SECTOR = "15", _("Other public sector")
    INTERNATIONAL_NGO = "21", _("International NGO")
    NATIONAL_NGO = "22", _("National NGO")
    REGIONAL_NGO = "23", _("Regional NGO")
    PARTNER_COUNTRY_NGO = "24", _("Partner country based NGO")
    PUBLIC_PRIVATE_PARTNERSHIP = "30", _("Public private partnership")
    MULTILATERAL = "40", _("Multilateral")
    FOUNDATION = "60", _("Foundation")
    PRIVATE_SECTOR = "70", _("Private sector")
    ACADEMIC = "80", _("Academic, training and research")
    OTHER = "90", _("Other")


class Organisation(BilingualNameMixin, models.Model):
    """A body that takes part in or funds the work: a council, the police, a donor, a CSO."""

    class Kind(models.TextChoices):
        LOCAL_GOVERNMENT = "local_government", _("Local government")
        POLICE = "police", _("Police")
        SES = "ses", _("State Emergency Service")
        MILITARY_ADMINISTRATION = "military_administration", _("Military administration")
        CSO = "cso", _("Civil society organisation")
        CHARITY = "charity", _("Charity")
        VOLUNTEER_INITIATIVE = "volunteer_initiative", _("Volunteer initiative")
        YOUTH_ORGANISATION = "youth_organisation", _("Youth organisation")
        VETERAN_ORGANISATION = "veteran_organisation", _("Veteran organisation")
        BUSINESS = "business", _("Business")
        SCHOOL = "school", _("School")
        DONOR = "donor", _("Donor")
        UN_AGENCY = "un_agency", _("UN agency")
        IMPLEMENTING_PARTNER = "implementing_partner", _("Implementing partner")
        OTHER = "other", _("Other")

    name_uk = models.CharField(_("name (Ukrainian)"), max_length=300, db_collation=UKRAINIAN)
    name_en = models.CharField(_("name (English)"), max_length=300, db_collation=ENGLISH)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    community = models.ForeignKey(
        Community,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="organisations",
        verbose_name=_("community"),
    )
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)
    # What the IATI files of the programmes it implements or funds need (dashboards.iati):
    # left blank until someone who knows them fills them in, never made up.
    iati_identifier = models.CharField(
        _("IATI organisation identifier"),
        max_length=100,
        blank=True,
        validators=[iati_identifier_validator],
        help_text=_(
            "As registered with IATI, for example XM-DAC-41114 or UA-EDR-12345678 "
            "(the registration agency's prefix, then the number)."
        ),
    )
    iati_type = models.CharField(
        _("IATI organisation type"),
        max_length=2,
        choices=IatiOrganisationType.choices,
        blank=True,
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name_uk"]
        constraints = [
            models.UniqueConstraint(
                fields=["name_uk", "kind"],
                name="organisation_unique_name",
                violation_error_message=_("An organisation of this kind with this name exists."),
            ),
        ]

    def get_absolute_url(self):
        return reverse("communities:organisation_detail", args=[self.pk])


class StakeholderCategory(BilingualNameMixin, models.Model):
    """A part of the community a working group must hear from (police, youth, veterans...)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_uk = models.CharField(_("name (Ukrainian)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("stakeholder category")
        verbose_name_plural = _("stakeholder categories")
        ordering = ["position", "code"]


def completed_q(today, prefix: str = "") -> Q:
    """Programmes completed by `today`: past their last day, the day a coordinator closed them
    early or else their end date (closed_on is never after end_date, by constraint).
    `prefix` reaches the programme from another model ("programme__", "group__programme__")."""
    return Q(**{f"{prefix}closed_on__lt": today}) | Q(**{f"{prefix}end_date__lt": today})


class ProgrammeQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Administrators see all; everyone else the programmes they hold a role in."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(pk__in=programme_ids(user))

    def public(self):
        """The programmes their coordinators publish on the public site: anyone may read them."""
        return self.filter(is_public=True)

    def completed(self, today):
        return self.filter(completed_q(today))

    def running(self, today):
        return self.filter(start_date__lte=today).exclude(completed_q(today))


class Programme(models.Model):
    """A funded project run by an implementing partner in a set of communities."""

    title_uk = models.CharField(_("title (Ukrainian)"), max_length=300, db_collation=UKRAINIAN)
    title_en = models.CharField(_("title (English)"), max_length=300, db_collation=ENGLISH)
    summary_uk = models.TextField(_("summary (Ukrainian)"), blank=True)
    summary_en = models.TextField(_("summary (English)"), blank=True)
    implementing_partner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="programmes_implemented",
        verbose_name=_("implementing partner"),
    )
    donors = models.ManyToManyField(
        Organisation, related_name="programmes_funded", blank=True, verbose_name=_("donors")
    )
    partners = models.ManyToManyField(
        Organisation,
        related_name="programmes_partnered",
        blank=True,
        verbose_name=_("other partners"),
        help_text=_("UN agencies and other bodies that assist the programme."),
    )
    framework = models.CharField(
        _("framework"),
        max_length=300,
        blank=True,
        help_text=_("The wider programme this project belongs to."),
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    required_categories = models.ManyToManyField(
        StakeholderCategory,
        blank=True,
        related_name="programmes",
        verbose_name=_("required stakeholder categories"),
        help_text=_("Every working group of the programme must include these."),
    )
    communities = models.ManyToManyField(
        Community, through="Enrolment", related_name="programmes", verbose_name=_("communities")
    )
    youth_max_age = models.PositiveSmallIntegerField(
        _("young people are aged up to"),
        default=35,
        help_text=_("Members up to this age count as young people in group composition."),
    )
    # The public site: what the programme does, where and with whom, and the form to apply.
    is_public = models.BooleanField(
        _("shown on the public site"),
        default=False,
        help_text=_("Anyone can read the programme's page and apply to take part."),
    )
    publishes_plans = models.BooleanField(
        _("publishes approved safety plans"),
        default=False,
        help_text=_("The PDFs of approved safety plans can be downloaded from the public page."),
    )
    # Closed before its end date by a coordinator (funding cut, say); the planned period stays
    # on record beside it. Either way a programme is completed the day after its last day.
    closed_on = models.DateField(
        _("closed early on"),
        null=True,
        blank=True,
        help_text=_("The programme's last day, when it closed before its end date."),
    )
    closure_reason = models.CharField(_("why it closed early"), max_length=500, blank=True)
    iati_identifier = models.CharField(
        _("IATI activity identifier"),
        max_length=150,
        blank=True,
        validators=[iati_identifier_validator],
        help_text=_(
            "The implementing partner's IATI organisation identifier, a hyphen, then the "
            "partner's own code for the programme. Needed for the IATI file."
        ),
    )
    created_at = models.DateTimeField(_("created at"), default=clock.now)

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["-start_date", "title_uk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="programme_period_ordered",
                violation_error_message=_("The programme cannot end before it starts."),
            ),
            models.UniqueConstraint(
                fields=["iati_identifier"],
                condition=~Q(iati_identifier=""),
                name="programme_unique_iati_identifier",
                violation_error_message=_("Another programme has this IATI activity identifier."),
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True)
                | Q(closed_on__gte=models.F("start_date"), closed_on__lte=models.F("end_date")),
                name="programme_closed_within_period",
                violation_error_message=_("A programme closes early within its period."),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("communities:programme_detail", args=[self.pk])

    @property
    def title(self) -> str:
        return pick(self.title_uk, self.title_en)

    @property
    def summary(self) -> str:
        return pick(self.summary_uk, self.summary_en)

    @property
    def ends_on(self) -> datetime.date:
        """The programme's last day: the day it closed early, else its end date."""
        return self.closed_on or self.end_date

    def completed_by(self, today: datetime.date) -> bool:
        """Completed from the day after its last day (the one definition; see completed_q)."""
        return self.ends_on < today

    def running_on(self, today: datetime.date) -> bool:
        return self.start_date <= today and not self.completed_by(today)

    def deadlines_on(self, today: datetime.date) -> datetime.date | None:
        """The day against which actions count as overdue: today while the programme runs;
        None once it is completed, when its deadlines are nobody's to chase any more."""
        return None if self.completed_by(today) else today

    @property
    def is_completed(self) -> bool:
        return self.completed_by(clock.today())

    @property
    def is_running(self) -> bool:
        return self.running_on(clock.today())


class EnrolmentQuerySet(models.QuerySet):
    def current(self):
        return self.filter(withdrawn_on__isnull=True)

    def search(self, text: str):
        """Enrolments of the communities whose name or KATOTTH code matches (Community.search)."""
        return self.filter(community__in=Community.objects.search(text))


class Enrolment(models.Model):
    """A community's part in a programme, from enrolment to withdrawal; never deleted."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="enrolments", verbose_name=_("programme")
    )
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("community")
    )
    enrolled_on = models.DateField(_("enrolled on"))
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdrawal_reason = models.CharField(_("reason for withdrawal"), max_length=300, blank=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["community__name_uk", "-enrolled_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "community"],
                condition=Q(withdrawn_on__isnull=True),
                name="enrolment_one_open_per_community",
                violation_error_message=_("This community is already enrolled in the programme."),
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True)
                | Q(withdrawn_on__gte=models.F("enrolled_on")),
                name="enrolment_period_ordered",
                violation_error_message=_("A community cannot be withdrawn before it enrolled."),
            ),
        ]

    def __str__(self):
        return f"{self.community} · {self.programme}"

    @property
    def is_current(self) -> bool:
        return self.withdrawn_on is None
