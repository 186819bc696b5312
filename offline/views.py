"""Offline use of the leader's pages: the web app manifest, the service worker, the list of
pages it may keep for the signed-in user, a fresh CSRF token for records sent later, and
signing out that leaves nothing behind. How it fits together: offline/README.md."""

import functools
import hashlib
import json

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from offline.access import access_offline_pages

# What a page kept offline needs to work: styles, scripts and icons. Files another change
# removes are left out rather than break the service worker's installation (its install
# fails as a whole when one file is missing); the icon font, loaded with a query string from
# the stylesheet, is kept by the worker's runtime cache of /static/ instead.
PRECACHE = [
    "vendor/bootstrap/bootstrap.min.css",
    "vendor/bootstrap/bootstrap.bundle.min.js",
    "vendor/bootstrap-icons/bootstrap-icons.min.css",
    "vendor/htmx/htmx.min.js",
    "css/app.css",
    "js/app.js",
    "js/record.js",
    "js/outbox.js",
    "js/offline.js",
    "js/record-offline.js",
    "favicon.svg",
    "icons/icon-192.png",
]
WORKBOX = [
    "vendor/workbox/workbox-core.prod.js",
    "vendor/workbox/workbox-routing.prod.js",
    "vendor/workbox/workbox-strategies.prod.js",
    "vendor/workbox/workbox-expiration.prod.js",
    "vendor/workbox/workbox-precaching.prod.js",
]


@login_not_required
def manifest(request: HttpRequest) -> JsonResponse:
    """Browsers fetch the manifest without the user's cookies and keep it: it speaks the
    site's language (Ukrainian), not the user's."""
    with translation.override(settings.LANGUAGE_CODE):
        data = {
            "id": "/",
            "name": _("Cohesion: community working groups"),
            "short_name": "Cohesion",
            "description": _("Working groups on social cohesion and public safety."),
            "lang": settings.LANGUAGE_CODE,
            # A leader's own groups, kept on the phone; others go on to their programmes.
            "start_url": reverse("workinggroups:my_groups"),
            "scope": "/",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": THEME_COLOUR,
            "icons": [
                {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
                {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
                {
                    "src": static("icons/icon-maskable-512.png"),
                    "sizes": "512x512",
                    "type": "image/png",
                    "purpose": "maskable",
                },
            ],
        }
    return JsonResponse(
        data, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False}
    )


THEME_COLOUR = "#0b3d91"


@login_not_required
def service_worker(request: HttpRequest) -> HttpResponse:
    """static/js/sw.js with its configuration in front: served from the root so that its
    scope is the whole site. Any change to a precached file changes this script, and the
    browser installs the new worker. Signed out too: the browser checks for a new worker
    whoever is signed in, and the script holds nothing personal."""
    config = {
        "precache": [
            {"url": static(path), "revision": revision(path)}
            for path in PRECACHE
            if finders.find(path)
        ],
        "workbox": [static(path) for path in WORKBOX],
        "outbox": static("js/outbox.js"),
        "scopeUrl": reverse("offline:scope"),
        "csrfUrl": reverse("offline:csrf"),
        "staticUrl": static(""),
        "pageDays": settings.OFFLINE_CACHE_DAYS,
    }
    body = f"const CONFIG = {json.dumps(config)};\n{read_static('js/sw.js')}"
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


@functools.cache
def revision(path: str) -> str | None:
    """A hash of the file, so that the worker fetches it again when it changes; none when
    its URL carries one already (the manifest storage's hashed names in production)."""
    if isinstance(staticfiles_storage, ManifestFilesMixin):
        return None
    with open(finders.find(path), "rb") as file:
        return hashlib.sha256(file.read()).hexdigest()[:16]


def read_static(path: str) -> str:
    with open(finders.find(path), encoding="utf-8") as file:
        return file.read()


@never_cache
def scope(request: HttpRequest) -> JsonResponse:
    """The pages the worker may keep for the signed-in user (offline/access.py), and for how
    long; the user's id, so that a phone passed to someone else forgets the first one's."""
    return JsonResponse(
        {
            "user": request.user.pk,
            "days": settings.OFFLINE_CACHE_DAYS,
            "urls": access_offline_pages(request.user),
        }
    )


@never_cache
def csrf(request: HttpRequest) -> JsonResponse:
    """A valid token for a record kept on the phone for days: the one in its form may have
    gone with a new sign-in. Signed out, this redirects to sign-in, and the phone waits."""
    return JsonResponse({"token": get_token(request)})


def clearing_site_data(view):
    """Signing out tells the browser to drop what it keeps for the site (Cache Storage,
    IndexedDB, the service worker): static/js/offline.js has already cleared it when scripts
    run; this covers the rest."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if request.method == "POST":
            response["Clear-Site-Data"] = '"cache", "storage"'
        return response

    return wrapper
