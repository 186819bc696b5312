"""The dashboard page's body, kept whole in the cache: figures, tables, charts' data, map data
and the community picker (1,500 options at national scale), rendered once per programme,
version of its figures, language, period, community and viewer kind (exact counts or
protected). A warm request costs the version lookup and one cache read; only the frame
around it (the signed-in user's menu) is rendered per request. `warm` renders the default
bodies ahead of users after a change (dashboards.tasks.warm_dashboards)."""

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from cohesion.i18n import pick
from dashboards import services
from dashboards.cache import figures, version
from dashboards.indicators import Period
from dashboards.presenters import category_table, chart_payload, indicator_rows, sex_band_table

EXACT, PROTECTED = "exact", "protected"


def body_key(programme, period: Period, community, *, protected: bool, today) -> str:
    from django.utils import translation

    return ":".join(
        [
            "dash-page",
            str(programme.pk),
            version(programme.pk),
            translation.get_language() or "uk",
            f"{period.start}:{period.end}:{period.as_of(today)}",
            str(community.pk if community else "all"),
            PROTECTED if protected else EXACT,
        ]
    )


def whole_page_key(request, programme_id: int, *, protected: bool) -> str:
    """The key of the whole dashboard page (cohesion.frames.kept_page): what its body depends
    on (the figures' version, the day, the language, the query: period and community, the
    viewer kind) and what its frame shows of the viewer's roles."""
    from django.utils import translation

    from cohesion import clock
    from cohesion.frames import nav_key

    return ":".join(
        [
            "dash-whole",
            str(programme_id),
            version(programme_id),
            clock.today().isoformat(),
            translation.get_language() or "uk",
            PROTECTED if protected else EXACT,
            nav_key(request.user),
            _query(request),
        ]
    )


def dashboard_body(programme, form, period: Period, community, *, protected: bool, today) -> str:
    """The body's HTML, from the cache when it is there. A form with errors is rendered afresh
    (its messages are the visitor's own) and not kept."""
    keep = not form.errors
    key = body_key(programme, period, community, protected=protected, today=today)
    html = cache.get(key) if keep else None
    if html is None:
        html = _render(programme, form, period, community, protected=protected, today=today)
        if keep:
            cache.set(key, html, settings.DASHBOARD_CACHE_SECONDS)
    return mark_safe(html)  # our template's output, every value escaped there


def _render(programme, form, period, community, *, protected: bool, today) -> str:
    data, _key = figures(programme, period, community, today=today)
    targets = {t.indicator: t.target for t in programme.indicator_targets.all()}
    sex_band = sex_band_table(data, protected=protected)
    chosen = community.pk if community else None
    context = {
        "programme": programme,
        "form": form,
        "period": period,
        "as_of": period.as_of(today),
        "community": community,
        "protected": protected,
        "coordinates": not protected,
        # Comments are for the whole programme: not shown on one community's figures.
        "sections": indicator_rows(
            data,
            targets,
            protected=protected,
            comments=services.comments_for(programme, period) if community is None else {},
        ),
        "sex_band": sex_band,
        "categories": category_table(data, protected=protected),
        "data": data,
        "charts": chart_payload(data, sex_band),
        "tiles": settings.MAP_TILE_URL,
        "tiles_attribution": settings.MAP_TILE_ATTRIBUTION,
        "query": f"start={period.start:%Y-%m}&end={period.end:%Y-%m}",
        # The figures' version in the map's address: a new version is a new address.
        "version": version(programme.pk),
        **_community_picker(programme, chosen),
    }
    return render_to_string("dashboards/_dashboard_body.html", context)


# Up to this many communities the dashboard's picker is a list; past it (a national programme
# has 1,500: 60 KB of options in every dashboard page, and a list no one scrolls on a phone)
# the page links to a search of them (views.communities).
PICKER_LIST_MAX = 60


def _community_picker(programme, chosen) -> dict:
    choices = _community_choices(programme)
    if len(choices) > PICKER_LIST_MAX:
        return {"community_options": "", "community_count": len(choices)}
    # Options written out by a template of their own: a widget renders many slowly.
    options = render_to_string(
        "dashboards/_community_options.html", {"choices": choices, "chosen": chosen}
    )
    return {"community_options": mark_safe(options), "community_count": len(choices)}


def _community_choices(programme) -> list[tuple[int, str]]:
    rows = (
        programme.working_groups.order_by("community__name_uk")
        .values_list("community_id", "community__name_uk", "community__name_en")
        .distinct()
    )
    return [(pk, pick(uk, en)) for pk, uk, en in rows]


def communities_of(programme):
    """The communities of the programme's groups: those the dashboard has figures for."""
    from communities.models import Community

    return Community.objects.filter(
        pk__in=programme.working_groups.values("community_id")
    ).select_related("region")


def map_json(programme, period: Period, community, *, today) -> bytes:
    """The map's communities (name, position, status of their group) as JSON, kept with the
    figures: 1,500 places at national scale, fetched by the page's script from their own URL
    (a phone that does not scroll to the map does not pay for them)."""
    import json

    data, key = figures(programme, period, community, today=today)

    def build() -> bytes:
        places = [
            [place["name"], place["lat"], place["lon"], place["status"], place["id"]]
            for place in data.communities
        ]
        labels = {place["status"]: place["status_label"] for place in data.communities}
        return json.dumps({"places": places, "labels": labels}, ensure_ascii=False).encode()

    return cache.get_or_set(f"{key}:map", build, settings.DASHBOARD_CACHE_SECONDS)


def viewer_key(user) -> str:
    """What of a viewer a programme page's body may depend on: their roles (administrator,
    the programmes they coordinate or fund, the groups they lead), never who they are, so
    that everyone with the same roles shares one rendering."""
    from accounts.roles import user_roles

    roles = user_roles(user)

    def ids(values) -> str:
        return ",".join(str(value) for value in sorted(values))

    return "|".join(
        [
            "a" if roles.is_admin else "",
            ids(roles.coordinator_of),
            ids(roles.donor_of),
            ids(roles.leader_of),
        ]
    )


def programme_body(request, programme, name: str, render) -> str:
    """A programme page's body (all but the signed-in frame around it), rendered by `render()`
    once per version of the programme's figures, day, language, viewer's roles and query,
    then read from the cache: the lists of a national programme (1,500 groups, their plans
    and months) change far less often than they are read. Only what the figures' version
    covers (dashboards.versioning: the records every figure comes from) may be in a body,
    and no form that posts (its CSRF token is the visitor's own)."""
    return _kept_body(request, programme.pk, name, render)


def directory_body(request, name: str, render) -> str:
    """A page of the community directory, kept as a programme page's body is, per version of
    the directory (its communities, their regions and raions, enrolments, programmes)."""
    from dashboards.versioning import DIRECTORY

    return _kept_body(request, DIRECTORY, name, render)


def programme_page(request, programme, name: str, render_body, template: str, context: dict):
    """The whole page (frame and body, cohesion.frames) of a programme page whose body is kept
    by programme_body: a repeat by a viewer with the same roles costs the version lookup and
    one cache read, and renders nothing."""
    return _kept_page(request, programme.pk, name, render_body, template, context)


def directory_page(request, name: str, render_body, template: str, context: dict):
    """The whole page of the community directory, as programme_page."""
    from dashboards.versioning import DIRECTORY

    return _kept_page(request, DIRECTORY, name, render_body, template, context)


def _kept_page(request, scope: int, name: str, render_body, template: str, context: dict):
    from cohesion import frames

    def render(stand_ins: dict) -> str:
        body = _kept_body(request, scope, name, render_body)
        return render_to_string(template, {**context, "body": body, **stand_ins}, request=request)

    def key() -> str:
        return f"whole:{_key(request, scope, name)}:{frames.nav_key(request.user)}"

    return frames.kept_page(request, key, render)


def _key(request, scope: int, name: str) -> str:
    from django.utils import translation

    from cohesion import clock

    return ":".join(
        [
            "page",
            name,
            str(scope),
            version(scope),
            clock.today().isoformat(),
            translation.get_language() or "uk",
            viewer_key(request.user),
            "htmx" if getattr(request, "htmx", False) else "page",
            _query(request),
        ]
    )


def _query(request) -> str:
    """The query string's parameters, in any order, as a short part of a key."""
    import hashlib

    return hashlib.blake2b(repr(sorted(request.GET.lists())).encode(), digest_size=12).hexdigest()


def _kept_body(request, scope: int, name: str, render) -> str:
    seconds = settings.PAGE_BODY_CACHE_SECONDS
    if seconds <= 0:
        return mark_safe(render())
    from cohesion.frames import kept

    html = kept(_key(request, scope, name), seconds, render)
    return mark_safe(html)  # our templates' output, every value escaped there


def warm(programme, *, today) -> int:
    """Renders the programme's default bodies (its whole period, every community) for each
    viewer kind and language that are not in the cache yet; returns how many it rendered."""
    from django.utils import translation

    from dashboards.forms import PeriodForm

    period = Period.of(programme, today)
    rendered = 0
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for protected in (False, True):
                if cache.get(body_key(programme, period, None, protected=protected, today=today)):
                    continue
                form = PeriodForm(None, programme=programme)
                dashboard_body(programme, form, period, None, protected=protected, today=today)
                rendered += 1
    return rendered
