from django.urls import path

from participation import views

app_name = "participation"

urlpatterns = [
    path("p/", views.programmes, name="programmes"),
    path("p/privacy/", views.privacy, name="privacy"),
    path("p/<int:pk>/", views.programme, name="programme"),
    path("p/<int:pk>/iati.xml", views.iati_file, name="iati"),
    path("p/<int:pk>/apply/", views.apply, name="apply"),
    path("p/<int:pk>/thanks/", views.thanks, name="thanks"),
    path("p/plans/<int:pk>.pdf", views.plan_pdf, name="plan_pdf"),
    path("programmes/<int:pk>/applications/", views.queue, name="queue"),
    path("applications/<int:pk>/", views.application_detail, name="application"),
    path("applications/<int:pk>/accept/", views.application_accept, name="accept"),
    path("applications/<int:pk>/decline/", views.application_decline, name="decline"),
]
