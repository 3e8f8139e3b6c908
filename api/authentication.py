"""Bearer-token authentication: `Authorization: Bearer pnt_…`.

The request's user becomes the token's `franchises.access.TokenScope`, so
every view reads through the same access functions as the pages, and
`request.auth` is the `ApiToken`.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from api.tokens import token_find, token_touch


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Invalid Authorization header: send 'Bearer <token>'.")
            )
        try:
            plain = header[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(
                _("Invalid token: it contains non-ASCII characters.")
            ) from None
        token = token_find(plain)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        token_touch(token)
        return token.integration.access_scope(), token

    def authenticate_header(self, request):
        return self.keyword


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.TokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer"}
