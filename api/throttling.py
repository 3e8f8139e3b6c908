from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    """Each token's own `requests_per_minute`, counted in the default cache
    (shared by every process when CACHE_URL points at Redis). A throttled
    request gets 429 with Retry-After in seconds."""

    scope = "token"

    def get_rate(self):
        # The rate is per token, so it is set in allow_request.
        return None

    def allow_request(self, request, view):
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        self.rate = f"{token.requests_per_minute}/min"
        self.num_requests, self.duration = token.requests_per_minute, 60
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
