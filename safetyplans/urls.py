from django.urls import path

from safetyplans import library_views, views

app_name = "safetyplans"

urlpatterns = [
    path("groups/<int:pk>/plans/", views.group_plans, name="group_plans"),
    path("groups/<int:pk>/plans/new/", views.plan_create, name="create"),
    path("programmes/<int:pk>/plans/", views.programme_overview, name="overview"),
    path("plans/<int:pk>/", views.plan_detail, name="detail"),
    path("plans/<int:pk>/revise/", views.plan_revise, name="revise"),
    path("plans/<int:pk>/delete/", views.plan_delete, name="delete"),
    path("plans/<int:pk>/v<int:number>/", views.version_detail, name="version"),
    path("plans/<int:pk>/v<int:number>/compare/", views.version_compare, name="compare"),
    path("plans/<int:pk>/v<int:number>/context/", views.context_edit, name="context"),
    path("plans/<int:pk>/v<int:number>/priorities/new/", views.priority_add, name="priority_add"),
    path("plans/<int:pk>/v<int:number>/actions/new/", views.action_add, name="action_add"),
    path("plans/<int:pk>/v<int:number>/submit/", views.version_submit, name="submit"),
    path("plans/<int:pk>/v<int:number>/return/", views.version_return, name="return"),
    path("plans/<int:pk>/v<int:number>/approve/", views.version_approve, name="approve"),
    path("plans/<int:pk>/v<int:number>/discard/", views.version_discard, name="discard"),
    path("plans/<int:pk>/v<int:number>/pdf/", views.document_request, name="document_request"),
    path("plans/<int:pk>/v<int:number>/decision/", views.decision_download, name="decision"),
    path(
        "plans/<int:pk>/v<int:number>/priorities/<int:item>/",
        views.priority_edit,
        name="priority_edit",
    ),
    path("plans/<int:pk>/v<int:number>/actions/<int:item>/", views.action_edit, name="action_edit"),
    path(
        "priorities/<int:pk>/remove/",
        views.item_remove,
        {"kind": "priority"},
        name="priority_remove",
    ),
    path("actions/<int:pk>/remove/", views.item_remove, {"kind": "action"}, name="action_remove"),
    path(
        "plans/<int:pk>/v<int:number>/decisions/",
        views.decision_options,
        name="decision_options",
    ),
    # The library of measures.
    path("measures/", library_views.library, name="library"),
    path("measures/<int:pk>/", library_views.measure_detail, name="measure"),
    path("measures/<int:pk>/edit/", library_views.measure_edit, name="measure_edit"),
    path("actions/<int:pk>/measure/", library_views.measure_create, name="measure_create"),
    path(
        "plans/<int:pk>/v<int:number>/library/",
        library_views.library,
        name="version_library",
    ),
    path(
        "plans/<int:pk>/v<int:number>/library/<int:measure>/",
        views.measure_copy,
        name="measure_copy",
    ),
    path("progress/<int:pk>/", views.action_track, name="track"),
    path("plan-pdfs/<int:pk>/", views.document_download, name="document"),
    path("plan-pdfs/<int:pk>/status/", views.document_status, name="document_status"),
]
