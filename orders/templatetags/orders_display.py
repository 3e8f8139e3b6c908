"""Display helpers for orders: money in BRL, VTEX statuses, delivery, JSON."""

import json
from decimal import Decimal, InvalidOperation

from django import template
from django.utils import dateformat, formats
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext

from orders.quarantine_reasons import reason_translated

register = template.Library()

# VTEX status ids as the Orders API spells them, with the names the VTEX Admin
# shows for them (help.vtex.com, "Order flow and status"). Statuses missing
# here are shown as VTEX sent them.
VTEX_STATUS_LABELS = {
    "order-created": _("Order created"),
    "order-completed": _("Order completed"),
    "on-order-completed": _("Order completed"),
    "on-order-completed-ffm": _("Order completed (fulfilment)"),
    "order-accepted": _("Order accepted"),
    "waiting-for-authorization": _("Waiting for seller confirmation"),
    "waiting-for-seller-decision": _("Waiting for the seller decision"),
    "payment-pending": _("Payment pending"),
    "approve-payment": _("Approve payment"),
    "payment-approved": _("Payment approved"),
    "payment-denied": _("Payment denied"),
    "window-to-change-payment": _("Window to change payment"),
    "window-to-change-seller": _("Window to change seller"),
    "waiting-for-fulfillment": _("Waiting for fulfilment"),
    "waiting-ffmt-authorization": _("Waiting for marketplace authorization"),
    "waiting-for-mkt-authorization": _("Waiting for marketplace authorization"),
    "waiting-for-manual-authorization": _("Waiting for fulfilment authorization"),
    "authorize-fulfillment": _("Authorize fulfilment"),
    "waiting-seller-handling": _("Waiting for seller handling"),
    "window-to-cancel": _("Cancellation window"),
    "ready-for-handling": _("Ready for handling"),
    "start-handling": _("Start handling"),
    "handling": _("Handling shipping"),
    "ready-for-invoicing": _("Ready for invoicing"),
    "invoice": _("Verifying invoice"),
    "invoiced": _("Invoiced"),
    "request-cancel": _("Cancellation requested"),
    "cancellation-requested": _("Cancellation requested"),
    "cancel": _("Canceling"),
    "canceled": _("Canceled"),
}

# Day first and a 24-hour clock in every language, because the users are in
# Brazil. Django's English short format would put the month first.
DATETIME_FORMAT = "d/m/Y H:i"

# VTEX sends `status: null` for an incomplete order, which Ponte stores as "".
INCOMPLETE_LABEL = _("Incomplete")

DELIVERY_CHANNEL_LABELS = {
    "delivery": _("Delivery"),
    "pickup-in-point": _("Pickup"),
}

# `packages[].type`: an Output invoice is a sale, an Input invoice a return.
INVOICE_TYPE_LABELS = {
    "Output": _("Sale (output)"),
    "Input": _("Return (input)"),
}

# `shippingEstimate` units: business days, days, hours, minutes.
SHIPPING_ESTIMATE_UNITS = {
    "bd": lambda n: ngettext("%(count)d business day", "%(count)d business days", n),
    "d": lambda n: ngettext("%(count)d day", "%(count)d days", n),
    "h": lambda n: ngettext("%(count)d hour", "%(count)d hours", n),
    "m": lambda n: ngettext("%(count)d minute", "%(count)d minutes", n),
}


def vtex_status_label(status: str) -> str:
    """Return the readable name of a VTEX status id, or the id itself if unknown."""
    if not status:
        return str(INCOMPLETE_LABEL)
    return str(VTEX_STATUS_LABELS.get(status, status))


@register.filter
def quarantine_reason(reason: str) -> str:
    return reason_translated(reason)


@register.filter
def status_label(status: str) -> str:
    return vtex_status_label(status)


@register.filter
def brl(value) -> str:
    """Format an amount in reais for the active language: `R$ 1.234,56` in pt-br.

    Grouping and the decimal separator come from Django's locale formats; the
    symbol and its spacing come from the translation of the pattern.
    """
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)

    digits = formats.number_format(
        abs(amount), decimal_pos=2, use_l10n=True, force_grouping=True
    )
    text = pgettext("money", "R$%(amount)s") % {"amount": digits}
    if amount < 0:
        return f"-{text}"
    return text


@register.filter(expects_localtime=True)
def local_datetime(value) -> str:
    """Format a datetime in the current time zone as dd/mm/yyyy HH:MM."""
    if not value:
        return ""
    return dateformat.format(value, DATETIME_FORMAT)


@register.filter
def delivery_channel_label(channel: str) -> str:
    return str(DELIVERY_CHANNEL_LABELS.get(channel, channel))


@register.filter
def invoice_type_label(invoice_type: str) -> str:
    return str(INVOICE_TYPE_LABELS.get(invoice_type, invoice_type))


@register.filter
def shipping_estimate(value: str) -> str:
    """Spell out a VTEX estimate such as `3bd` (3 business days) or `4h`."""
    text = (value or "").strip()
    for unit in ("bd", "d", "h", "m"):
        number = text.removesuffix(unit)
        if number != text and number.isdigit():
            count = int(number)
            return SHIPPING_ESTIMATE_UNITS[unit](count) % {"count": count}
    return text


@register.filter
def pretty_json(value) -> str:
    """Indent a JSON document. Text that is not valid JSON is returned unchanged."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    return json.dumps(value, indent=2, ensure_ascii=False)


@register.filter
def http_url(value: str) -> str:
    """Return the URL if it is http or https, else "", so a carrier's tracking URL
    from VTEX can never become a `javascript:` link."""
    url = (value or "").strip()
    if url.lower().startswith(("https://", "http://")):
        return url
    return ""
