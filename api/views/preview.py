"""The settlement preview for HQ systems: the same computation as the HQ page
(`finance.services.preview.settlement_preview`), posting nothing."""

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response

from api.errors import Unprocessable
from api.permissions import IsHqToken
from api.views.base import ApiView
from finance.models import Contract
from finance.money import money_format
from finance.services.preview import settlement_preview
from franchises.models import Location

MONEY = {"max_digits": 14, "decimal_places": 2}


class AnyToken(permissions.BasePermission):
    """A valid API token, read-only ones included: a preview changes nothing."""

    def has_permission(self, request, view) -> bool:
        from api.models import ApiToken

        return isinstance(request.auth, ApiToken)


class PreviewInputSerializer(serializers.Serializer):
    lines = serializers.ListField(
        child=serializers.DecimalField(min_value=Decimal("0.01"), **MONEY),
        min_length=1,
        max_length=500,
        help_text=gettext_lazy(
            "Each item's value (price × quantity) before the order discount."
        ),
    )
    discount = serializers.DecimalField(
        min_value=Decimal("0"), default=Decimal("0"), **MONEY
    )
    freight = serializers.DecimalField(
        min_value=Decimal("0"), default=Decimal("0"), **MONEY
    )
    fulfilling = serializers.SlugRelatedField(
        slug_field="code", queryset=Location.objects.all()
    )
    credited = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Location.objects.all(),
        required=False,
        help_text=gettext_lazy(
            "The store credited with the sale; the fulfilling one if absent."
        ),
    )
    pickup = serializers.BooleanField(default=False)
    contract = serializers.PrimaryKeyRelatedField(queryset=Contract.objects.all())


class PreviewRowSerializer(serializers.Serializer):
    party = serializers.CharField()
    label = serializers.CharField()
    amounts = serializers.DictField(child=serializers.DecimalField(**MONEY))
    total = serializers.DecimalField(**MONEY)


class PreviewSerializer(serializers.Serializer):
    paid = serializers.DecimalField(**MONEY)
    rows = PreviewRowSerializer(many=True)
    totals = serializers.DictField(child=serializers.DecimalField(**MONEY))


@extend_schema(
    tags=["finance"],
    summary="Preview every party's amounts for one order part, posting nothing",
    request=PreviewInputSerializer,
    responses={200: PreviewSerializer},
)
class SettlementPreviewView(ApiView):
    permission_classes = [AnyToken, IsHqToken]

    def post(self, request):
        serializer = PreviewInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["discount"] > sum(data["lines"]):
            raise Unprocessable(
                _("The discount %(discount)s exceeds the lines' total %(total)s.")
                % {
                    "discount": money_format(data["discount"]),
                    "total": money_format(sum(data["lines"])),
                },
                code="invalid_preview",
            )
        try:
            preview = settlement_preview(
                lines=data["lines"],
                discount=data["discount"],
                freight=data["freight"],
                fulfilling=data["fulfilling"],
                credited=data.get("credited") or data["fulfilling"],
                pickup=data["pickup"],
                contract=data["contract"],
            )
        except ValueError as error:
            raise Unprocessable(str(error), code="invalid_preview") from None
        body = {
            "paid": preview.paid,
            "rows": [
                {
                    "party": row.party,
                    "label": row.label,
                    "amounts": dict(zip(preview.entry_types, row.amounts, strict=True)),
                    "total": row.total,
                }
                for row in preview.rows
            ],
            "totals": dict(
                zip(preview.entry_types, preview.column_totals, strict=True)
            ),
        }
        return Response(PreviewSerializer(body).data)
