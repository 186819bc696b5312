from django.urls import path

from workinggroups import spreadsheets, views

app_name = "workinggroups"

urlpatterns = [
    path("groups/", views.my_groups, name="my_groups"),
    path("programmes/<int:pk>/groups/", views.group_list, name="group_list"),
    path("programmes/<int:pk>/groups/new/", views.group_create, name="group_create"),
    path(
        "programmes/<int:pk>/complete/",
        views.programme_complete_view,
        name="programme_complete",
    ),
    path(
        "programmes/<int:pk>/composition/",
        views.composition_rules_edit,
        name="composition_rules",
    ),
    path(
        "programmes/<int:pk>/members.<str:fmt>",
        spreadsheets.programme_export,
        name="programme_export",
    ),
    path("groups/<int:pk>/", views.group_detail, name="detail"),
    path("groups/<int:pk>/edit/", views.group_edit, name="edit"),
    path("groups/<int:pk>/status/", views.group_status, name="status"),
    path("groups/<int:pk>/members/new/", views.member_add, name="member_add"),
    path("groups/<int:pk>/members/import/", spreadsheets.member_import, name="member_import"),
    path("imports/<int:pk>/", spreadsheets.import_job, name="import_job"),
    path("imports/<int:pk>/progress/", spreadsheets.import_progress, name="import_progress"),
    path("imports/<int:pk>/mistakes.csv", spreadsheets.import_mistakes, name="import_mistakes"),
    path("groups/<int:pk>/members.<str:fmt>", spreadsheets.group_export, name="group_export"),
    path("groups/import-template.<str:fmt>", spreadsheets.import_template, name="import_template"),
    path("memberships/<int:pk>/edit/", views.membership_edit, name="membership_edit"),
    path("memberships/<int:pk>/end/", views.membership_end_view, name="membership_end"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/invite/", views.person_invite, name="person_invite"),
]
