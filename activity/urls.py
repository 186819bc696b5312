from django.urls import path

from activity import views

app_name = "activity"

urlpatterns = [
    path("programmes/<int:pk>/activity/", views.programme_activity, name="programme"),
]
