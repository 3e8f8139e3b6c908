from django.urls import path

from orders.hook_views import vtex_hook

urlpatterns = [
    path("hook/", vtex_hook, name="vtex-hook"),
]
