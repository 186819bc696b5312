from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("invitations/", views.invitation_list, name="invitation_list"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke_view, name="invitation_revoke"),
    path("join/", views.invitation_accept_view, name="invitation_accept"),
    path("join/<str:token>/", views.invitation_link, name="invitation_link"),
    path("profile/", views.profile, name="profile"),
    path(
        "access/<int:pk>/remove/",
        views.role_assignment_remove_view,
        name="role_assignment_remove",
    ),
    path("i18n/setlang/", views.set_language, name="set_language"),
]
