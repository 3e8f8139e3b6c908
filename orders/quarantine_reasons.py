"""Quarantine reasons in the reader's language.

The parser raises its errors in English, and `QuarantinedDocument.reason`
stores them in English, so the log, the admin search and earlier rows share
one text.
`reason_translated` matches each known form and fills its translation with
the same field path and values, which stay as VTEX sent them. A reason of
another form is shown as stored.
"""

import re

from django.utils.translation import gettext, gettext_noop

# Kinds of JSON value, as `orders.vtex.parser._kind` names them.
KINDS = {
    "null": gettext_noop("null"),
    "an object": gettext_noop("an object"),
    "a list": gettext_noop("a list"),
    "text": gettext_noop("text"),
    "a boolean": gettext_noop("a boolean"),
    "a number": gettext_noop("a number"),
}

# Kinds of the Python types json.loads returns.
PYTHON_TYPE_KINDS = {
    "list": "a list",
    "str": "text",
    "int": "a number",
    "float": "a number",
    "bool": "a boolean",
    "NoneType": "null",
}

# Pairs of a pattern and its template. A template uses the pattern's named
# groups, with "kind" in place of "type".
FORMS = [
    (
        r"body is not valid JSON: (?P<detail>.+)",
        gettext_noop("body is not valid JSON: %(detail)s"),
    ),
    (
        r"body is a JSON (?P<type>\w+), expected an order object",
        gettext_noop("body is %(kind)s in JSON, expected an order object"),
    ),
    (r"(?P<path>[^:]+): missing", gettext_noop("%(path)s: missing")),
    (r"(?P<path>[^:]+): empty", gettext_noop("%(path)s: empty")),
    (
        r"(?P<path>[^:]+): expected an object, got (?P<kind>.+)",
        gettext_noop("%(path)s: expected an object, got %(kind)s"),
    ),
    (
        r"(?P<path>[^:]+): expected a list, got (?P<kind>.+)",
        gettext_noop("%(path)s: expected a list, got %(kind)s"),
    ),
    (
        r"(?P<path>[^:]+): expected text, got (?P<kind>.+)",
        gettext_noop("%(path)s: expected text, got %(kind)s"),
    ),
    (
        r"(?P<path>[^:]+): expected true or false, got (?P<value>.+)",
        gettext_noop("%(path)s: expected true or false, got %(value)s"),
    ),
    (
        r"(?P<path>[^:]+): expected an integer, got (?P<value>.+)",
        gettext_noop("%(path)s: expected an integer, got %(value)s"),
    ),
    (
        r"(?P<path>[^:]+): expected a number, got (?P<value>.+)",
        gettext_noop("%(path)s: expected a number, got %(value)s"),
    ),
    (
        r"(?P<path>[^:]+): expected a date, got (?P<value>.+)",
        gettext_noop("%(path)s: expected a date, got %(value)s"),
    ),
    (
        r"(?P<path>[^:]+): invalid date (?P<value>.+)",
        gettext_noop("%(path)s: invalid date %(value)s"),
    ),
    (
        r"(?P<path>[^:]+): date (?P<value>.+) has no UTC offset",
        gettext_noop("%(path)s: date %(value)s has no UTC offset"),
    ),
    (
        r"value: negative order value (?P<value>.+)",
        gettext_noop("value: negative order value %(value)s"),
    ),
    (
        r"(?P<path>[^:]+): expected \[longitude, latitude\], got (?P<value>.+)",
        gettext_noop("%(path)s: expected [longitude, latitude], got %(value)s"),
    ),
    (
        r"(?P<path>[^:]+): expected numbers, got (?P<value>.+)",
        gettext_noop("%(path)s: expected numbers, got %(value)s"),
    ),
    (
        r"(?P<path>[^:]+): coordinates out of range: (?P<value>.+)",
        gettext_noop("%(path)s: coordinates out of range: %(value)s"),
    ),
    (
        r"(?P<path>[^:]+): negative quantity (?P<value>.+)",
        gettext_noop("%(path)s: negative quantity %(value)s"),
    ),
    (
        r"(?P<path>[^:]+): (?P<index>\S+) names no item \(the order has (?P<count>\d+)\)",
        gettext_noop("%(path)s: %(index)s names no item (the order has %(count)s)"),
    ),
    (
        r"orderId: the document is for (?P<found>.+), expected (?P<expected>.+)",
        gettext_noop("orderId: the document is for %(found)s, expected %(expected)s"),
    ),
]
_COMPILED = [(re.compile(pattern, re.DOTALL), template) for pattern, template in FORMS]


def reason_translated(reason: str) -> str:
    """Return a stored quarantine reason in the active language, or as stored
    when it has no known form."""
    for pattern, template in _COMPILED:
        match = pattern.fullmatch(reason)
        if match is None:
            continue
        values = match.groupdict()
        if "type" in values:
            # A Python type name, as json.loads returned the body.
            values["kind"] = PYTHON_TYPE_KINDS.get(values["type"], values["type"])
        if "kind" in values and values["kind"] in KINDS:
            values["kind"] = gettext(KINDS[values["kind"]])
        return gettext(template) % values
    return reason
