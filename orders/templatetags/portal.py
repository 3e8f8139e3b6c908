"""Template tags for the portal layout."""

from django import template

from franchises.access import user_is_hq, visible_locations

register = template.Library()

# The header names at most this many stores, because a user of a whole legal
# entity may have hundreds.
SCOPE_LOCATIONS_SHOWN = 3


@register.simple_tag
def user_scope(user) -> dict:
    """Describe whose orders the user may see: HQ, or the first of their stores.

    Fetches one row more than it shows to learn whether there are more, so the
    header costs no COUNT query.
    """
    if not user.is_authenticated:
        return {"is_hq": False, "locations": [], "has_more": False}
    if user_is_hq(user):
        return {"is_hq": True, "locations": [], "has_more": False}

    locations = list(
        visible_locations(user).order_by("code")[: SCOPE_LOCATIONS_SHOWN + 1]
    )
    return {
        "is_hq": False,
        "locations": locations[:SCOPE_LOCATIONS_SHOWN],
        "has_more": len(locations) > SCOPE_LOCATIONS_SHOWN,
    }
