"""Base classes of the API views: token authentication, scope checks,
per-token throttling, and idempotent writes."""

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import generics
from rest_framework.views import APIView

from api.authentication import TokenAuthentication
from api.idempotency import idempotent_call
from api.pagination import NewestFirstCursorPagination
from api.permissions import HasToken
from api.throttling import TokenRateThrottle


class ApiView(APIView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [HasToken]
    throttle_classes = [TokenRateThrottle]


class ApiListView(generics.ListAPIView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [HasToken]
    throttle_classes = [TokenRateThrottle]
    filter_backends = [DjangoFilterBackend]
    pagination_class = NewestFirstCursorPagination


class ApiDetailView(generics.RetrieveAPIView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [HasToken]
    throttle_classes = [TokenRateThrottle]


class ApiWriteView(ApiView):
    """A POST that honours `Idempotency-Key`; subclasses implement `perform`."""

    def post(self, request, *args, **kwargs):
        return idempotent_call(self, request, lambda: self.perform(request, **kwargs))

    def perform(self, request, **kwargs):
        raise NotImplementedError
