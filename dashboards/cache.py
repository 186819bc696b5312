"""The per-programme dashboard cache: computed figures are kept under a key that carries the
version of the programme's figures, which the database raises in the same transaction as any
change to the records they come from (dashboards.versioning: triggers, so bulk updates, imports
and the admin count too). A changed programme's next request recomputes; entries also expire
after DASHBOARD_CACHE_SECONDS, so that an unused key does not stay for ever."""

from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from dashboards.versioning import versions


def version(programme_id: int) -> str:
    """The programme's current version: it changes with any record its figures come from, so
    a fragment cached under it (the public page's, say) is never served stale. One query."""
    return versions(programme_id)


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


def figures(programme, period, community=None, *, today):
    """The dashboard's figures for a programme, period and community as of `today`, through
    the cache: the one way the dashboard, the IPTT and the report ask for them.
    Returns the figures and their key."""
    from dashboards.indicators import dashboard_data

    as_of = period.as_of(today)
    # The day the figures are taken is in the key: an open period's figures move at midnight.
    return cached(
        programme.pk,
        (period.start, period.end, as_of, community.pk if community else "all"),
        lambda: dashboard_data(programme, period, community, today=today),
    )
