"""The finance pages share one section menu; its HQ entries stay hidden from
store users."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

HQ_ONLY = ("finance:preview", "finance:period_close", "finance:reconciliation")


def test_hq_sees_every_finance_page_in_the_menu(client, hq_user):
    client.force_login(hq_user)

    page = client.get(reverse("finance:statements")).content.decode()

    for name in ("finance:statements", "finance:entries", *HQ_ONLY):
        assert f'href="{reverse(name)}"' in page
    assert f'href="{reverse("finance:statements")}" aria-current="page"' in page


def test_store_manager_menu_leaves_out_hq_pages(client, manager_a):
    client.force_login(manager_a)

    page = client.get(reverse("finance:entries")).content.decode()

    assert f'href="{reverse("finance:statements")}"' in page
    assert f'href="{reverse("finance:entries")}" aria-current="page"' in page
    for name in HQ_ONLY:
        assert f'href="{reverse(name)}"' not in page
