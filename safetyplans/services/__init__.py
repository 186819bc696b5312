"""State changes of safety plans: drafting with conflict detection, the review workflow,
approval (which freezes the version and queues its PDF), revision and implementation tracking.

Who may call what is decided in safetyplans.access, before; these functions keep the
plan's states and texts consistent whoever calls them. One module per stage of a plan's life;
callers use them through this package."""

from safetyplans.services.drafting import (
    ACTION_FIELDS,
    MAX_PLAN_YEARS,
    PRIORITY_FIELDS,
    EditConflict,
    action_add,
    action_remove,
    action_update,
    plan_create,
    priority_add,
    priority_remove,
    priority_update,
    version_update,
)
from safetyplans.services.implementation import (
    action_track,
    decisions_of,
    document_request,
    document_store,
)
from safetyplans.services.library import (
    MEASURE_FIELDS,
    action_initial_from,
    measure_create,
    measure_initial,
    measure_update,
)
from safetyplans.services.workflow import (
    check_decision_file,
    plan_delete,
    plan_revise,
    version_approve,
    version_discard,
    version_return,
    version_submit,
)

__all__ = [
    "ACTION_FIELDS",
    "MAX_PLAN_YEARS",
    "MEASURE_FIELDS",
    "PRIORITY_FIELDS",
    "EditConflict",
    "action_add",
    "action_initial_from",
    "action_remove",
    "action_track",
    "action_update",
    "check_decision_file",
    "decisions_of",
    "document_request",
    "document_store",
    "measure_create",
    "measure_initial",
    "measure_update",
    "plan_create",
    "plan_delete",
    "plan_revise",
    "priority_add",
    "priority_remove",
    "priority_update",
    "version_approve",
    "version_discard",
    "version_return",
    "version_submit",
    "version_update",
]
