from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from franchises.login import ThrottledLoginView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="orders:list"), name="home"),
    path("admin/", admin.site.urls),
    path("login/", ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("vtex/", include("orders.vtex_urls")),
    path("orders/", include("orders.urls")),
    path("routing/stock/", include("routing.stock_urls")),
    path("routing/simulations/", include("routing.simulation_urls")),
    path("routing/", include("routing.urls")),
    path("finance/", include("finance.urls")),
    path("monitoring/", include("monitoring.urls")),
    path("api/v1/", include("api.urls")),
]
