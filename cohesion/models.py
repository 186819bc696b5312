"""The kernel's one table: the outbox of work that has no row of its own."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cohesion import clock


class Job(models.Model):
    """Work a request asked for (an email, for now), recorded in the request's transaction: a
    transactional outbox. A worker runs it once (cohesion.outbox); the sweep queues it again
    when the broker was down or its worker died, and tries a failed one again later."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    function = models.CharField(_("function"), max_length=200)
    # Cleared once the job is done: an email's arguments can name a person.
    args = models.JSONField(_("arguments"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.WAITING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), default=clock.now)
    run_after = models.DateTimeField(_("not before"), default=clock.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("queued job")
        verbose_name_plural = _("queued jobs")
        indexes = [models.Index(fields=["status", "run_after"])]

    def __str__(self):
        return f"{self.function} · {self.get_status_display()}"
