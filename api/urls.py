from django.contrib.auth.decorators import login_not_required
from django.urls import URLPattern, include, path

from api import views
from api.endpoints import api

app_name = "api"


def _token_only(patterns):
    """The API's own views answer with 401 themselves: the site's sign-in redirect is not for
    them (a script has no session)."""
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern.callback = login_not_required(pattern.callback)
    return patterns


api_patterns, api_app, api_namespace = api.urls

urlpatterns = [
    path("account/api-tokens/", views.token_list, name="tokens"),
    path("account/api-tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("api/v1/docs", views.docs, name="docs"),
]

# Outside this app's namespace: the API's own ("api-v1").
api_urlpatterns = [
    path("api/v1/", include((_token_only(api_patterns), api_app), namespace=api_namespace))
]
