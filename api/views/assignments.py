"""A store's queue: list its assignments and move them through the workflow
with the same services the pages call (routing.services.assignments)."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from api.errors import Unprocessable
from api.filters import AssignmentFilter
from api.pagination import ByOfferCursorPagination
from api.serializers import (
    AssignmentDetailSerializer,
    AssignmentSerializer,
    InvoiceSerializer,
    RejectSerializer,
    ShipSerializer,
)
from api.views.base import ApiDetailView, ApiListView, ApiWriteView
from franchises.access import assignment_for_user_or_404, visible_assignments
from routing.services import assignments as workflow


@extend_schema(tags=["assignments"])
class AssignmentListView(ApiListView):
    serializer_class = AssignmentSerializer
    filterset_class = AssignmentFilter
    pagination_class = ByOfferCursorPagination

    def get_queryset(self):
        return visible_assignments(self.request.user).select_related(
            "order", "location"
        )


@extend_schema(tags=["assignments"])
class AssignmentDetailView(ApiDetailView):
    serializer_class = AssignmentDetailSerializer

    def get_object(self):
        return assignment_for_user_or_404(self.request.user, pk=self.kwargs["pk"])


class AssignmentActionView(ApiWriteView):
    """Load the caller's assignment (404 for anyone else's), validate the
    body, run the transition and return the assignment."""

    input_serializer = None

    def perform(self, request, pk):
        assignment = assignment_for_user_or_404(request.user, pk=pk)
        data = {}
        if self.input_serializer is not None:
            serializer = self.input_serializer(
                data=request.data, context={"assignment": assignment}
            )
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
        try:
            assignment = self.transition(assignment, data)
        except workflow.TransitionError as error:
            raise Unprocessable(str(error), code="invalid_transition") from None
        assignment = (
            visible_assignments(request.user)
            .select_related("order", "location")
            .prefetch_related("lines")
            .get(pk=assignment.pk)
        )
        return Response(AssignmentDetailSerializer(assignment).data)

    def transition(self, assignment, data):
        raise NotImplementedError


def _action_schema(summary: str, request=None):
    return extend_schema(
        tags=["assignments"],
        summary=summary,
        request=request,
        responses={200: AssignmentDetailSerializer},
    )


@_action_schema("Accept an offered assignment")
class AssignmentAcceptView(AssignmentActionView):
    def transition(self, assignment, data):
        return workflow.assignment_accept(assignment=assignment)


@_action_schema("Reject an offered assignment", RejectSerializer)
class AssignmentRejectView(AssignmentActionView):
    input_serializer = RejectSerializer

    def transition(self, assignment, data):
        return workflow.assignment_reject(
            assignment=assignment,
            reason=data["reason"],
            note=data.get("note", ""),
            missing_sku_ids=data.get("missing_sku_ids"),
        )


@_action_schema("Start picking an accepted assignment")
class AssignmentPickingView(AssignmentActionView):
    def transition(self, assignment, data):
        return workflow.assignment_start_picking(assignment=assignment)


@_action_schema("Mark a picked assignment ready for pickup")
class AssignmentReadyView(AssignmentActionView):
    def transition(self, assignment, data):
        return workflow.assignment_mark_ready(assignment=assignment)


@_action_schema("Mark a picked assignment shipped, with tracking", ShipSerializer)
class AssignmentShipView(AssignmentActionView):
    input_serializer = ShipSerializer

    def transition(self, assignment, data):
        return workflow.assignment_mark_shipped(
            assignment=assignment,
            carrier=data["carrier"],
            tracking_number=data["tracking_number"],
        )


@_action_schema("Record the NF-e of a shipped or ready assignment", InvoiceSerializer)
class AssignmentInvoiceView(AssignmentActionView):
    input_serializer = InvoiceSerializer

    def transition(self, assignment, data):
        return workflow.assignment_mark_invoiced(
            assignment=assignment,
            invoice_number=data["invoice_number"],
            invoice_key=data["invoice_key"],
            invoice_value=data["invoice_value"],
        )
