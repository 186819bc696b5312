"""Public safety plans: a plan per community (working group) and period, drafted in versions,
reviewed by the programme's coordinators and approved by the local council. An approved
version is frozen; its actions are then followed in ActionTracking, apart from the plan text.
One module per concept; all models are here."""

from safetyplans.models.content import Action, FrozenGuardMixin, Priority, risk_level
from safetyplans.models.documents import PlanDocument
from safetyplans.models.library import Measure, MeasureQuerySet
from safetyplans.models.plans import (
    FrozenPlanError,
    PlanVersion,
    SafetyPlan,
    SafetyPlanQuerySet,
    VersionStatus,
)
from safetyplans.models.reviews import ReviewRound
from safetyplans.models.tracking import ActionTracking, ActionUpdate

__all__ = [
    "Action",
    "ActionTracking",
    "ActionUpdate",
    "FrozenGuardMixin",
    "FrozenPlanError",
    "Measure",
    "MeasureQuerySet",
    "PlanDocument",
    "PlanVersion",
    "Priority",
    "ReviewRound",
    "SafetyPlan",
    "SafetyPlanQuerySet",
    "VersionStatus",
    "risk_level",
]
