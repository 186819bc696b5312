from django.urls import path

from dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("programmes/<int:pk>/dashboard/", views.dashboard, name="dashboard"),
    path("programmes/<int:pk>/dashboard/map/", views.map_data, name="map_data"),
    path("programmes/<int:pk>/dashboard/communities/", views.communities, name="communities"),
    path("programmes/<int:pk>/targets/", views.targets, name="targets"),
    path("programmes/<int:pk>/exports/", views.exports, name="exports"),
    path("programmes/<int:pk>/comments/", views.comments, name="comments"),
    path("programmes/<int:pk>/iptt/", views.tracking_table, name="iptt"),
    path("programmes/<int:pk>/iati.xml", views.iati_file, name="iati"),
    path("exports/<int:pk>/", views.export_download, name="export_download"),
    path("exports/<int:pk>/status/", views.export_status, name="export_status"),
    path("exports/<int:pk>/retry/", views.export_retry, name="export_retry"),
]
