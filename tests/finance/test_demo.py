import pytest

from finance.demo import demo_finance_load
from finance.models import Contract
from finance.services.contracts import contract_in_force
from franchises.demo_network import demo_network_load
from franchises.models import LegalEntity, Location
from monitoring.demo import DEMO_RULES, demo_monitoring_load
from monitoring.models import SlaRule


@pytest.mark.django_db
def test_demo_gives_every_store_a_contract_once():
    demo_network_load()

    first = demo_finance_load()
    second = demo_finance_load()

    assert first == {"contracts": LegalEntity.objects.count()}
    assert second == {"contracts": 0}
    for location in Location.objects.select_related("legal_entity"):
        contract = contract_in_force(
            legal_entity=location.legal_entity, day=Contract.objects.first().valid_from
        )
        assert contract is not None, location.code


@pytest.mark.django_db
def test_demo_loads_each_rule_once():
    first = demo_monitoring_load()
    second = demo_monitoring_load()

    assert first == {"rules": len(DEMO_RULES)}
    assert second == {"rules": 0}
    assert SlaRule.objects.filter(is_enabled=True).count() == len(DEMO_RULES)
