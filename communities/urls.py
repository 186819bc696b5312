from django.urls import path

from communities import views

app_name = "communities"

urlpatterns = [
    path("programmes/", views.programme_list, name="programme_list"),
    path("programmes/new/", views.programme_create, name="programme_create"),
    path("programmes/<int:pk>/", views.programme_detail, name="programme_detail"),
    path("programmes/<int:pk>/edit/", views.programme_edit, name="programme_edit"),
    path("programmes/<int:pk>/enrol/", views.programme_enrol, name="programme_enrol"),
    path(
        "programmes/<int:pk>/enrolments/<int:enrolment_pk>/withdraw/",
        views.enrolment_withdraw_view,
        name="enrolment_withdraw",
    ),
    path("communities/", views.community_list, name="community_list"),
    path("communities/<int:pk>/", views.community_detail, name="community_detail"),
    path("communities/<int:pk>/edit/", views.community_edit, name="community_edit"),
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/new/", views.organisation_form, name="organisation_create"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("organisations/<int:pk>/edit/", views.organisation_form, name="organisation_edit"),
]
