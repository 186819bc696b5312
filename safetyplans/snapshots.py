"""A version's content as a reviewer saw it: written to JSON when the version is returned,
read back as unsaved priorities and actions that the comparison of versions can take as the
"before" side. Items are keyed by the key they keep across edits and revisions."""

import uuid

from safetyplans.models import Action, PlanVersion, Priority

PRIORITY_SAVED = (
    "position", "issue", "category", "description", "likelihood", "impact", "evidence",
    "evidence_note", "evidence_decision",
)  # fmt: skip
ACTION_SAVED = (
    "position", "activity", "responsible", "responsible_other", "partners_other", "starts_on",
    "ends_on", "budget_uah", "funding_source", "indicator",
)  # fmt: skip


def _values(model, obj, names) -> dict:
    values = {}
    for name in names:
        field = model._meta.get_field(name)
        value = field.value_from_object(obj)
        # Dates as ISO text, decimals as text (no float rounding), keys as ids.
        values[name] = None if value is None else field.value_to_string(obj)
    return values


def _restored(model, data: dict, names) -> dict:
    values = {}
    for name in names:
        field = model._meta.get_field(name)
        value = data.get(name)
        values[field.attname] = None if value is None else field.to_python(value)
    return values


def snapshot_of(version: PlanVersion) -> dict:
    """The version's context, priorities and actions (with their partners and meeting
    decisions), as JSON. Four queries."""
    priorities = list(version.priorities.all())
    keys = {p.pk: str(p.key) for p in priorities}
    actions = version.actions.prefetch_related("partners", "decisions")
    return {
        "context": version.context_summary,
        "priorities": {str(p.key): _values(Priority, p, PRIORITY_SAVED) for p in priorities},
        "actions": {
            str(a.key): {
                **_values(Action, a, ACTION_SAVED),
                "priority": keys[a.priority_id],
                "partners": sorted(o.pk for o in a.partners.all()),
                "decisions": sorted(d.pk for d in a.decisions.all()),
            }
            for a in actions
        },
    }


def restore(snapshot: dict) -> tuple[str, list[Priority], list[Action]]:
    """The context and unsaved priorities and actions of a snapshot, in their order, their
    organisations and meeting decisions loaded (two queries at most). An action's partners
    and decisions are in `restored_links`, as an unsaved object has no many-to-many."""
    from communities.models import Organisation
    from meetings.models import Decision

    priority_data = snapshot.get("priorities", {})
    action_data = snapshot.get("actions", {})
    organisation_ids, decision_ids = set(), set()
    for data in priority_data.values():
        if data.get("evidence_decision"):
            decision_ids.add(int(data["evidence_decision"]))
    for data in action_data.values():
        if data.get("responsible"):
            organisation_ids.add(int(data["responsible"]))
        organisation_ids.update(data.get("partners", []))
        decision_ids.update(data.get("decisions", []))
    organisations = Organisation.objects.in_bulk(organisation_ids) if organisation_ids else {}
    decisions = (
        Decision.objects.select_related("meeting").in_bulk(decision_ids) if decision_ids else {}
    )

    priorities = {}
    for key, data in priority_data.items():
        priority = Priority(key=uuid.UUID(key), **_restored(Priority, data, PRIORITY_SAVED))
        # Set through the cache so that showing it costs no query (None if since deleted).
        priority.evidence_decision = decisions.get(priority.evidence_decision_id)
        priorities[key] = priority
    actions = []
    for key, data in action_data.items():
        action = Action(key=uuid.UUID(key), **_restored(Action, data, ACTION_SAVED))
        action.priority = priorities[data["priority"]]
        action.responsible = organisations.get(action.responsible_id)
        action.restored_links = {
            "partners": [organisations[i] for i in data.get("partners", []) if i in organisations],
            "decisions": [decisions[i] for i in data.get("decisions", []) if i in decisions],
        }
        actions.append(action)
    ordered_priorities = sorted(priorities.values(), key=lambda p: p.position)
    actions.sort(key=lambda a: (a.priority.position, a.position))
    return snapshot.get("context", ""), ordered_priorities, actions
