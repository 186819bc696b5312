from django.urls import path

from offline import views

app_name = "offline"

urlpatterns = [
    path("offline/scope/", views.scope, name="scope"),
    path("offline/csrf/", views.csrf, name="csrf"),
]
