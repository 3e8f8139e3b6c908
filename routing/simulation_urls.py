from django.urls import path

from routing import simulation_views

app_name = "routing_simulation"

urlpatterns = [
    path("", simulation_views.simulation_list, name="list"),
    path("<int:pk>/", simulation_views.simulation_detail, name="detail"),
]
