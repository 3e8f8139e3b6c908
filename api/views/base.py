"""Base classes of the API views: token authentication, scope checks,
per-token throttling, and idempotent writes."""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import generics
from rest_framework.views import APIView

from api.authentication import TokenAuthentication
from api.idempotency import idempotent_call
from api.pagination import NewestFirstCursorPagination
from api.permissions import HasToken
from api.schema import ApiAutoSchema
from api.throttling import TokenRateThrottle


class ApiView(APIView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [HasToken]
    throttle_classes = [TokenRateThrottle]
    schema = ApiAutoSchema()


class ApiListView(generics.ListAPIView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [HasToken]
    throttle_classes = [TokenRateThrottle]
    schema = ApiAutoSchema()
    filter_backends = [DjangoFilterBackend]
    pagination_class = NewestFirstCursorPagination


class ApiDetailView(generics.RetrieveAPIView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [HasToken]
    throttle_classes = [TokenRateThrottle]
    schema = ApiAutoSchema()


class ApiWriteView(ApiView):
    """A POST that honours `Idempotency-Key`; subclasses implement `perform`."""

    def post(self, request, *args, **kwargs):
        return idempotent_call(self, request, lambda: self.perform(request, **kwargs))

    def perform(self, request, **kwargs):
        raise NotImplementedError


@csrf_exempt
def not_found(request, *args, **kwargs):
    from api.errors import error_body

    return JsonResponse(
        error_body(
            "not_found", _("No API endpoint at %(path)s.") % {"path": request.path}
        ),
        status=404,
    )
