from decimal import Decimal

import pytest

from orders.models import Order, VtexOutboxCall
from orders.services.refresh import order_store_document
from routing.models import Assignment, PolicyStep, RoutingPolicy
from routing.services.assignments import assignment_accept
from routing.services.policies import (
    PolicyError,
    policy_activate,
    policy_for_order,
    policy_new_draft,
)
from tests.orders.documents import vtex_document, vtex_text


@pytest.mark.django_db
def test_activating_draft_archives_previous_version(policy):
    draft = policy_new_draft(policy=policy)

    activated = policy_activate(policy=draft)

    policy.refresh_from_db()
    assert activated.version == 2
    assert activated.status == "active"
    assert policy.status == "archived"
    assert list(draft.steps.values_list("name", flat=True)) == list(
        policy.steps.values_list("name", flat=True)
    )


@pytest.mark.django_db
def test_only_a_draft_can_be_activated(policy):
    with pytest.raises(PolicyError) as caught:
        policy_activate(policy=policy)

    assert str(caught.value) == "Only a draft can be activated; version 1 is active."


@pytest.mark.django_db
def test_draft_with_invalid_step_cannot_be_activated(policy):
    draft = policy_new_draft(policy=policy)
    PolicyStep.objects.create(
        policy=draft, position=9, kind="filter", name="max_distance", params={"km": -5}
    )

    with pytest.raises(PolicyError) as caught:
        policy_activate(policy=draft)

    draft.refresh_from_db()
    assert "max_distance" in str(caught.value)
    assert "-5" in str(caught.value)
    assert draft.status == "draft"
    assert RoutingPolicy.objects.get(status="active").pk == policy.pk


@pytest.mark.django_db
def test_policy_changes_are_audited(policy):
    policy.name = "Renomeada"
    policy.save()

    assert policy.history.count() >= 2
    assert policy.history.first().name == "Renomeada"


@pytest.mark.django_db
def test_policy_conditions_select_by_channel_and_value(policy):
    pickup = RoutingPolicy.objects.create(
        key="retirada",
        version=1,
        name="Retirada",
        status="active",
        priority=10,
        delivery_channels=["pickup-in-point"],
    )
    big = RoutingPolicy.objects.create(
        key="grandes",
        version=1,
        name="Grandes",
        status="active",
        priority=20,
        min_order_value=Decimal("1000.00"),
    )
    order = Order(sales_channel="1", state="SP", total=Decimal("1234.56"))

    assert policy_for_order(order=order, delivery_channel="pickup-in-point") == pickup
    assert policy_for_order(order=order, delivery_channel="delivery") == big
    order.total = Decimal("10.00")
    assert policy_for_order(order=order, delivery_channel="delivery") == policy


@pytest.mark.django_db
def test_accepting_parts_queues_start_handling_once(
    network, policy, django_capture_on_commit_callbacks
):
    document = vtex_document("delivery-sao-paulo")
    with django_capture_on_commit_callbacks(execute=True):
        order_store_document(
            vtex_order_id=document["orderId"], text=vtex_text(document), source="hook"
        )
    assignment = Assignment.objects.get()

    assignment_accept(assignment=assignment)

    calls = VtexOutboxCall.objects.all()
    assert [call.kind for call in calls] == ["start_handling"]
    assert calls[0].idempotency_key == "start-handling:1480140512345-01"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [("max_parts", 9), ("max_parts", 0), ("acceptance_sla_minutes", 0)],
)
def test_policy_form_rejects_out_of_range_fields(policy, field, value):
    from django.core.exceptions import ValidationError

    setattr(policy, field, value)

    with pytest.raises(ValidationError) as caught:
        policy.full_clean()

    assert field in caught.value.message_dict
    policy.refresh_from_db()
    assert getattr(policy, field) != value


@pytest.mark.django_db
def test_policy_step_rejects_negative_weight(policy):
    from django.core.exceptions import ValidationError

    step = policy.steps.first()
    step.weight = Decimal("-2")

    with pytest.raises(ValidationError) as caught:
        step.full_clean()

    assert "weight" in caught.value.message_dict


# Admin


def policy_change_url(policy) -> str:
    from django.urls import reverse

    return reverse("admin:routing_routingpolicy_change", args=[policy.pk])


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["active", "archived"])
def test_admin_shows_no_save_for_non_draft(admin_client, policy, status):
    RoutingPolicy.objects.filter(pk=policy.pk).update(status=status)

    page = admin_client.get(policy_change_url(policy)).content.decode()

    assert 'name="_save"' not in page
    assert 'name="_continue"' not in page
    assert 'name="_addanother"' not in page


@pytest.mark.django_db
def test_admin_shows_save_for_draft(admin_client, policy):
    draft = policy_new_draft(policy=policy)

    page = admin_client.get(policy_change_url(draft)).content.decode()

    assert 'name="_save"' in page


@pytest.mark.django_db
def test_admin_post_to_active_changes_nothing(admin_client, policy):
    response = admin_client.post(policy_change_url(policy), {"name": "Mudada"})

    policy.refresh_from_db()
    assert response.status_code == 403
    assert policy.name == "Padrão"


@pytest.mark.django_db
def test_admin_history_lists_step_changes(admin_client, admin_user, policy):
    from django.urls import reverse

    draft = policy_new_draft(policy=policy)
    step = draft.steps.get(name="distance")
    step.weight = Decimal("3")
    step._history_user = admin_user
    step.save()
    removed = draft.steps.get(name="status")
    removed._history_user = admin_user
    removed.delete()
    url = reverse("admin:routing_routingpolicy_history", args=[draft.pk])

    response = admin_client.get(url)

    rows = response.context["step_history"]
    assert response.status_code == 200
    assert [(row["record"].history_type, row["record"].name) for row in rows[:2]] == [
        ("-", "status"),
        ("~", "distance"),
    ]
    assert rows[0]["record"].history_user == admin_user
    assert [
        (str(change["field"]), change["old"], change["new"])
        for change in rows[1]["changes"]
    ] == [
        (
            str(PolicyStep._meta.get_field("weight").verbose_name),
            Decimal("1.00"),
            Decimal("3.00"),
        )
    ]
    page = response.content.decode()
    assert admin_user.get_username() in page
    assert "<code>3,00</code>" in page
