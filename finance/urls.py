from django.urls import include, path

from finance import views

app_name = "finance"

urlpatterns = [
    path("", views.entry_list, name="entries"),
    path("transactions/<int:pk>/", views.transaction_detail, name="transaction"),
    path("preview/", views.preview, name="preview"),
    path("", include("finance.urls_statements")),
]
