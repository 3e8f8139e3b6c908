"""Routing policies and simulations, for HQ tokens only, as on the pages."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from api.errors import Unprocessable
from api.filters import PolicyFilter, SimulationFilter
from api.permissions import HasToken, IsHqToken
from api.serializers import (
    PolicySerializer,
    SimulationSerializer,
    SimulationStartSerializer,
)
from api.views.base import ApiDetailView, ApiListView, ApiWriteView
from routing.models import RoutingPolicy, SimulationRun
from routing.services.simulation import SimulationError, simulation_start

HQ_ONLY = [HasToken, IsHqToken]


@extend_schema(tags=["routing"])
class PolicyListView(ApiListView):
    permission_classes = HQ_ONLY
    serializer_class = PolicySerializer
    filterset_class = PolicyFilter

    def get_queryset(self):
        return RoutingPolicy.objects.prefetch_related("steps")


@extend_schema(tags=["routing"])
class PolicyDetailView(ApiDetailView):
    permission_classes = HQ_ONLY
    serializer_class = PolicySerializer
    queryset = RoutingPolicy.objects.prefetch_related("steps")


@extend_schema(tags=["routing"])
class SimulationListView(ApiListView):
    permission_classes = HQ_ONLY
    serializer_class = SimulationSerializer
    filterset_class = SimulationFilter
    queryset = SimulationRun.objects.all()


@extend_schema(tags=["routing"])
class SimulationDetailView(ApiDetailView):
    permission_classes = HQ_ONLY
    serializer_class = SimulationSerializer
    queryset = SimulationRun.objects.all()


@extend_schema(
    tags=["routing"],
    summary="Start a simulation of a draft policy against a baseline",
    request=SimulationStartSerializer,
    responses={201: SimulationSerializer},
)
class SimulationStartView(ApiWriteView):
    permission_classes = HQ_ONLY

    def perform(self, request):
        serializer = SimulationStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            run = simulation_start(
                policy=data["policy"],
                baseline=data.get("baseline"),
                period_start=data["period_start"],
                period_end=data["period_end"],
                user=None,
            )
        except SimulationError as error:
            raise Unprocessable(str(error), code="invalid_simulation") from None
        return Response(SimulationSerializer(run).data, status=status.HTTP_201_CREATED)
