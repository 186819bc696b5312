"""Whole pages kept in the cache and shared by every viewer with the same roles.

A page that many people open and few change (a national programme's dashboard: 1,500
communities) is rendered once, frame and all, with stand-ins where the signed-in visitor's
own values go: their CSRF token and their name in the menu. A later request with the same key
reads the page and puts its own values in (two string replacements), instead of rendering the
frame's menu, its links and its language switch again. The key must carry whatever else the
page depends on (its records' version, the day, the language, the query); `nav_key` gives
what of the viewer the frame itself shows.

A visitor with messages waiting (a notice after a save) gets a page rendered afresh: the
messages are theirs, shown once."""

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils.html import conditional_escape

# Plain letters and hyphens: HTML escaping leaves them as they are.
CSRF_STAND_IN = "cohesion-stand-in-csrf-token-7c1f"
NAME_STAND_IN = "cohesion-stand-in-user-name-7c1f"
CSRF, NAME = CSRF_STAND_IN.encode(), NAME_STAND_IN.encode()


# This process's own copies of kept pages and bodies, in front of Redis: their keys carry the
# version of every record they show (and the day), so a copy is never stale, and a hit costs
# no round trip for 200 KB. Bounded: the least recently used go first.
LOCAL = LocMemCache("cohesion-kept-pages", {"OPTIONS": {"MAX_ENTRIES": 200}})


def kept(key: str, seconds: int, build):
    """`build()`'s value under `key`: from this process's copies, from the shared cache, or
    built and kept in both for `seconds`."""
    value = LOCAL.get(key)
    if value is None:
        value = cache.get(key)
        if value is None:
            value = build()
            cache.set(key, value, seconds)
        LOCAL.set(key, value, seconds)
    return value


class StandInUser:
    """The signed-in user as the frame sees them while it is rendered for many."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, user):
        self.pk = user.pk

    def get_short_name(self) -> str:
        return NAME_STAND_IN


def nav_key(user) -> str:
    """What the frame shows of a viewer besides their name: the menu items their roles open."""
    from accounts.roles import user_roles

    roles = user_roles(user)
    return f"n{int(roles.is_coordinator)}{int(roles.is_admin)}"


def kept_page(request, key, render) -> HttpResponse:
    """The page under `key()`, from the cache when it is there; `render(stand_ins)` renders
    it, `stand_ins` being context to give the template (the stand-in user and CSRF token).
    The key is asked for only when pages are kept (it may cost a query)."""
    seconds = settings.WHOLE_PAGE_CACHE_SECONDS
    waiting = len(messages.get_messages(request)) > 0
    if seconds <= 0 or waiting:
        return HttpResponse(render({}))
    key = key()

    def build() -> bytes:
        html = render({"user": StandInUser(request.user), "csrf_token": CSRF_STAND_IN})
        if CSRF_STAND_IN not in html:
            # A frame changed so that the stand-in is no longer used would keep one visitor's
            # token for everyone else: refuse rather than keep it blindly.
            raise ValueError("the page's frame no longer carries the CSRF stand-in")
        # Kept encoded: a hit then costs no decoding and no encoding of a page of 200 KB.
        return html.encode()

    page = kept(key, seconds, build)
    name = str(conditional_escape(request.user.get_short_name())).encode()
    token = get_token(request).encode()
    return HttpResponse(page.replace(CSRF, token).replace(NAME, name))
