"""Routing decisions as pages show them, in the user's language.

The engine stores its reasons as message codes with parameters (a candidate's
`reason`) or as English sentences (a decision's `reason`, and every reason of
decisions stored before codes existed). The functions here turn both into
translated text with Django's i18n, and label the stored status and trigger
codes.
"""

from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext, gettext_noop, ngettext

from franchises.access import user_is_hq, visible_locations
from franchises.models import Location
from routing.candidate_rows import rows_unpack
from routing.engine.messages import (
    STATUS_NOT_ALLOWED,
    Message,
    candidate_reason,
    parse_message,
    translate_text,
)
from routing.engine.types import SPLIT_SEARCH
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


def localize_number(text: str) -> str:
    """Rewrite a number stored with a decimal point ("12.5") in the active
    language's format ("12,5" in pt-BR), keeping its decimal places."""
    places = len(text.partition(".")[2])
    return number_format(Decimal(text), decimal_pos=places)


def row_reason(row: dict) -> str:
    """Return a stored candidate row's rejection reason, translated."""
    stored = row.get("reason") or row.get("rejected_reason")
    found = _stored_message(stored)
    if found is not None and found.code == STATUS_NOT_ALLOWED:
        return _with_status_labels(found).render(gettext, number=localize_number)
    return candidate_reason(stored, gettext, localize_number)


def location_status_label(code: str) -> str:
    """Return the label of a `Location.status` value, or the value itself when
    the model has no such status."""
    labels = dict(Location.Status.choices)
    return str(labels[code]) if code in labels else code


def _stored_message(stored) -> Message | None:
    """Rebuild a stored candidate reason ([code, params] or English text) as a
    message, or return None when it is neither."""
    if isinstance(stored, list):
        try:
            return Message.from_json(stored)
        except (ValueError, KeyError, TypeError):
            return None
    if isinstance(stored, str) and stored:
        return parse_message(stored)
    return None


def _with_status_labels(reason: Message) -> Message:
    """Copy a STATUS_NOT_ALLOWED reason with its status codes as labels.

    The engine stores the codes, and `allowed` as one text joined by ", ".
    """
    params = dict(reason.params)
    params["status"] = location_status_label(str(params.get("status", "")))
    allowed = str(params.get("allowed", ""))
    params["allowed"] = ", ".join(
        location_status_label(code) for code in allowed.split(", ") if code
    )
    return Message(reason.code, params)


def decision_reason(decision) -> str:
    """Return the decision's reason, translated sentence by sentence."""
    return translate_reason(decision.reason)


def translate_reason(text: str) -> str:
    """Return a stored English reason, translated sentence by sentence, with
    step names as their labels."""
    return translate_text(text, gettext, step_label, localize_number)


def decision_table(decision) -> dict:
    """Return the candidate table for HQ: `score_names` (labels) and `rows`,
    each with every stored figure, `score_list` in `score_names` order,
    `rejected_label`, the translated `reason_text`, and `outscored_chosen`
    for a finalist that lost despite a higher score."""
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
        row["outscored_chosen"] = False
    for row in outscoring_finalists(rows):
        row["outscored_chosen"] = True
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

    if user_is_hq(user):
        passed_over = passed_over_sentence(decision, rows)
        if passed_over:
            sentences.append(passed_over)
    else:
        own_ids = set(visible_locations(user).values_list("pk", flat=True))
        sentences.extend(_own_store_outcomes(rows, own_ids, names))
    return " ".join(sentences)


def passed_over_sentence(decision, rows: list[dict]) -> str:
    """Return a sentence that explains why finalists that scored higher than
    every chosen location lost.

    The candidate table shows each location's own score, but the search ranks
    whole options: a split against a single location, each scored by its
    parts' scores weighted by their value. Scores are compared as the table
    shows them, to three decimals. Returns "" when no finalist outscored the
    chosen ones.
    """
    chosen = [row for row in rows if row["chosen"]]
    higher = outscoring_finalists(rows)
    if not higher:
        return ""

    locations = ", ".join(row.get("code") or str(row["location_id"]) for row in higher)
    count = len(higher)
    params = {"locations": locations}
    policy = decision.policy
    partial = all((row.get("coverage") or 0) < 1 for row in higher)
    if len(chosen) == 1 and partial and policy is not None:
        if not policy.allow_split:
            return (
                ngettext(
                    "%(locations)s scored higher but holds only part of the order, "
                    "and the policy does not split orders.",
                    "%(locations)s scored higher but hold only part of the order, "
                    "and the policy does not split orders.",
                    count,
                )
                % params
            )
        if policy.prefer_fewer_parts:
            return (
                ngettext(
                    "%(locations)s scored higher but holds only part of the order, "
                    "and the policy prefers fewer parts, so a location that holds "
                    "every unit wins over any split.",
                    "%(locations)s scored higher but hold only part of the order, "
                    "and the policy prefers fewer parts, so a location that holds "
                    "every unit wins over any split.",
                    count,
                )
                % params
            )
        if decision.deciding_step == SPLIT_SEARCH:
            # The search found no split at all, so every one broke a rule.
            params["max_parts"] = policy.max_parts
            params["minimum"] = _money(policy.min_part_value)
            return (
                ngettext(
                    "%(locations)s scored higher but holds only part of the order, "
                    "and no split with it fits the policy: at most %(max_parts)s "
                    "parts, each with whole lines and worth at least %(minimum)s.",
                    "%(locations)s scored higher but hold only part of the order, "
                    "and no split with them fits the policy: at most %(max_parts)s "
                    "parts, each with whole lines and worth at least %(minimum)s.",
                    count,
                )
                % params
            )
    return (
        ngettext(
            "%(locations)s scored higher on its own, but the search ranks whole "
            "options by their parts' scores weighted by each part's value, and the "
            "chosen option ranked first.",
            "%(locations)s scored higher on their own, but the search ranks whole "
            "options by their parts' scores weighted by each part's value, and the "
            "chosen option ranked first.",
            count,
        )
        % params
    )


def outscoring_finalists(rows: list[dict]) -> list[dict]:
    """Return the finalists not chosen whose score, to three decimals as the
    table shows it, is above every chosen location's."""
    chosen = [row for row in rows if row["chosen"]]
    if not chosen:
        return []
    best_chosen = max(_shown_score(row) for row in chosen)
    return [
        row
        for row in rows
        if row["finalist"]
        and not row["chosen"]
        and not row["rejected_by"]
        and _shown_score(row) > best_chosen
    ]


def _shown_score(row: dict) -> float:
    return round(row.get("total_score") or 0.0, 3)


def _money(value) -> str:
    return "R$ " + number_format(Decimal(value), 2, force_grouping=True)


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
