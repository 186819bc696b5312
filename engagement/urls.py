from django.urls import path

from engagement import views

app_name = "engagement"

urlpatterns = [
    path("programmes/<int:pk>/youth/", views.youth, name="youth"),
    path(
        "programmes/<int:programme_pk>/youth/new/", views.youth_leader_edit, name="youth_leader_add"
    ),
    path("youth-leaders/<int:pk>/", views.youth_leader_detail, name="youth_leader"),
    path("youth-leaders/<int:pk>/edit/", views.youth_leader_edit, name="youth_leader_edit"),
    path(
        "youth-leaders/<int:leader_pk>/support/new/",
        views.youth_support_edit,
        name="support_add",
    ),
    path("support/<int:pk>/edit/", views.youth_support_edit, name="support_edit"),
    path("support/<int:pk>/delete/", views.youth_support_delete, name="support_delete"),
    path("programmes/<int:pk>/veterans/", views.veterans, name="veterans"),
    path(
        "programmes/<int:programme_pk>/veterans/organisations/new/",
        views.veteran_organisation_edit,
        name="veteran_organisation_add",
    ),
    path(
        "veteran-organisations/<int:pk>/",
        views.veteran_organisation_detail,
        name="veteran_organisation",
    ),
    path(
        "veteran-organisations/<int:pk>/edit/",
        views.veteran_organisation_edit,
        name="veteran_organisation_edit",
    ),
    path(
        "programmes/<int:programme_pk>/veterans/assessments/new/",
        views.assessment_edit,
        name="assessment_add",
    ),
    path("needs-assessments/<int:pk>/", views.assessment_detail, name="assessment"),
    path("needs-assessments/<int:pk>/edit/", views.assessment_edit, name="assessment_edit"),
    path(
        "programmes/<int:programme_pk>/veterans/opportunities/new/",
        views.opportunity_edit,
        name="opportunity_add",
    ),
    path("opportunities/<int:pk>/", views.opportunity_detail, name="opportunity"),
    path("opportunities/<int:pk>/edit/", views.opportunity_edit, name="opportunity_edit"),
    path("programmes/<int:pk>/events/", views.events, name="events"),
    path("programmes/<int:programme_pk>/events/new/", views.event_edit, name="event_add"),
    path("events/<int:pk>/", views.event_detail, name="event"),
    path("events/<int:pk>/edit/", views.event_edit, name="event_edit"),
    path("events/<int:pk>/participants/", views.participants_add, name="participants_add"),
    path(
        "events/<int:pk>/participants/import/",
        views.participants_import,
        name="participants_import",
    ),
    path("events/<int:pk>/sign-in/", views.sign_in_sheet, name="sign_in"),
    path("participants/<int:pk>/remove/", views.participant_remove, name="participant_remove"),
]
