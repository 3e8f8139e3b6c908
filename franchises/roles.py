"""Django admin access follows a user's HQ roles.

Each HQ role has a group with the permissions the role needs; saving or
deleting a membership puts the user in the groups of their HQ roles and sets
`is_staff` to whether they have one. Store roles never reach the admin.
"""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from franchises.models import Membership

ADMIN_APPS = (
    "franchises",
    "orders",
    "routing",
    "finance",
    "monitoring",
    "api",
    "django_celery_beat",
)
# (app label, model) pairs each role may add, change and delete, besides viewing.
ROLE_EDITS = {
    Membership.Role.HQ_OPS: {
        ("routing", "routingpolicy"),
        ("routing", "policystep"),
        ("routing", "stocklevel"),
        ("franchises", "location"),
    },
    Membership.Role.HQ_FINANCE: {
        ("franchises", "legalentity"),
        ("finance", "contract"),
        ("finance", "salescode"),
        # Adding a transaction is posting a manual adjustment; the admin
        # offers no change or delete for ledger rows.
        ("finance", "ledgertransaction"),
    },
}
GROUP_NAMES = {
    Membership.Role.HQ_OPS: "HQ operations",
    Membership.Role.HQ_FINANCE: "HQ finance",
    Membership.Role.HQ_ADMIN: "HQ administrators",
}


def role_group(role: str) -> Group:
    """Return the role's group after bringing its permissions up to date."""
    group, _ = Group.objects.get_or_create(name=GROUP_NAMES[role])
    in_apps = Permission.objects.filter(content_type__app_label__in=ADMIN_APPS)
    if role == Membership.Role.HQ_ADMIN:
        permissions = in_apps
    else:
        edits = Q(pk__in=[])
        for app_label, model in ROLE_EDITS.get(role, set()):
            edits |= Q(content_type__app_label=app_label, content_type__model=model)
        permissions = in_apps.filter(Q(codename__startswith="view_") | edits)
    group.permissions.set(permissions)
    return group


def user_admin_access_sync(user) -> None:
    hq_roles = set(
        user.memberships.filter(role__in=Membership.HQ_ROLES).values_list(
            "role", flat=True
        )
    )
    role_groups = [role_group(role) for role in sorted(hq_roles)]
    user.groups.remove(*Group.objects.filter(name__in=GROUP_NAMES.values()))
    user.groups.add(*role_groups)
    is_staff = bool(hq_roles) or user.is_superuser
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])
