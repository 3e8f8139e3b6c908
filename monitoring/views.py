"""Portal pages of monitoring: the store dashboard, HQ's network dashboard and
the alert list with its actions."""

import logging
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from franchises.access import user_is_hq, visible_locations
from franchises.models import Location
from monitoring import kpis
from monitoring.charts import daily_chart
from monitoring.models import Alert, Severity, SlaRule, SyncCheck
from monitoring.selectors import (
    alert_for_user_or_404,
    location_for_user_or_404,
    visible_alerts,
)
from monitoring.services.alerts import (
    AlertTransitionError,
    alert_acknowledge,
    alert_resolve,
)
from monitoring.services.vtex_calls import vtex_calls_summary
from orders.models import HookNotification, Order, QuarantinedDocument
from routing.models import RoutingCase

logger = logging.getLogger(__name__)

ALERTS_PER_PAGE = 50
# Rows of the network table per page. Sorting, ranking and outliers use every
# store; rendering hundreds of rows would cost more than computing them.
STORES_PER_PAGE = 50
EXCEPTIONS_SHOWN = 10
# Columns of the network table that can be sorted, by query value.
NETWORK_SORTS = (
    "code",
    "received",
    "accepted",
    "rejected",
    "expired",
    "on_time_rate",
    "late_now",
    "cancellation_rate",
    "accept_median",
    "ship_median",
    "revenue_fulfilled",
    "revenue_credited",
    "open_alerts",
)
DURATION_SORTS = ("accept_median", "ship_median")


def _period(request, zone: ZoneInfo):
    """Build the period from the query string, or today with an error message."""
    name = request.GET.get("period") or "7d"
    try:
        return kpis.period_for(
            name,
            zone=zone,
            now=timezone.now(),
            first_day=request.GET.get("start", ""),
            last_day=request.GET.get("end", ""),
        ), ""
    except kpis.PeriodError as error:
        return kpis.period_for("today", zone=zone, now=timezone.now()), str(error)


@login_required
def store_dashboard(request):
    code = request.GET.get("location")
    if code:
        location = location_for_user_or_404(request.user, code=code)
    elif user_is_hq(request.user):
        return redirect("monitoring:network")
    else:
        location = visible_locations(request.user).order_by("code").first()
        if location is None:
            raise Http404("No store.")

    now = timezone.now()
    period, period_error = _period(request, ZoneInfo(location.time_zone))
    figures = kpis.store_kpis(location_id=location.pk, period=period, now=now)
    series = kpis.daily_series(location_ids=[location.pk], period=period)
    alerts = list(
        visible_alerts(request.user)
        .filter(owner=location, status__in=Alert.UNRESOLVED)
        .select_related("rule", "owner")[:10]
    )
    choices = None
    if not user_is_hq(request.user):
        choices = list(visible_locations(request.user).order_by("code")[:50])
    return render(
        request,
        "monitoring/store_dashboard.html",
        {
            "location": location,
            "locations": choices,
            "period": period,
            "periods": kpis.PERIODS,
            "period_error": period_error,
            "figures": figures,
            "chart": daily_chart(series),
            "alerts": alerts,
            "ship_window_hours": int(kpis.SHIP_WINDOW.total_seconds() // 3600),
        },
    )


def _network_rows(period, now, *, with_durations: bool) -> list[dict]:
    by_location = kpis.network_kpis(
        period=period, now=now, with_durations=with_durations
    )
    rows = []
    for location in Location.objects.only("pk", "code", "name").order_by("code"):
        row = by_location.get(location.pk) or kpis.empty_figures()
        row["location_id"] = location.pk
        row["location"] = location
        row["code"] = location.code
        if with_durations:
            _medians_copy(row)
        rows.append(row)
    return rows


def _medians_copy(row: dict) -> None:
    row["accept_median"] = row["time_to_accept"]["median"]
    row["ship_median"] = row["time_to_ship"]["median"]


def _durations_add(rows: list[dict], period) -> None:
    """Add the time to accept and the time to ship to the rows, in one query
    for just those locations."""
    by_location = kpis.durations(
        location_ids=[row["location_id"] for row in rows], period=period
    )
    for row in rows:
        found = by_location.get(row["location_id"], {})
        row["time_to_accept"] = found.get("time_to_accept", kpis.EMPTY_DURATIONS)
        row["time_to_ship"] = found.get("time_to_ship", kpis.EMPTY_DURATIONS)
        _medians_copy(row)


def _sorted(rows: list[dict], sort: str) -> list[dict]:
    descending = sort.startswith("-")
    field = sort.lstrip("-")
    if field not in NETWORK_SORTS:
        field, descending = "code", False
    present = [row for row in rows if row[field] is not None]
    missing = [row for row in rows if row[field] is None]
    present.sort(key=lambda row: row[field], reverse=descending)
    # Stores without a value go last in either direction.
    return present + missing


def _sync_health(now) -> dict:
    calls = vtex_calls_summary(now=now)
    latest = SyncCheck.objects.first()
    last_hook = (
        HookNotification.objects.order_by("-pk")
        .values_list("received_at", flat=True)
        .first()
    )
    last_order = (
        Order.objects.order_by("-pk").values_list("created_at", flat=True).first()
    )
    return {
        "latest": latest,
        "last_hook": last_hook,
        "last_order": last_order,
        "quarantined": QuarantinedDocument.objects.count(),
        # Every VTEX call Ponte made in the last hour, retries included.
        "throttled_rate": calls["throttled_rate"],
        "responses": calls["responses"],
    }


@login_required
def network_dashboard(request):
    if not user_is_hq(request.user):
        raise Http404("No such page.")
    now = timezone.now()
    period, period_error = _period(request, ZoneInfo(settings.TIME_ZONE))
    sort = request.GET.get("sort") or "-received"
    # Percentiles cost a sort of every part of the period. Only sorting by a
    # median needs them for every store; otherwise the shown page gets them.
    sorted_by_duration = sort.lstrip("-") in DURATION_SORTS
    rows = _sorted(_network_rows(period, now, with_durations=sorted_by_duration), sort)

    low_on_time = kpis.outliers(rows, "on_time_rate", low=True)
    high_cancellation = kpis.outliers(rows, "cancellation_rate", low=False)
    for row in rows:
        row["outlier"] = (
            row["location_id"] in low_on_time or row["location_id"] in high_cancellation
        )

    ranked = [row for row in rows if row["on_time_rate"] is not None]
    ranked.sort(key=lambda row: (row["on_time_rate"], row["fulfilled"]), reverse=True)
    exceptions = RoutingCase.objects.filter(status=RoutingCase.Status.EXCEPTION)

    page = Paginator(rows, STORES_PER_PAGE).get_page(request.GET.get("page"))
    if not sorted_by_duration:
        _durations_add(page.object_list, period)
    context = {
        "period": period,
        "periods": kpis.PERIODS,
        "period_error": period_error,
        "rows": page.object_list,
        "page": page,
        "sort": sort,
        "sorts": NETWORK_SORTS,
        "best": ranked[:5],
        "worst": ranked[-5:][::-1] if len(ranked) > 5 else [],
        "outliers": [row for row in rows if row["outlier"]],
        "chart": daily_chart(kpis.daily_series(location_ids=None, period=period)),
        "exception_count": exceptions.count(),
        "exceptions": exceptions.select_related("order").order_by("-updated_at")[
            :EXCEPTIONS_SHOWN
        ],
        "open_alerts": Alert.objects.filter(status__in=Alert.UNRESOLVED)
        .values("severity")
        .annotate(count=Count("pk"))
        .order_by("severity"),
        "sync": _sync_health(now),
        "dashboard_url": reverse("monitoring:dashboard"),
        "period_query": urlencode(
            {
                "period": period.name,
                "start": period.first_day.isoformat(),
                "end": period.last_day.isoformat(),
            }
        ),
    }
    return render(request, "monitoring/network_dashboard.html", context)


HQ_OWNER = "hq"


class AlertFilterForm(forms.Form):
    """Filters of the alert list, read from the query string.

    `owner` takes a location code, or "hq" for alerts HQ owns. Its choices are
    the locations the user may see, and only HQ gets the "hq" choice.
    """

    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[
            ("unresolved", gettext_lazy("Open or acknowledged")),
            *Alert.Status.choices,
            ("all", gettext_lazy("All")),
        ],
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Rule"),
        required=False,
        choices=[("", pgettext_lazy("every rule kind", "All")), *SlaRule.Kind.choices],
    )
    severity = forms.ChoiceField(
        label=gettext_lazy("Severity"),
        required=False,
        choices=[("", pgettext_lazy("every severity", "All")), *Severity.choices],
    )
    owner = forms.ChoiceField(label=gettext_lazy("Owner"), required=False)
    subject_type = forms.ChoiceField(
        label=gettext_lazy("Subject type"),
        required=False,
        choices=[
            ("", pgettext_lazy("every subject type", "All")),
            *Alert.SubjectType.choices,
        ],
    )

    def __init__(self, *args, locations, is_hq: bool, **kwargs):
        super().__init__(*args, **kwargs)
        owners = [("", pgettext_lazy("every owner", "All"))]
        if is_hq:
            owners.append((HQ_OWNER, gettext_lazy("HQ")))
        owners += [(location.code, location.name) for location in locations]
        self.fields["owner"].choices = owners

    def filter(self, alerts):
        """Apply the valid filters to a queryset of alerts; invalid ones are
        left out and reported as form errors."""
        data = getattr(self, "cleaned_data", {})
        status = data.get("status") or "unresolved"
        if status == "unresolved":
            alerts = alerts.filter(status__in=Alert.UNRESOLVED)
        elif status != "all":
            alerts = alerts.filter(status=status)
        if data.get("kind"):
            alerts = alerts.filter(rule__kind=data["kind"])
        if data.get("severity"):
            alerts = alerts.filter(severity=data["severity"])
        if data.get("subject_type"):
            alerts = alerts.filter(subject_type=data["subject_type"])
        owner = data.get("owner")
        if owner == HQ_OWNER:
            alerts = alerts.filter(owner__isnull=True)
        elif owner:
            alerts = alerts.filter(owner__code=owner)
        return alerts


@login_required
def alert_list(request):
    is_hq = user_is_hq(request.user)
    locations = list(
        visible_locations(request.user).only("pk", "code", "name").order_by("code")
    )
    owner = request.GET.get("owner", "")
    if not is_hq and owner and owner not in {location.code for location in locations}:
        raise Http404("No such location.")

    form = AlertFilterForm(request.GET, locations=locations, is_hq=is_hq)
    form.is_valid()
    alerts = form.filter(visible_alerts(request.user)).select_related("rule", "owner")
    paginator = Paginator(alerts.order_by("-opened_at", "-id"), ALERTS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "monitoring/alert_list.html",
        {"page": page, "form": form},
    )


@require_POST
@login_required
def alert_action(request, pk: int, action: str):
    alert = alert_for_user_or_404(request.user, pk=pk)
    services = {"acknowledge": alert_acknowledge, "resolve": alert_resolve}
    if action not in services:
        raise Http404("No such action.")
    try:
        services[action](alert=alert, user=request.user)
    except AlertTransitionError as error:
        messages.error(request, str(error))
    else:
        if action == "acknowledge":
            messages.success(request, _("Alert acknowledged."))
        else:
            messages.success(request, _("Alert resolved."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("monitoring:alerts")
    return redirect(target)
