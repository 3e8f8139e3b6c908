from django.urls import path

from monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("", views.store_dashboard, name="dashboard"),
    path("network/", views.network_dashboard, name="network"),
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/<int:pk>/<slug:action>/", views.alert_action, name="alert_action"),
]
