"""The finance pages share one section menu. Store users do not see its HQ
entries."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

HQ_ONLY = ("finance:preview", "finance:period_close", "finance:reconciliation")


def test_hq_menu_lists_every_finance_page(client, hq_user):
    client.force_login(hq_user)

    page = client.get(reverse("finance:statements")).content.decode()

    for name in ("finance:statements", "finance:entries", *HQ_ONLY):
        assert f'href="{reverse(name)}"' in page
    assert f'href="{reverse("finance:statements")}" aria-current="page"' in page


def test_store_menu_hides_hq_pages(client, manager_a):
    client.force_login(manager_a)

    page = client.get(reverse("finance:entries")).content.decode()

    assert f'href="{reverse("finance:statements")}"' in page
    assert f'href="{reverse("finance:entries")}" aria-current="page"' in page
    for name in HQ_ONLY:
        assert f'href="{reverse(name)}"' not in page
