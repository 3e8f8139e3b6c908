"""OpenAPI generation: every operation also documents the error body of
`api.errors` for the failures any API request can meet."""

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

ERROR_STATUSES = {
    "400": "Invalid query parameters or body; `fields` names each problem.",
    "401": "Missing, unknown or revoked token.",
    "403": "The token's scope or access does not allow this.",
    "404": "Not found, or outside the token's scope.",
    "409": "Another request with the same Idempotency-Key is in progress.",
    "422": "A business rule rejected the request, or an Idempotency-Key was "
    "reused for another request.",
    "429": "Rate limit reached; retry after Retry-After seconds.",
}


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(
        required=False,
        help_text="Per field (or, for a stock push, per row and field) a list "
        "of {code, message}.",
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


class ApiAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for status, description in ERROR_STATUSES.items():
            if status not in responses:
                response = self._get_response_for_code(ErrorSerializer, status)
                response["description"] = description
                responses[status] = response
        return responses
