from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from api.errors import Unprocessable
from api.filters import AlertFilter
from api.serializers import AlertSerializer
from api.views.base import ApiListView, ApiWriteView
from monitoring.selectors import alert_for_user_or_404, visible_alerts
from monitoring.services.alerts import AlertTransitionError, alert_acknowledge


@extend_schema(tags=["alerts"])
class AlertListView(ApiListView):
    serializer_class = AlertSerializer
    filterset_class = AlertFilter

    def get_queryset(self):
        return visible_alerts(self.request.user).select_related("rule", "owner")


@extend_schema(
    tags=["alerts"],
    summary="Acknowledge an open alert",
    request=None,
    responses={200: AlertSerializer},
)
class AlertAcknowledgeView(ApiWriteView):
    def perform(self, request, pk):
        alert = alert_for_user_or_404(request.user, pk=pk)
        try:
            # A token has no user row, so the alert's history records none.
            alert = alert_acknowledge(alert=alert, user=None)
        except AlertTransitionError as error:
            raise Unprocessable(str(error), code="invalid_transition") from None
        return Response(AlertSerializer(alert).data)
