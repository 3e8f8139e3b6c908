from django.urls import path

from routing import stock_views

app_name = "routing_stock"

urlpatterns = [
    path("upload/", stock_views.stock_upload, name="upload"),
    path("imports/<int:pk>/", stock_views.stock_import_detail, name="import"),
]
