from django.urls import path

from meetings import followup_views, protocol_views, unsubscribe, views

app_name = "meetings"

urlpatterns = [
    path("groups/<int:pk>/meetings/", views.group_meetings, name="group_meetings"),
    path("groups/<int:pk>/meetings/new/", views.meeting_create, name="create"),
    path("groups/<int:pk>/meetings/record/", views.meeting_record_past, name="record_past"),
    path("groups/<int:pk>/calendar/renew/", views.feed_renew, name="feed_renew"),
    path("groups/<int:pk>/attendance-sheet/", views.attendance_sheet, name="attendance_sheet"),
    path("programmes/<int:pk>/compliance/", views.programme_compliance, name="compliance"),
    path("programmes/<int:pk>/reminders/", views.programme_reminders, name="reminders"),
    path("meetings/<int:pk>/", views.meeting_detail, name="detail"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="edit"),
    path("meetings/<int:pk>/call-off/", views.meeting_call_off_view, name="call_off"),
    path("meetings/<int:pk>/record/", views.meeting_log_view, name="log"),
    path("meetings/<int:pk>/plan-progress/", followup_views.plan_progress, name="plan_progress"),
    path("meetings/<int:pk>/agenda/", views.agenda_add, name="agenda_add"),
    path("agenda/<int:pk>/remove/", views.agenda_remove, name="agenda_remove"),
    path("meetings/<int:pk>/prereads/", views.preread_upload, name="preread_upload"),
    path("prereads/<int:pk>/", views.preread_download, name="preread_download"),
    path("prereads/<int:pk>/remove/", views.preread_delete, name="preread_delete"),
    path("actions/<int:pk>/status/", views.action_status, name="action_status"),
    path("actions/<int:pk>/redate/", views.action_redate, name="action_redate"),
    path(
        "meetings/<int:pk>/protocol/",
        protocol_views.protocol_request_view,
        name="protocol_request",
    ),
    path("protocols/<int:pk>/", protocol_views.protocol_download, name="protocol_download"),
    path("protocols/<int:pk>/status/", protocol_views.protocol_status, name="protocol_status"),
    path(
        "meetings/<int:pk>/signed-protocol/",
        protocol_views.signed_protocol_upload,
        name="signed_protocol_upload",
    ),
    path(
        "signed-protocols/<int:pk>/",
        protocol_views.signed_protocol_download,
        name="signed_protocol_download",
    ),
    path("calendar/<slug:token>.ics", views.feed, name="feed"),
    path("meetings/<int:pk>/send-agenda/", views.send_agenda, name="send_agenda"),
    path("unsubscribe/<str:token>/", unsubscribe.unsubscribe, name="unsubscribe"),
]
