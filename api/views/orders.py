from drf_spectacular.utils import extend_schema

from api.filters import OrderFilter
from api.serializers import OrderDetailSerializer, OrderSerializer
from api.views.base import ApiDetailView, ApiListView
from franchises.access import (
    order_for_user_or_404,
    user_is_hq,
    visible_assignments,
    visible_orders,
)


@extend_schema(tags=["orders"])
class OrderListView(ApiListView):
    serializer_class = OrderSerializer
    filterset_class = OrderFilter

    def get_queryset(self):
        return visible_orders(self.request.user)


@extend_schema(tags=["orders"])
class OrderDetailView(ApiDetailView):
    serializer_class = OrderDetailSerializer
    lookup_url_kwarg = "order_id"

    def get_object(self):
        order = order_for_user_or_404(
            self.request.user, vtex_order_id=self.kwargs["order_id"]
        )
        return order

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["is_hq"] = user_is_hq(self.request.user)
        context["assignments"] = visible_assignments(self.request.user)
        return context
