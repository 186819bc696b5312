"""The per-programme dashboard cache: computed figures are kept under a key that carries the
version of the programme's figures, which the database raises in the same transaction as any
change to the records they come from (dashboards.versioning: triggers, so bulk updates, imports
and the admin count too). A changed programme's next request recomputes.

Two tiers: Redis for DASHBOARD_CACHE_SECONDS (so that an unused key does not stay for ever),
and the database (dashboards.models.StoredFigures) for DASHBOARD_STORED_SECONDS, which Redis
being emptied (a restart: it keeps nothing on disk) or its copy expiring does not lose: figures
are computed again only when their records changed (or the day they are taken moved)."""

import datetime
import pickle

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.utils import translation

from cohesion import clock
from dashboards.versioning import versions


def version(programme_id: int) -> str:
    """The programme's current version: it changes with any record its figures come from, so
    a fragment cached under it (the public page's, say) is never served stale. One query."""
    return versions(programme_id)


def cached(programme_id: int, parts: tuple, compute, *, durable: bool = True):
    """`compute()` for this programme and these filter parts, through the cache and (when
    `durable`) the stored copies; returns the value and its key (which the page's rendered
    fragments reuse)."""
    current = version(programme_id)
    key = ":".join(
        ["dash", str(programme_id), current, translation.get_language() or "uk", *map(str, parts)]
    )
    value = cache.get(key)
    if value is None:
        value = stored(key) if durable else None
        if value is None:
            value = compute()
            if durable:
                store(programme_id, current, key, value)
        cache.set(key, value, settings.DASHBOARD_CACHE_SECONDS)
    return value, key


def stored(key: str):
    """The figures stored under `key`, or None. One query."""
    from dashboards.models import StoredFigures

    since = clock.now() - datetime.timedelta(seconds=settings.DASHBOARD_STORED_SECONDS)
    found = (
        StoredFigures.objects.filter(key=key, stored_at__gte=since)
        .values_list("value", flat=True)
        .first()
    )
    return None if found is None else pickle.loads(bytes(found))


def store(programme_id: int, current: str, key: str, value) -> None:
    """Stores the figures, and drops the rows that can no longer be read: the programme's of
    an older version, and any past their time (a deleted programme's too). Two queries (not
    one transaction: a row lost between them is only computed again)."""
    from dashboards.models import StoredFigures

    now = clock.now()
    since = now - datetime.timedelta(seconds=settings.DASHBOARD_STORED_SECONDS)
    StoredFigures.objects.filter(
        Q(programme_id=programme_id) & ~Q(version=current) | Q(stored_at__lt=since)
    ).delete()
    StoredFigures.objects.bulk_create(
        [
            StoredFigures(
                key=key,
                programme_id=programme_id,
                version=current,
                value=pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL),
                stored_at=now,
            )
        ],
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["value", "stored_at", "version"],
    )


def figures(programme, period, community=None, *, today):
    """The dashboard's figures for a programme, period and community as of `today`, through
    the cache: the one way the dashboard, the IPTT and the report ask for them.
    Returns the figures and their key."""
    from dashboards.indicators import dashboard_data

    as_of = period.as_of(today)
    # The day the figures are taken is in the key: an open period's figures move at midnight.
    # A whole programme's figures are stored (about 150 KB at national scale, costly to
    # compute); one community's are quick to compute and there are 1,500 of them: not stored.
    return cached(
        programme.pk,
        (period.start, period.end, as_of, community.pk if community else "all"),
        lambda: dashboard_data(programme, period, community, today=today),
        durable=community is None,
    )
