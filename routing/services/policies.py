"""Routing policy versions: choosing one for an order, activating a draft."""

import logging

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from orders.models import Order
from routing.engine import Policy, Step, validate_step
from routing.models import PolicyStep, RoutingPolicy

logger = logging.getLogger(__name__)


class PolicyError(Exception):
    pass


def policies_active() -> list[RoutingPolicy]:
    """Active policies with their steps, in the order they are tried."""
    return list(
        RoutingPolicy.objects.filter(status=RoutingPolicy.Status.ACTIVE)
        .order_by("priority", "key")
        .prefetch_related("steps")
    )


def policy_for_order(
    *,
    order: Order,
    delivery_channel: str,
    policies: list[RoutingPolicy] | None = None,
) -> RoutingPolicy | None:
    """Return the first matching active policy, by priority number and then key.

    Returns None when no active policy matches."""
    for policy in policies if policies is not None else policies_active():
        if policy_matches(policy, order, delivery_channel):
            return policy
    return None


def policy_matches(policy: RoutingPolicy, order: Order, delivery_channel: str) -> bool:
    """Return whether the order meets every condition of the policy."""
    if policy.sales_channels and order.sales_channel not in policy.sales_channels:
        return False
    if policy.delivery_channels and delivery_channel not in policy.delivery_channels:
        return False
    if policy.states and order.state.upper() not in [s.upper() for s in policy.states]:
        return False
    if policy.min_order_value is not None and order.total < policy.min_order_value:
        return False
    return not (
        policy.max_order_value is not None and order.total > policy.max_order_value
    )


def policy_engine_form(policy: RoutingPolicy) -> Policy:
    """Convert a stored policy to the engine's form; raise PolicyError on a bad step."""
    steps = []
    for step in policy.steps.all():
        try:
            steps.append(
                validate_step(
                    Step(
                        kind=step.kind,
                        name=step.name,
                        params=step.params or {},
                        weight=float(step.weight),
                    )
                )
            )
        except Exception as error:
            raise PolicyError(f"Step {step.position} ({step.name}): {error}") from None
    return Policy(
        steps=tuple(steps),
        max_parts=policy.max_parts if policy.allow_split else 1,
        min_part_value=policy.min_part_value,
        prefer_fewer_parts=policy.prefer_fewer_parts,
        allow_split=policy.allow_split,
    )


def policy_activate(*, policy: RoutingPolicy) -> RoutingPolicy:
    """Make a draft the active version of its key and archive the previous one."""
    policy_engine_form(policy)
    with transaction.atomic():
        locked = RoutingPolicy.objects.select_for_update().get(pk=policy.pk)
        if locked.status != RoutingPolicy.Status.DRAFT:
            raise PolicyError(
                f"Only a draft can be activated; version {locked.version} is "
                f"{locked.status}."
            )
        RoutingPolicy.objects.filter(
            key=locked.key, status=RoutingPolicy.Status.ACTIVE
        ).update(status=RoutingPolicy.Status.ARCHIVED, updated_at=timezone.now())
        locked.status = RoutingPolicy.Status.ACTIVE
        locked.activated_at = timezone.now()
        locked.save(update_fields=["status", "activated_at", "updated_at"])
    logger.info("Routing policy %s v%d activated", locked.key, locked.version)
    return locked


def policy_new_draft(*, policy: RoutingPolicy) -> RoutingPolicy:
    """Copy a version and its steps into a new draft with the next version number."""
    with transaction.atomic():
        latest = RoutingPolicy.objects.filter(key=policy.key).aggregate(Max("version"))[
            "version__max"
        ]
        steps = list(policy.steps.all())
        draft = RoutingPolicy.objects.get(pk=policy.pk)
        draft.pk = None
        draft.id = None
        draft.version = (latest or 0) + 1
        draft.status = RoutingPolicy.Status.DRAFT
        draft.activated_at = None
        draft.save()
        bulk_create_with_history(
            [
                PolicyStep(
                    policy=draft,
                    position=step.position,
                    kind=step.kind,
                    name=step.name,
                    params=step.params,
                    weight=step.weight,
                )
                for step in steps
            ],
            PolicyStep,
        )
    return draft
