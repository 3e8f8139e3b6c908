"""One error body for every API failure:

    {"error": {"code": "invalid", "message": "…",
               "fields": {"quantity": [{"code": "min_value", "message": "…"}]}}}

`fields` appears on validation errors only; for a bulk request it is keyed
by row number and field (see the stock push).
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

# HTTP 422: the request is well-formed but cannot be carried out.
UNPROCESSABLE = status.HTTP_422_UNPROCESSABLE_ENTITY


class Unprocessable(exceptions.APIException):
    """A business rule rejected the request; the message says which and why."""

    status_code = UNPROCESSABLE
    default_code = "unprocessable"
    default_detail = gettext_lazy("The request cannot be carried out.")


def error_body(code: str, message, fields=None) -> dict:
    body = {"code": code, "message": str(message)}
    if fields is not None:
        body["fields"] = fields
    return {"error": body}


def api_exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or None)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        details = exc.get_full_details()
        if isinstance(details, list):
            details = {"non_field_errors": details}
        response.data = error_body(
            "invalid", _("The request has invalid fields."), fields=details
        )
        return response
    detail = getattr(exc, "detail", "")
    code = detail.code if hasattr(detail, "code") else exc.default_code
    response.data = error_body(code, detail)
    return response


def error_response(code: str, message, status_code: int) -> Response:
    return Response(error_body(code, message), status=status_code)
