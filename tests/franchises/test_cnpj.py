import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from franchises.cnpj import cnpj_is_valid, cnpj_mask, cnpj_normalize, validate_cnpj
from franchises.models import LegalEntity
from tests.factories import LegalEntityFactory


@pytest.mark.parametrize(
    "value",
    ["12.ABC.345/01DE-35", "12ABC34501DE35", "XPB30AW3000184", "11.222.333/0001-81"],
)
def test_cnpj_accepts_valid_numbers(value):
    assert cnpj_is_valid(value)


@pytest.mark.parametrize(
    "value",
    [
        "12.ABC.345/01DE-36",
        "11.222.333/0001-82",
        "00000000000000",
        "AAAAAAAAAAAA00",
        "12ABC34501DE3",
        "12ABC34501DEX5",
        "",
    ],
)
def test_cnpj_rejects_invalid_numbers(value):
    assert not cnpj_is_valid(value)


def test_cnpj_lower_case_is_normalised():
    assert cnpj_normalize("12.abc.345/01de-35") == "12ABC34501DE35"
    assert cnpj_is_valid("12.abc.345/01de-35")


def test_cnpj_mask_formats_fourteen_characters():
    assert cnpj_mask("12ABC34501DE35") == "12.ABC.345/01DE-35"


def test_validate_cnpj_reports_wrong_check_digits():
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        validate_cnpj("12.ABC.345/01DE-36")

    assert caught.value.code == "cnpj_check_digits"
    with translation.override("en"):
        assert caught.value.messages == [
            "Invalid CNPJ 12.ABC.345/01DE-36: the check digits do not match."
        ]


def test_validate_cnpj_reports_wrong_shape():
    with pytest.raises(ValidationError) as caught:
        validate_cnpj("12-ABC")

    assert caught.value.code == "cnpj_format"


@pytest.mark.django_db
def test_legal_entity_stores_cnpj_unmasked_upper_case():
    entity = LegalEntityFactory(cnpj="12.abc.345/01de-35")

    entity.refresh_from_db()
    assert entity.cnpj == "12ABC34501DE35"
    assert entity.cnpj_masked == "12.ABC.345/01DE-35"


@pytest.mark.django_db
def test_legal_entity_full_clean_rejects_invalid_cnpj():
    entity = LegalEntity(cnpj="12.ABC.345/01DE-36", legal_name="X", kind="franchisee")

    with pytest.raises(ValidationError) as caught:
        entity.full_clean()

    assert "cnpj" in caught.value.message_dict
    assert LegalEntity.objects.count() == 0
