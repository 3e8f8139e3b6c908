"""Charts write SVG numbers with a decimal point in Portuguese too."""

import re

from django.urls import reverse

from tests.monitoring.test_dashboards import fixed_network  # noqa: F401

# A coordinate or size attribute whose value uses a decimal comma.
COMMA_NUMBER = re.compile(r'\s(?:x|y|x1|x2|y1|y2|width|height)="-?\d+,\d+"')


def test_store_chart_numbers_use_decimal_point(
    client,
    manager_a,
    fixed_network,  # noqa: F811
):
    client.force_login(manager_a)

    response = client.get(
        reverse("monitoring:dashboard"),
        {"period": "custom", "start": "2026-03-09", "end": "2026-03-11"},
    )

    svg = re.search(r"<svg.*?</svg>", response.content.decode(), re.S).group()
    assert 'lang="pt-br"' in response.content.decode()
    assert not COMMA_NUMBER.findall(svg)
    assert re.search(r'\s(?:x|y|width|height)="-?\d+\.\d+"', svg)
