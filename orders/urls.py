from django.urls import path

from orders import views

app_name = "orders"

urlpatterns = [
    path("", views.order_list, name="list"),
    # Before the detail route, so "quarantine" is never read as an order id.
    path("quarantine/", views.quarantine_list, name="quarantine"),
    path("<str:vtex_order_id>/", views.order_detail, name="detail"),
]
