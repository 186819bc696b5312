from allauth.account.decorators import secure_admin_login
from allauth.account.views import logout
from django.contrib import admin
from django.urls import include, path

from api.urls import api_urlpatterns
from cohesion import views
from offline import views as offline_views

# The admin signs in through allauth, so its rate limits and MFA apply there too.
admin.autodiscover()
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Cohesion"
admin.site.site_title = "Cohesion"

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("health/live/", views.live, name="live"),
    # Before allauth's own: the same view, saying Clear-Site-Data on the way out.
    path("accounts/logout/", offline_views.clearing_site_data(logout), name="account_logout"),
    path("accounts/", include("allauth.urls")),
    path("manifest.webmanifest", offline_views.manifest, name="manifest"),
    path("sw.js", offline_views.service_worker, name="service_worker"),
    path("", include("offline.urls")),
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    path("", include("communities.urls")),
    path("", include("workinggroups.urls")),
    path("", include("meetings.urls")),
    path("", include("safetyplans.urls")),
    path("", include("engagement.urls")),
    path("", include("dashboards.urls")),
    path("", include("participation.urls")),
    path("", include("activity.urls")),
    path("", include("recommendations.urls")),
    path("", include("api.urls")),
    *api_urlpatterns,
]

handler400 = "cohesion.views.bad_request"
handler403 = "cohesion.views.permission_denied"
handler404 = "cohesion.views.page_not_found"
handler500 = "cohesion.views.server_error"
