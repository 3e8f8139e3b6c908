"""Stock push: an ERP sets absolute quantities of one location's SKUs.

Rows are checked by hand rather than by a serializer per row, because a push
may carry tens of thousands of them. Every invalid row is reported, and
nothing is written unless all rows are valid.
"""

from decimal import Decimal, InvalidOperation

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.response import Response

from api.serializers import MAX_INT, StockPushResultSerializer, StockPushSerializer
from api.views.base import ApiWriteView
from franchises.access import visible_locations
from routing.models import StockLevel
from routing.services.stock import StockRow, stock_levels_set

MAX_ROWS = 50_000
MAX_LEAD_TIME_HOURS = Decimal("99999.9")


def _error(code: str, message: str) -> dict:
    return {"code": code, "message": message}


def _row_errors(row, seen: set[str]) -> tuple[StockRow | None, dict]:
    """Return the parsed row (location left 0) and its field errors."""
    if not isinstance(row, dict):
        return None, {
            "non_field_errors": [_error("invalid", _("A row must be an object."))]
        }
    errors: dict[str, list] = {}
    sku_id = row.get("sku_id")
    if not isinstance(sku_id, str) or not sku_id.strip():
        errors["sku_id"] = [_error("required", _("A SKU id is required."))]
    elif len(sku_id.strip()) > 40:
        errors["sku_id"] = [
            _error("max_length", _("A SKU id has at most 40 characters."))
        ]
    elif sku_id.strip() in seen:
        errors["sku_id"] = [
            _error(
                "duplicate",
                _("SKU %(sku)s appears twice in this push.") % {"sku": sku_id.strip()},
            )
        ]
    quantity = row.get("quantity")
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        errors["quantity"] = [
            _error("invalid", _("The quantity must be a whole number."))
        ]
    elif quantity < 0:
        errors["quantity"] = [
            _error("min_value", _("The quantity cannot be negative."))
        ]
    elif quantity > MAX_INT:
        errors["quantity"] = [
            _error(
                "max_value",
                _("The quantity must be at most %(max)d.") % {"max": MAX_INT},
            )
        ]
    lead_time = row.get("lead_time_hours")
    if lead_time is not None:
        try:
            if isinstance(lead_time, bool):
                raise InvalidOperation
            lead_time = Decimal(str(lead_time))
            if not lead_time.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            errors["lead_time_hours"] = [
                _error("invalid", _("The lead time must be a number of hours."))
            ]
        else:
            if not Decimal(0) <= lead_time <= MAX_LEAD_TIME_HOURS:
                errors["lead_time_hours"] = [
                    _error(
                        "out_of_range",
                        _("The lead time must be between 0 and %(max)s hours.")
                        % {"max": MAX_LEAD_TIME_HOURS},
                    )
                ]
    unknown = sorted(set(row) - {"sku_id", "quantity", "lead_time_hours"})
    if unknown:
        errors["non_field_errors"] = [
            _error(
                "unknown_field",
                _("Unknown field %(fields)s.") % {"fields": ", ".join(unknown)},
            )
        ]
    if errors:
        return None, errors
    sku_id = sku_id.strip()
    seen.add(sku_id)
    return StockRow(
        location_id=0,
        sku_id=sku_id,
        quantity=quantity,
        lead_time_hours=None if lead_time is None else float(lead_time),
    ), {}


@extend_schema(
    tags=["stock"],
    summary="Set a location's stock quantities (absolute, not deltas)",
    request=StockPushSerializer,
    responses={200: StockPushResultSerializer},
)
class StockPushView(ApiWriteView):
    def perform(self, request, code):
        try:
            location = visible_locations(request.user).get(code=code)
        except visible_locations(request.user).model.DoesNotExist:
            raise Http404(_("No such location.")) from None
        body = request.data
        rows = body.get("rows") if isinstance(body, dict) else None
        if not isinstance(rows, list) or not rows:
            raise exceptions.ValidationError(
                {
                    "rows": [
                        exceptions.ErrorDetail(_("Send a list of rows."), "required")
                    ]
                }
            )
        if len(rows) > MAX_ROWS:
            raise exceptions.ValidationError(
                {
                    "rows": [
                        exceptions.ErrorDetail(
                            _("At most %(max)d rows per push; split the push.")
                            % {"max": MAX_ROWS},
                            "max_length",
                        )
                    ]
                }
            )
        parsed, errors, seen = [], {}, set()
        for number, row in enumerate(rows):
            stock_row, row_errors = _row_errors(row, seen)
            if row_errors:
                errors[str(number)] = row_errors
            else:
                parsed.append(stock_row)
        if errors:
            raise _RowsInvalid(errors, len(errors))
        count = stock_levels_set(
            rows=[
                StockRow(location.pk, row.sku_id, row.quantity, row.lead_time_hours)
                for row in parsed
            ],
            source=StockLevel.Source.ERP,
        )
        return Response({"location": location.code, "rows": count})


class _RowsInvalid(exceptions.ValidationError):
    """Per-row errors, keyed by the row's position in `rows`, from 0."""

    def __init__(self, row_errors: dict, count: int):
        super().__init__()
        self.row_errors = row_errors
        self.count = count

    def get_full_details(self):
        return {"rows": self.row_errors}
