"""Engagement: youth leaders and the support they receive, the veteran sphere of each community
(organisations, needs assessments, opportunities) and events (trainings, exchange visits,
internships, forums) with their participants. One module per concept; all models are here."""

from engagement.models.events import (
    SCORE_VALIDATORS,
    Event,
    EventQuerySet,
    EventTopic,
    Participant,
    Topic,
)
from engagement.models.scope import ProgrammeScopedQuerySet, led_here
from engagement.models.veterans import (
    AssessedNeed,
    NeedCategory,
    NeedsAssessment,
    Opportunity,
    OpportunityNeed,
    OpportunityQuerySet,
    VeteranOrganisation,
)
from engagement.models.youth import YouthLeader, YouthLeaderQuerySet, YouthSupport

__all__ = [
    "SCORE_VALIDATORS",
    "AssessedNeed",
    "Event",
    "EventQuerySet",
    "EventTopic",
    "NeedCategory",
    "NeedsAssessment",
    "Opportunity",
    "OpportunityNeed",
    "OpportunityQuerySet",
    "Participant",
    "ProgrammeScopedQuerySet",
    "Topic",
    "VeteranOrganisation",
    "YouthLeader",
    "YouthLeaderQuerySet",
    "YouthSupport",
    "led_here",
]
