from django.urls import path

from routing import views

app_name = "routing"

urlpatterns = [
    path("assignments/", views.assignment_queue, name="queue"),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment"),
    path(
        "assignments/<int:pk>/<slug:action>/",
        views.assignment_action,
        name="assignment_action",
    ),
    path("exceptions/", views.exception_queue, name="exceptions"),
    path(
        "exceptions/<int:pk>/assign/",
        views.exception_assign,
        name="exception_assign",
    ),
    path(
        "exceptions/<int:pk>/reroute/",
        views.exception_reroute,
        name="exception_reroute",
    ),
    path("search/", views.assignment_search, name="search"),
]
