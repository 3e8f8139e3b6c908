import zoneinfo

from django.utils import timezone

from franchises.access import user_is_hq, visible_locations


class UserTimeZoneMiddleware:
    """Show dates in the user's store time zone; HQ keeps the project default.

    A user of several stores gets the time zone of the first by code.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not user_is_hq(user):
            zone_name = (
                visible_locations(user)
                .order_by("code")
                .values_list("time_zone", flat=True)
                .first()
            )
            if zone_name:
                timezone.activate(zoneinfo.ZoneInfo(zone_name))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
