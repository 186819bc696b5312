"""Recommendations the historical groups adopted and sent to their local authorities, with
the answers and what was done. Every date lies in the programmes' past and follows from the
meetings, so the demo tells the same story whatever day it is seeded."""

import datetime

from django.utils import timezone

from communities.models import Organisation, Programme
from meetings.models import Decision, Meeting
from recommendations.models import Answer, Implementation, Recommendation
from recommendations.services import (
    answer_record,
    recommendation_adopt,
    recommendation_send,
    step_add,
)

# For the n-th meeting (with decisions) of a group that adopts one: the body it goes to, the
# answer (None: none came by the deadline) and what was then done.
STORY = [
    ("council", Answer.Outcome.ACCEPTED, Implementation.IMPLEMENTED),
    ("police", Answer.Outcome.PARTLY, Implementation.PARTLY),
    ("council", None, None),
    ("ses", Answer.Outcome.REJECTED, None),
]
TEXT = "Робоча група рекомендує: {decision}"
STEP = {
    Implementation.IMPLEMENTED: "Рекомендацію виконано: рішення ухвалено й профінансовано.",
    Implementation.PARTLY: "Виконано частково: решту перенесено на наступний рік.",
}


def seed_recommendations(programme: Programme, bodies: dict, coordinator, groups: int = 3):
    """For the first `groups` groups of a completed programme, a recommendation from every
    third meeting's first decision, sent a week after it. Idempotent: a group that has any
    recommendation is left as it is."""
    for group in programme.working_groups.order_by("established_on", "pk")[:groups]:
        if Recommendation.objects.filter(group=group).exists():
            continue
        council = Organisation.objects.filter(
            community=group.community,
            kind__in=[
                Organisation.Kind.LOCAL_GOVERNMENT,
                Organisation.Kind.MILITARY_ADMINISTRATION,
            ],
        ).first()
        meetings = (
            Meeting.objects.filter(group=group, status=Meeting.Status.HELD, decisions__isnull=False)
            .distinct()
            .order_by("starts_at")
        )
        for meeting, (body, outcome, done) in zip(list(meetings)[2::3], STORY, strict=False):
            addressee = council if body == "council" else bodies.get(body)
            decision = Decision.objects.filter(meeting=meeting).order_by("position").first()
            if addressee is None or decision is None:
                continue
            day = timezone.localdate(meeting.starts_at)
            today = day + datetime.timedelta(days=120)  # the story's "now": long past
            recommendation = recommendation_adopt(
                meeting=meeting,
                title=decision.text[:120],
                text=TEXT.format(decision=decision.text),
                addressee=addressee,
                decision=decision,
                today=today,
                by=coordinator,
            )
            recommendation_send(
                recommendation=recommendation,
                sent_on=day + datetime.timedelta(days=7),
                letter_number=f"{meeting.pk}/01-{day:%y}",
                today=today,
            )
            if outcome is None:
                continue
            answer_record(
                recommendation=recommendation,
                outcome=outcome,
                received_on=day + datetime.timedelta(days=28),
                summary="Відповідь надійшла листом.",
                today=today,
                by=coordinator,
            )
            if done:
                step_add(
                    recommendation=recommendation,
                    on=day + datetime.timedelta(days=90),
                    text=STEP[done],
                    status=done,
                    today=today,
                    by=coordinator,
                )
