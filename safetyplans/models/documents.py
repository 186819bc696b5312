"""The PDFs of approved versions."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cohesion import clock
from cohesion.storage import private_storage
from safetyplans.models.plans import PlanVersion


class PlanDocument(models.Model):
    """The PDF of an approved version in one language, rendered once by a Celery task."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be rendered")
        RENDERING = "rendering", _("Rendering")
        READY = "ready", _("Ready")
        FAILED = "failed", pgettext_lazy("PDF", "Failed")

    version = models.ForeignKey(
        PlanVersion, on_delete=models.CASCADE, related_name="documents", verbose_name=_("version")
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress, %"), default=0)
    file = models.FileField(
        _("file"), upload_to="plans/%Y/", storage=private_storage, blank=True, editable=False
    )
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, editable=False)
    size = models.PositiveIntegerField(_("size"), null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)
    requested_at = models.DateTimeField(_("requested at"), default=clock.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    rendered_at = models.DateTimeField(_("rendered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("plan PDF")
        verbose_name_plural = _("plan PDFs")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "language"], name="plan_document_once_per_language"
            ),
        ]

    def __str__(self):
        return f"{self.version} · {self.language}"

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY
