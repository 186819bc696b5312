from django.urls import path

from recommendations import views

app_name = "recommendations"

urlpatterns = [
    path("groups/<int:pk>/recommendations/", views.group_list, name="group_list"),
    path("programmes/<int:pk>/recommendations/", views.programme_list, name="programme_list"),
    path(
        "meetings/<int:pk>/recommendations/new/",
        views.recommendation_create,
        name="create",
    ),
    path("recommendations/<int:pk>/", views.recommendation_detail, name="detail"),
    path("recommendations/<int:pk>/send/", views.recommendation_send, name="send"),
    path("recommendations/<int:pk>/answer/", views.answer_record, name="answer"),
    path("recommendations/<int:pk>/steps/", views.step_add, name="step_add"),
    path("recommendations/answers/<int:pk>/document/", views.answer_document, name="document"),
]
