"""Reads for the public site: what a programme has done lately, with nobody's name."""

import datetime

from django.db.models import Count, Q

from engagement.models import Event, Participant
from safetyplans.models import SafetyPlan


def public_activity(programme, today: datetime.date) -> dict:
    """Meetings held per month over the programme's last year (to its last day), its latest
    trainings and visits with how many came, and its published plans. Three queries."""
    from dashboards.indicators import Period, meetings_held_by_month

    last = min(programme.ends_on, today)
    first = max(
        programme.start_date, (last.replace(day=1) - datetime.timedelta(days=330)).replace(day=1)
    )
    # The dashboard's "Meetings held", month by month; a group that carries on after the
    # programme meets on its own account, so the window ends with the programme.
    held = meetings_held_by_month(programme, Period(first, last)) if first <= last else {}
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
