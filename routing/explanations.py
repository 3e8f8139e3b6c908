"""Routing decisions as pages show them, in the user's language.

The engine stores its reasons as message codes with parameters (a candidate's
`reason`) or as English sentences (a decision's `reason`, and every reason of
decisions stored before codes existed). The functions here turn both into
translated text with Django's i18n, and label the stored status and trigger
codes.
"""

from django.utils.translation import gettext, gettext_noop

from franchises.access import user_is_hq, visible_locations
from franchises.models import Location
from routing.candidate_rows import rows_unpack
from routing.engine.messages import candidate_reason, translate_text
from routing.views import step_label

# `RoutingDecision.status` values.
STATUS_LABELS = {
    "routed": gettext_noop("Routed"),
    "unroutable": gettext_noop("No feasible location"),
    "manual": gettext_noop("Assigned by hand"),
}
# `RoutingDecision.triggered_by` values: where the order came from on its
# first routing, or what routed it again.
TRIGGER_LABELS = {
    "hook": gettext_noop("VTEX hook"),
    "feed": gettext_noop("VTEX feed"),
    "sync": gettext_noop("VTEX sync"),
    "backfill": gettext_noop("VTEX backfill"),
    "reconcile": gettext_noop("Nightly reconciliation"),
    "rejected": gettext_noop("Rejected by the store"),
    "expired": gettext_noop("Offer expired"),
    "hq_reroute": gettext_noop("Routed again by HQ"),
    "manual": gettext_noop("Assigned by hand"),
    "bench": gettext_noop("Benchmark"),
}


def status_label(code: str) -> str:
    return gettext(STATUS_LABELS[code]) if code in STATUS_LABELS else code


def trigger_label(code: str) -> str:
    return gettext(TRIGGER_LABELS[code]) if code in TRIGGER_LABELS else code


def row_reason(row: dict) -> str:
    """Return a stored candidate row's rejection reason, translated."""
    return candidate_reason(row.get("reason") or row.get("rejected_reason"), gettext)


def decision_reason(decision) -> str:
    """Return the decision's reason, translated sentence by sentence."""
    return translate_reason(decision.reason)


def translate_reason(text: str) -> str:
    """Return a stored English reason, translated sentence by sentence, with
    step names as their labels."""
    return translate_text(text, gettext, step_label)


def decision_table(decision) -> dict:
    """Return the candidate table for HQ: `score_names` (labels) and `rows`,
    each with every stored figure, `score_list` in `score_names` order,
    `rejected_label` and the translated `reason_text`."""
    rows = rows_unpack(decision.candidates)
    names: list[str] = []
    for row in rows:
        for name in row["scores"] or {}:
            if name not in names:
                names.append(name)
    for row in rows:
        row["score_list"] = [(row["scores"] or {}).get(name) for name in names]
        row["rejected_label"] = step_label(row["rejected_by"])
        row["reason_text"] = row_reason(row) if row["rejected_by"] else ""
    return {"score_names": [step_label(name) for name in names], "rows": rows}


def decision_explanation(decision, user) -> str:
    """Say where the order went and why, and how the user's own stores fared.

    The text contains no score or capacity figure of another store. A store
    user gets the winners' names, the deciding step, and its own stores'
    rejection reasons (translated) or ranks.
    """
    rows = rows_unpack(decision.candidates)
    chosen_ids = [row["location_id"] for row in rows if row["chosen"]]
    if not chosen_ids:
        chosen_ids = list(
            decision.assignments.values_list("location_id", flat=True).distinct()
        )
    names = dict(Location.objects.filter(pk__in=chosen_ids).values_list("pk", "name"))
    winners = ", ".join(names.get(pk, str(pk)) for pk in chosen_ids)
    step = step_label(decision.deciding_step)

    if decision.deciding_step == "manual":
        sentences = [
            gettext("HQ sent this order to %(locations)s by hand.")
            % {"locations": winners}
        ]
    elif not winners:
        sentences = [
            gettext("No location could take this order, so HQ is handling it.")
        ]
    elif step:
        sentences = [
            gettext("Sent to %(locations)s, decided by the step “%(step)s”.")
            % {"locations": winners, "step": step}
        ]
    else:
        sentences = [gettext("Sent to %(locations)s.") % {"locations": winners}]

    if not user_is_hq(user):
        own_ids = set(visible_locations(user).values_list("pk", flat=True))
        sentences.extend(_own_store_outcomes(rows, own_ids, names))
    return " ".join(sentences)


def _own_store_outcomes(rows: list[dict], own_ids: set[int], names) -> list[str]:
    # Finalists are stored by rank, chosen ones first.
    finalists = [row for row in rows if row["finalist"]]
    ranks = {row["location_id"]: rank for rank, row in enumerate(finalists, start=1)}
    sentences = []
    for row in rows:
        if row["location_id"] not in own_ids:
            continue
        store = row.get("code") or names.get(row["location_id"], "")
        if row["chosen"]:
            outcome = gettext("chosen")
        elif row["rejected_by"]:
            outcome = gettext("excluded by the step “%(step)s”: %(reason)s") % {
                "step": step_label(row["rejected_by"]),
                "reason": row_reason(row) or "—",
            }
        elif row["location_id"] in ranks:
            outcome = gettext("ranked %(rank)d of %(count)d") % {
                "rank": ranks[row["location_id"]],
                "count": len(finalists),
            }
        else:
            outcome = gettext("not a finalist")
        sentences.append(
            gettext("Your store %(store)s: %(outcome)s.")
            % {"store": store, "outcome": outcome}
        )
    if not sentences and rows:
        sentences.append(gettext("Your store was not among the candidates."))
    return sentences
