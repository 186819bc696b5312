import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from accounts.access import starts_on_groups

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
    """For load balancers: 200 when the database (and Redis, if configured) answer, else 503."""
    checks = {"database": _check_database()}
    if settings.REDIS_URL:
        checks["redis"] = _check_redis()
    healthy = all(state == "ok" for state in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503
    )


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("Health check: database unavailable")
        return "error"
    return "ok"


def _check_redis() -> str:
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2
        )
        client.ping()
    except Exception:
        logger.exception("Health check: Redis unavailable")
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
