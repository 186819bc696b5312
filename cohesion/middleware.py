"""Middleware of the kernel."""

from django.utils.cache import patch_cache_control


class PrivateResponsesMiddleware:
    """Nothing sent to a signed-in user is kept by any cache: not by a proxy, and not on the
    disk of a shared computer (a library's, a council office's), where the next person could
    find member lists, a person's page or a meeting's record. Every such response says
    `Cache-Control: private, no-store`, whatever the view said; even a public page carries
    the user's name in its header. Outermost but for static files, so that it has the last
    word on the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in and "no-store" not in response.get("Cache-Control", ""):
            del response["Cache-Control"]
            del response["Expires"]
            patch_cache_control(response, private=True, no_store=True)
        return response
