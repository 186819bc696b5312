"""The per-programme dashboard cache: computed figures are kept under a key that carries the
programme's version number; any change to the records a programme's figures come from bumps
the version (so the next request recomputes), and entries expire after
DASHBOARD_CACHE_SECONDS in any case (for changes made without signals, e.g. bulk updates)."""

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import translation

GLOBAL = "dash:version:all"


def _version_key(programme_id: int) -> str:
    return f"dash:version:{programme_id}"


def version(programme_id: int) -> str:
    """The programme's current version: it changes with any record its figures come from, so
    a fragment cached under it (the public page's, say) is never served stale."""
    versions = cache.get_many([GLOBAL, _version_key(programme_id)])
    return f"{versions.get(GLOBAL, 0)}.{versions.get(_version_key(programme_id), 0)}"


def cached(programme_id: int, parts: tuple, compute):
    """`compute()` for this programme and these filter parts, through the cache; returns the
    value and its key (which the page's rendered fragments reuse)."""
    key = ":".join(
        [
            "dash",
            str(programme_id),
            version(programme_id),
            translation.get_language() or "uk",
            *map(str, parts),
        ]
    )
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, settings.DASHBOARD_CACHE_SECONDS)
    return value, key


def invalidate(programme_id: int | None) -> None:
    """Marks the programme's figures stale (all programmes' when None), after the commit."""
    key = GLOBAL if programme_id is None else _version_key(programme_id)

    def bump_dashboard_version():
        try:
            cache.incr(key)
        except ValueError:  # not there yet
            cache.set(key, 1, None)

    # Robust: a cache that is down must not undo the change; the entries expire anyway.
    transaction.on_commit(bump_dashboard_version, robust=True)


# Each model the figures come from, with how to find the programme of a changed row
# (None: it may touch every programme).
def _programme_of(path: str):
    def find(instance):
        value = instance
        for part in path.split("."):
            value = getattr(value, part, None)
            if value is None:
                return None
        return value

    return find


WATCHED = {
    "meetings.Meeting": "group.programme_id",
    "workinggroups.WorkingGroup": "programme_id",
    "workinggroups.GroupStatusChange": "group.programme_id",
    "workinggroups.Membership": "group.programme_id",
    "workinggroups.Person": None,
    "safetyplans.SafetyPlan": "group.programme_id",
    "safetyplans.PlanVersion": "plan.group.programme_id",
    "safetyplans.ActionTracking": "plan.group.programme_id",
    "engagement.Event": "programme_id",
    "engagement.Participant": "event.programme_id",
    "engagement.YouthLeader": "programme_id",
    "engagement.YouthSupport": "youth_leader.programme_id",
    "engagement.VeteranOrganisation": "programme_id",
    "engagement.NeedsAssessment": "programme_id",
    "dashboards.IndicatorTarget": "programme_id",
    "communities.Enrolment": "programme_id",
    "communities.Programme": "pk",
}


def _connect():
    from django.apps import apps

    for label, path in WATCHED.items():
        model = apps.get_model(label)
        finder = _programme_of(path) if path else (lambda _instance: None)

        def changed(sender, instance, finder=finder, **kwargs):
            invalidate(finder(instance))

        post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"dash-save-{label}")
        post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"dash-del-{label}")
    event = apps.get_model("engagement.Event")
    for through in (event.visiting_communities.through, event.groups.through):
        m2m_changed.connect(
            lambda sender, instance, **kwargs: invalidate(getattr(instance, "programme_id", None)),
            sender=through,
            weak=False,
            dispatch_uid=f"dash-m2m-{through._meta.label}",
        )


_connect()
