"""Reads of monitoring data scoped to what a user may see, built on
`franchises.access`."""

from django.http import Http404

from franchises.access import user_is_hq, visible_locations
from franchises.models import Location
from monitoring.models import Alert


def visible_alerts(user):
    """All alerts for HQ; for a store role, those its locations own."""
    if user_is_hq(user):
        return Alert.objects.all()
    return Alert.objects.filter(owner__in=visible_locations(user))


def alert_for_user_or_404(user, *, pk: int) -> Alert:
    try:
        return visible_alerts(user).get(pk=pk)
    except Alert.DoesNotExist:
        raise Http404("No such alert.") from None


def location_for_user_or_404(user, *, code: str) -> Location:
    try:
        return visible_locations(user).get(code=code)
    except Location.DoesNotExist:
        raise Http404("No such location.") from None
