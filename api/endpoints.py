"""The read API, /api/v1/: thin functions over api.selectors. Each request carries a personal
token (`Authorization: Bearer <token>`) and reads what the token's holder reads on the pages."""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import translation
from ninja import NinjaAPI
from ninja.pagination import PageNumberPagination, paginate
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer
from ninja.throttling import SimpleRateThrottle

from api import schemas, selectors
from api.services import api_token_authenticate


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        found = api_token_authenticate(token)
        if found is None:
            return None
        # Access functions and scopes take the holder, as for their pages; labels come in the
        # holder's language, as their pages do.
        request.user = found.user
        if found.user.language:
            translation.activate(found.user.language)
        return found


class TokenRateThrottle(SimpleRateThrottle):
    """API_RATE_LIMIT requests per token, read at each request so that it can be changed
    without a restart of the tests' process."""

    scope = "api_token"

    def __init__(self):
        super().__init__(rate=settings.API_RATE_LIMIT)

    def allow_request(self, request) -> bool:
        self.rate = settings.API_RATE_LIMIT
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_cache_key(self, request):
        token = getattr(request, "auth", None)
        if token is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": token.pk}


class Pages(PageNumberPagination):
    class Input(PageNumberPagination.Input):
        pass

    def __init__(self, **kwargs):
        super().__init__(page_size=settings.API_PAGE_SIZE, **kwargs)


class Utf8Renderer(JSONRenderer):
    """Ukrainian names as they are, not as \\u escapes: half the size, and readable."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="Cohesion API",
    version="1",
    description=(
        "Read-only access to the programmes, communities, working groups and figures a "
        "personal token's holder may see. Donors' figures carry small counts protected, as "
        "on the dashboard; people are only ever given to a programme's coordinators."
    ),
    auth=TokenAuth(),
    renderer=Utf8Renderer(),
    throttle=[TokenRateThrottle()],
    urls_namespace="api-v1",
    docs_url=None,
    openapi_url="/openapi.json",
)

# Refusals: no usable token (401), a programme the holder only takes part in without this
# right (403), one they hold no role in (404), the token's rate limit reached (429).
ERRORS = {code: schemas.ErrorOut for code in (401, 403, 404, 429)}


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc):
    return api.create_response(request, {"detail": "Forbidden"}, status=403)


@api.exception_handler(selectors.InvalidFilter)
def invalid_filter(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=400)


@api.get(
    "/programmes",
    response={200: list[schemas.ProgrammeOut], 401: schemas.ErrorOut, 429: schemas.ErrorOut},
    tags=["programmes"],
)
@paginate(Pages)
def programmes(request):
    """The programmes the token's holder has a role in."""
    return selectors.programmes(request.auth.user)


@api.get(
    "/programmes/{programme_id}/communities",
    response={200: list[schemas.CommunityOut], **ERRORS},
    tags=["programmes"],
)
@paginate(Pages)
def communities(request, programme_id: int):
    """The communities enrolled in the programme, with their KATOTTH codes."""
    return selectors.communities(request.auth.user, programme_id)


@api.get(
    "/programmes/{programme_id}/groups",
    response={200: list[schemas.GroupOut], **ERRORS},
    tags=["groups"],
)
@paginate(Pages)
def groups(request, programme_id: int, community: int | None = None):
    """The programme's working groups the holder sees, with their dated status history."""
    return selectors.groups(request.auth.user, programme_id, community=community)


@api.get(
    "/programmes/{programme_id}/indicators",
    response={200: schemas.IndicatorsOut, 400: schemas.ErrorOut, **ERRORS},
    tags=["figures"],
)
def indicators(
    request,
    programme_id: int,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    community: int | None = None,
):
    """The dashboard's indicators for a period (the programme's whole period up to today by
    default) and optionally one community: for the programme's coordinators and donors."""
    return selectors.indicators(
        request.auth.user, programme_id, start=start, end=end, community=community
    )


def _topic(name: str, only: tuple[str, ...], summary: str):
    """An endpoint giving the dashboard's figures of one topic, filtered as /indicators is."""

    def figures_of(
        request,
        programme_id: int,
        start: datetime.date | None = None,
        end: datetime.date | None = None,
        community: int | None = None,
    ):
        return selectors.indicators(
            request.auth.user, programme_id, start=start, end=end, community=community, only=only
        )

    figures_of.__name__ = name.replace("-", "_").replace("/", "_")
    figures_of.__doc__ = summary
    api.get(
        f"/programmes/{{programme_id}}/{name}",
        response={200: schemas.IndicatorsOut, 400: schemas.ErrorOut, **ERRORS},
        tags=["figures"],
    )(figures_of)


_topic(
    "safety-plans/figures",
    selectors.SAFETY_PLANS,
    "Safety plans approved and in preparation, plan actions done and overdue: the dashboard's "
    "figures for the period.",
)


@api.get(
    "/programmes/{programme_id}/safety-plans",
    response={200: list[schemas.SafetyPlanOut], **ERRORS},
    tags=["safety plans"],
)
@paginate(Pages)
def safety_plans(request, programme_id: int, community: int | None = None):
    """The programme's safety plans the holder sees: the approved versions (with the local
    decision that adopted each), the progress of the version in force, and, for the group's
    leader and coordinators, the version being prepared."""
    return selectors.safety_plans(request.auth.user, programme_id, community=community)


@api.get(
    "/programmes/{programme_id}/safety-plans/{plan_id}",
    response={200: schemas.SafetyPlanDetailOut, **ERRORS},
    tags=["safety plans"],
)
def safety_plan(request, programme_id: int, plan_id: int):
    """One safety plan, with the priorities and actions of its version in force and how each
    action is going."""
    return selectors.safety_plan(request.auth.user, programme_id, plan_id)


_topic(
    "events",
    selectors.EVENTS,
    "Trainings and exchange visits held and their participants, as counts.",
)
_topic(
    "recommendations",
    selectors.RECOMMENDATIONS,
    "Recommendations to local authorities adopted, sent, answered, accepted and implemented, "
    "as counts.",
)


@api.get(
    "/programmes/{programme_id}/iptt",
    response={200: schemas.TrackingTableOut, **ERRORS},
    tags=["figures"],
)
def tracking_table(request, programme_id: int, every_indicator: bool = False):
    """The indicator performance tracking table: targets and actuals per reporting period."""
    return selectors.tracking_table(
        request.auth.user, programme_id, every_indicator=every_indicator
    )


@api.get(
    "/programmes/{programme_id}/members",
    response={200: list[schemas.MemberOut], **ERRORS},
    tags=["people"],
)
@paginate(Pages)
def members(request, programme_id: int, community: int | None = None):
    """The people of the programme's groups and their memberships: for its coordinators only."""
    return selectors.members(request.auth.user, programme_id, community=community)
