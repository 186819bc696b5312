import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from accounts.access import starts_on_groups
from cohesion.cache import FAILURES, FallbackRedisCache

logger = logging.getLogger(__name__)


@login_not_required
def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        if starts_on_groups(request.user):
            return redirect("workinggroups:my_groups")
        return redirect("communities:programme_list")
    return render(request, "home.html")


@login_not_required
@never_cache
def live(request: HttpRequest) -> HttpResponse:
    """For orchestrators: the process answers (no database, no cache). Also the baseline the
    benchmark in bench/ compares the dashboard with."""
    return HttpResponse("ok", content_type="text/plain")


@login_not_required
@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """For load balancers and people on call: which part is down. 503 only when the database
    is: pages answer without Redis (the cache falls back to memory, queued work waits in the
    database), so a Redis outage must not take every web process out of the balancer at once;
    it shows as "degraded" with the failing part named."""
    checks = {"database": _check_database()}
    if settings.REDIS_URL:
        checks["cache"] = _check_cache()
        checks["broker"] = _check_broker()
    if checks["database"] != "ok":
        status, code = "error", 503
    elif any(state != "ok" for state in checks.values()):
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    return JsonResponse({"status": status, "checks": checks}, status=code)


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("Health check: database unavailable")
        return "error"
    return "ok"


def _check_cache() -> str:
    """ "ok", or "fallback" while this process keeps its cache in memory (cohesion/cache.py)."""
    cache = caches["default"]
    if not isinstance(cache, FallbackRedisCache):
        return "ok"
    try:
        cache.ping()
    except FAILURES:
        return "fallback"
    return "ok"


def _check_broker() -> str:
    """ "ok" when the broker answers within BROKER_TIMEOUT; queued work waits while it does not."""
    import redis

    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return "ok"
    try:
        timeout = settings.BROKER_TIMEOUT
        client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        client.ping()
    except Exception as error:
        logger.warning("Health check: broker unavailable (%s: %s)", type(error).__name__, error)
        return "error"
    return "ok"


@login_not_required
def bad_request(request, exception=None):
    return render(request, "400.html", status=400)


@login_not_required
def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


@login_not_required
def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


@login_not_required
def server_error(request):
    # No context processors: the failure may lie in them. The template needs only i18n.
    return render(request, "500.html", status=500)
