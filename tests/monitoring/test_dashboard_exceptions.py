"""The network dashboard's exception queue shows reasons in the user's language."""

import pytest
from django.urls import reverse

from routing.models import RoutingCase
from tests.i18n import pt_br
from tests.orders.factories import OrderFactory

NO_POLICY = "No active routing policy matches."


@pytest.mark.django_db
def test_exception_reason_in_portuguese(client, hq_user):
    order = OrderFactory()
    RoutingCase.objects.create(
        order=order, status=RoutingCase.Status.EXCEPTION, reason=NO_POLICY
    )
    client.force_login(hq_user)

    page = client.get(reverse("monitoring:network")).content.decode()

    assert order.vtex_order_id in page
    assert pt_br(NO_POLICY) in page
    assert NO_POLICY not in page
