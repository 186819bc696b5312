"""Reads for the public site: what a programme has done lately, with nobody's name."""

import datetime

from django.db.models import Count, Q
from django.db.models.functions import ExtractMonth, ExtractYear

from cohesion import clock
from engagement.models import Event, Participant
from meetings.models import Meeting
from meetings.selectors import month_starts
from safetyplans.models import SafetyPlan


def public_activity(programme, today: datetime.date) -> dict:
    """Meetings held per month over the programme's last year (to its last day), its latest
    trainings and visits with how many came, and its published plans. Three queries."""
    last = min(programme.ends_on, today)
    first = max(
        programme.start_date, (last.replace(day=1) - datetime.timedelta(days=330)).replace(day=1)
    )
    months = month_starts(first, last) if first <= last else []
    held = dict.fromkeys(months, 0)
    if months:
        start = clock.start_of(months[0])
        for year, month, n in (
            Meeting.objects.filter(
                group__programme=programme,
                status=Meeting.Status.HELD,
                starts_at__gte=start,
                # A group that carries on after the programme meets on its own account.
                starts_at__lt=clock.start_of(programme.ends_on + datetime.timedelta(days=1)),
            )
            .annotate(year=ExtractYear("starts_at"), month=ExtractMonth("starts_at"))
            .values_list("year", "month")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            key = datetime.date(year, month, 1)
            if key in held:
                held[key] = n
    peak = max(held.values(), default=0) or 1
    events = (
        Event.objects.filter(programme=programme, status=Event.Status.HELD)
        .select_related("host_community")
        .annotate(
            present=Count(
                "participants", filter=Q(participants__attendance=Participant.Attendance.PRESENT)
            )
        )
        .order_by("-starts_on")[:8]
    )
    plans = []
    if programme.publishes_plans:
        plans = (
            SafetyPlan.objects.filter(group__programme=programme, approved_version__isnull=False)
            .select_related("group__community", "approved_version")
            .order_by("group__community__name_uk")
        )
    return {
        "months": [(month, n, round(100 * n / peak)) for month, n in held.items()],
        "events": events,
        "plans": plans,
    }
