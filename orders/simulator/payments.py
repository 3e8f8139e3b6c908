"""`paymentData`: one transaction per purchase, shared by the orders of a group.

As in VTEX's published order-group example, the orders of a split purchase
carry the same transaction, whose payment value is the whole purchase and
not the order's own value. Card numbers
are the public test cards (Visa 4111 1111 1111 1111, Mastercard 5555 5555
5555 4444).
"""

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class PaymentMethod:
    system: str
    name: str
    group: str
    first_digits: str | None = None
    last_digits: str | None = None


PIX = PaymentMethod("125", "Pix", "instantPayment")
VISA = PaymentMethod("2", "Visa", "creditCard", "411111", "1111")
MASTERCARD = PaymentMethod("4", "Mastercard", "creditCard", "555555", "4444")
BOLETO = PaymentMethod("6", "Boleto Bancário", "bankInvoice")
METHODS = ((PIX, 40), (VISA, 27), (MASTERCARD, 21), (BOLETO, 12))


def _hex_upper(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032X}"


def draw_method(rng: random.Random) -> PaymentMethod:
    methods, weights = zip(*METHODS, strict=True)
    return rng.choices(methods, weights=weights)[0]


def payment_data(
    rng: random.Random, method: PaymentMethod, total: int, transaction_id: str
) -> dict:
    """Build the block for a purchase of `total` cents paid with `method`."""
    installments = 1
    if method.group == "creditCard" and total >= 20000:
        installments = rng.choice((1, 2, 3, 6, 10))
    tid = f"{rng.randrange(10**11, 10**12)}"
    payment = {
        "id": _hex_upper(rng),
        "paymentSystem": method.system,
        "paymentSystemName": method.name,
        "value": total,
        "installments": installments,
        "referenceValue": total,
        "cardHolder": None,
        "cardNumber": None,
        "firstDigits": method.first_digits,
        "lastDigits": method.last_digits,
        "cvv2": None,
        "expireMonth": None,
        "expireYear": None,
        "url": None,
        "giftCardId": None,
        "giftCardName": None,
        "giftCardCaption": None,
        "redemptionCode": None,
        "group": method.group,
        "tid": tid,
        "dueDate": None,
        "connectorResponses": {
            "Tid": tid,
            "ReturnCode": None,
            "Message": None,
            "authId": f"{rng.randrange(10**5, 10**6)}",
            "nsu": f"{rng.randrange(10**5, 10**6)}",
        },
        "giftCardProvider": None,
        "giftCardAsDiscount": None,
        "koinUrl": None,
        "accountId": None,
        "parentAccountId": None,
        "bankIssuedInvoiceIdentificationNumber": None,
        "bankIssuedInvoiceIdentificationNumberFormatted": None,
        "bankIssuedInvoiceBarCodeNumber": None,
        "bankIssuedInvoiceBarCodeType": None,
        "billingAddress": None,
        "paymentOrigin": None,
    }
    return {
        "giftCards": [],
        "transactions": [
            {
                "isActive": True,
                "transactionId": transaction_id,
                "merchantName": "SERRAAZUL",
                "payments": [payment],
            }
        ],
    }
