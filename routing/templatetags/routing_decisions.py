"""Template tags of the routing decision display."""

from django import template

from routing import explanations

register = template.Library()


@register.simple_tag(takes_context=True)
def routing_decision_view(context, routing: dict) -> dict:
    """Return what `routing/_decision.html` shows of `routing["decision"]`,
    translated: status, trigger, reason, the explanation and, for HQ, the
    candidate table.

    The explanation is rebuilt for the request's user, so that stored reason
    codes come out translated. Without a user in the context, it is the one
    `routing` carries.
    """
    decision = routing.get("decision")
    if decision is None:
        return {}
    user = context.get("user")
    if user is None and context.get("request") is not None:
        user = context["request"].user
    view = {
        "status": explanations.status_label(decision.status),
        "trigger": explanations.trigger_label(decision.triggered_by),
        "reason": explanations.decision_reason(decision),
        "explanation": (
            explanations.decision_explanation(decision, user)
            if user is not None and user.is_authenticated
            else routing.get("explanation", "")
        ),
    }
    if routing.get("is_hq"):
        view.update(explanations.decision_table(decision))
    return view


@register.filter
def routing_reason(text: str) -> str:
    """Translate a stored English routing reason, sentence by sentence."""
    return explanations.translate_reason(text)


@register.filter
def routing_step(name: str) -> str:
    """Label a routing step name, such as `stock`, in the user's language."""
    from routing.views import step_label

    return step_label(name)
