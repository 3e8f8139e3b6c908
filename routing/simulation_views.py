"""HQ pages of routing simulations: the list of runs with a form to start one,
and one run's results with both policies side by side."""

import logging
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from franchises.access import user_is_hq
from routing.models import RoutingPolicy, SimulationRun
from routing.services.simulation import (
    SimulationError,
    simulation_start,
    simulations_fail_stale,
)

logger = logging.getLogger(__name__)

PAGE_SIZE = 25
DATE_FORMAT = "%d/%m/%Y"
# Seconds between reloads of a run's page while it is queued or running.
REFRESH_SECONDS = 5

# The figures of a policy's results, in page order, with how each is shown.
FIGURES = (
    (
        "orders_selected",
        gettext_lazy("Orders whose conditions chose this version"),
        "count",
    ),
    (
        "orders_other_policy",
        gettext_lazy("Orders taken by another active policy"),
        "count",
    ),
    ("orders_unmatched", gettext_lazy("Orders no policy's conditions chose"), "count"),
    ("routed", gettext_lazy("Orders routed"), "count"),
    ("unroutable", gettext_lazy("Orders without a feasible location"), "count"),
    ("split_orders", gettext_lazy("Split orders"), "count"),
    ("parts_per_order", gettext_lazy("Parts per routed order (mean)"), "2"),
    ("mean_distance_km", gettext_lazy("Distance per part, mean (km)"), "1"),
    ("p95_distance_km", gettext_lazy("Distance per part, 95th percentile (km)"), "1"),
    (
        "parts_on_time_share",
        gettext_lazy("Parts ready by their ship-by time"),
        "share",
    ),
    # Runs stored before parts were counted report orders instead.
    (
        "promise_met_share",
        gettext_lazy("Orders meeting the promised date"),
        "share",
    ),
    (
        "capacity_breaches",
        gettext_lazy("Capacity breaches (parts over a daily capacity)"),
        "count",
    ),
    ("gini", gettext_lazy("Gini coefficient of orders per location"), "3"),
    ("total_cost", gettext_lazy("Financial cost"), "money"),
)

# Geometry of the orders-per-location chart, in SVG user units.
CHART_WIDTH = 960
CHART_HEIGHT = 280
CHART_LEFT = 48
CHART_TOP = 12
CHART_BOTTOM = 24
CHART_MAX_BAR_WIDTH = 32
# Location codes are written under the bars only up to this many locations.
CHART_MAX_LABELS = 30


def hq_or_404(user) -> None:
    # 404 rather than 403, so a store user does not learn that the page exists.
    if not user_is_hq(user):
        raise Http404("No such page.")


class PolicyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: RoutingPolicy) -> str:
        return _("%(name)s (%(key)s) v%(version)s, %(status)s") % {
            "name": obj.name,
            "key": obj.key,
            "version": obj.version,
            "status": obj.get_status_display(),
        }


def date_widget() -> forms.DateInput:
    return forms.DateInput(
        format=DATE_FORMAT,
        attrs={"placeholder": gettext_lazy("dd/mm/yyyy"), "inputmode": "numeric"},
    )


class SimulationForm(forms.Form):
    policy = PolicyChoiceField(
        queryset=RoutingPolicy.objects.order_by("key", "-version"),
        label=gettext_lazy("Policy version to simulate"),
        help_text=gettext_lazy("Usually a draft, but any version can be simulated."),
    )
    start_date = forms.DateField(
        label=gettext_lazy("First day"),
        input_formats=[DATE_FORMAT],
        widget=date_widget(),
        help_text=gettext_lazy(
            "Orders created from the start of this day, as dd/mm/yyyy."
        ),
    )
    end_date = forms.DateField(
        label=gettext_lazy("Last day"),
        input_formats=[DATE_FORMAT],
        widget=date_widget(),
        help_text=gettext_lazy(
            "Orders created up to the end of this day, as dd/mm/yyyy. Yesterday at the "
            "latest."
        ),
    )
    baseline = PolicyChoiceField(
        queryset=RoutingPolicy.objects.order_by("key", "-version"),
        required=False,
        label=gettext_lazy("Compare with"),
        empty_label=gettext_lazy("The active version of the same policy"),
    )

    def clean_end_date(self) -> date:
        end_date = self.cleaned_data["end_date"]
        if end_date >= timezone.localdate():
            raise forms.ValidationError(
                _(
                    "The last day must be before today, because today's orders "
                    "are still arriving."
                ),
                code="future",
            )
        return end_date

    def period(self) -> tuple[datetime, datetime]:
        """Return the chosen days as [start, end) in the current time zone."""
        start = self.cleaned_data["start_date"]
        end = self.cleaned_data["end_date"] + timedelta(days=1)
        return (
            timezone.make_aware(datetime.combine(start, time.min)),
            timezone.make_aware(datetime.combine(end, time.min)),
        )


def initial_form() -> SimulationForm:
    yesterday = timezone.localdate() - timedelta(days=1)
    return SimulationForm(
        initial={"start_date": yesterday - timedelta(days=29), "end_date": yesterday}
    )


@login_required
def simulation_list(request):
    hq_or_404(request.user)
    if request.method == "POST":
        form = SimulationForm(request.POST)
        if form.is_valid():
            period_start, period_end = form.period()
            try:
                run = simulation_start(
                    policy=form.cleaned_data["policy"],
                    baseline=form.cleaned_data["baseline"],
                    period_start=period_start,
                    period_end=period_end,
                    user=request.user,
                )
            except SimulationError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Simulation started."))
                return redirect("routing_simulation:detail", pk=run.pk)
    else:
        form = initial_form()

    # Runs whose worker died show as failed here, with the reason, even
    # without the periodic task.
    simulations_fail_stale()
    runs = SimulationRun.objects.select_related("policy", "baseline", "created_by")
    page = Paginator(runs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "rows": [run_row(run) for run in page]}
    return render(request, "routing/simulation_list.html", context)


def run_row(run: SimulationRun) -> dict:
    return {"run": run, "percent": progress_percent(run)}


def progress_percent(run: SimulationRun) -> int:
    if run.status == SimulationRun.Status.DONE:
        return 100
    if not run.total:
        return 0
    return min(100, run.done * 100 // run.total)


@login_required
def simulation_detail(request, pk):
    hq_or_404(request.user)
    simulations_fail_stale()
    run = get_object_or_404(
        SimulationRun.objects.select_related("policy", "baseline", "created_by"),
        pk=pk,
    )
    results = run.results or {}
    done = run.status == SimulationRun.Status.DONE and "policy" in results
    context = {
        "run": run,
        "percent": progress_percent(run),
        "refresh_seconds": REFRESH_SECONDS if is_in_progress(run) else None,
        "results": results if done else None,
        "rows": comparison_rows(results) if done else [],
        "chart": orders_chart(results) if done else None,
        "locations": location_rows(results) if done else [],
    }
    return render(request, "routing/simulation_detail.html", context)


def is_in_progress(run: SimulationRun) -> bool:
    return run.status in (SimulationRun.Status.QUEUED, SimulationRun.Status.RUNNING)


def comparison_rows(results: dict) -> list[dict]:
    """Return a row per figure that the run's results contain, so that runs
    stored before a figure existed do not show it as empty."""
    policy, baseline = results["policy"], results["baseline"]
    return [
        {
            "label": label,
            "policy": show_figure(policy.get(key), style),
            "baseline": show_figure(baseline.get(key), style),
        }
        for key, label, style in FIGURES
        if key in policy or key in baseline
    ]


def show_figure(value, style: str) -> str:
    """Format a result figure for the current language, with a dash for None."""
    if value is None:
        return "—"
    if style == "count":
        return number_format(value, force_grouping=True)
    if style == "share":
        return number_format(Decimal(str(value)) * 100, 1) + " %"
    if style == "money":
        return "R$ " + number_format(Decimal(value), 2, force_grouping=True)
    return number_format(value, int(style))


def location_rows(results: dict) -> list[dict]:
    """Orders per location code under both policies, most orders first."""
    policy = results["policy"]["orders_per_location"]
    baseline = results["baseline"]["orders_per_location"]
    codes = sorted(
        set(policy) | set(baseline),
        key=lambda code: (-policy.get(code, 0), -baseline.get(code, 0), code),
    )
    return [
        {
            "code": code,
            "policy": policy.get(code, 0),
            "baseline": baseline.get(code, 0),
        }
        for code in codes
    ]


def orders_chart(results: dict) -> dict:
    """Lay out a grouped bar chart of orders per location, one pair of bars
    per location, most orders first.

    Coordinates are preformatted strings because templates would localise
    floats with a decimal comma, which SVG does not read.
    """
    rows = location_rows(results)
    plot_width = CHART_WIDTH - CHART_LEFT - 8
    plot_height = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    baseline_y = CHART_TOP + plot_height
    top = max([1, *(max(row["policy"], row["baseline"]) for row in rows)])
    slot = plot_width / max(1, len(rows))
    bar_width = min(slot * 0.4, CHART_MAX_BAR_WIDTH)
    policy_name = _("Simulated policy")
    baseline_name = _("Baseline")

    bars = []
    labels = []
    for number, row in enumerate(rows):
        # The pair of bars sits in the middle of the location's slot.
        left = CHART_LEFT + number * slot + slot / 2 - bar_width
        for offset, series, name in (
            (0.0, "policy", policy_name),
            (bar_width, "baseline", baseline_name),
        ):
            height = plot_height * row[series] / top
            bars.append(
                {
                    "x": svg_number(left + offset),
                    "y": svg_number(baseline_y - height),
                    "width": svg_number(bar_width),
                    "height": svg_number(height),
                    "series": series,
                    "title": _("%(code)s, %(name)s: %(count)s orders")
                    % {"code": row["code"], "name": name, "count": row[series]},
                }
            )
        if len(rows) <= CHART_MAX_LABELS:
            labels.append({"x": svg_number(left + bar_width), "text": row["code"]})

    ticks = [
        {"y": svg_number(baseline_y - plot_height * value / top), "value": value}
        for value in sorted({0, top // 2, top})
    ]
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "left": CHART_LEFT,
        "right": CHART_WIDTH - 8,
        "baseline_y": svg_number(baseline_y),
        "label_y": svg_number(baseline_y + 16),
        "bars": bars,
        "labels": labels,
        "ticks": ticks,
        "locations": len(rows),
    }


def svg_number(value: float) -> str:
    return f"{value:.1f}"
