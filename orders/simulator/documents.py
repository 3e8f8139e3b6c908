"""Get order documents in VTEX's shape, built from a seeded random generator.

Amounts are integer cents and add up: `value` is the sum of `totals`, the
Items total sums `price × quantity`, the Discounts total is negative and
equals `(sellingPrice − price) × quantity` summed, and Shipping sums the
logistics prices. A purchase whose items ship from two locations becomes an
order group with one order per location (`-01`, `-02`).
"""

import copy
import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from orders.simulator import flow
from orders.simulator.catalog import BasketLine, draw_basket
from orders.simulator.customers import Customer, draw_customer
from orders.simulator.dates import document_date
from orders.simulator.network import (
    DCS,
    NetworkLocation,
    grid,
    nearest_dc,
    pickup_location,
    shipping_location,
)
from orders.simulator.payments import draw_method, payment_data
from orders.simulator.shipping import (
    DELIVERY,
    PICKUP,
    Delivery,
    choose_sla,
    shipping_data,
)

# Seller id of the main store in VTEX. White-label sellers have their own ids.
MAIN_SELLER = "1"
# Items total (cents) from which delivery is free. Pickup is always free.
FREE_SHIPPING_FROM = 29900
PICKUP_RATE = 0.12
SPLIT_RATE = 0.08
NULL_CHANNEL_RATE = 0.01
CHANGE_RATE = 0.02
ASSISTED_SALE_RATE = 0.1


@dataclass
class DraftOrder:
    """A new order: its document, who fulfils it and the statuses ahead of it."""

    document: dict
    location_code: str
    path: tuple


def _hex(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


def _item(rng: random.Random, line: BasketLine, seller: str, order_id: str) -> dict:
    product = line.product
    slug = product.slug
    price_tags = []
    if line.unit_discount:
        value = -line.unit_discount * line.quantity
        price_tags.append(
            {
                "name": "DISCOUNT@MARKETPLACE",
                "value": value,
                "isPercentual": False,
                "identifier": _hex(rng),
                "rawValue": value / 100,
                "rate": None,
                "jurisCode": None,
                "jurisType": None,
                "jurisName": None,
            }
        )
    selling_price = line.selling_price
    return {
        "uniqueId": _hex(rng).upper(),
        "id": product.sku_id,
        "productId": product.product_id,
        "ean": None,
        "lockId": f"00-{order_id}",
        "itemAttachment": {"content": {}, "name": None},
        "attachments": [],
        "quantity": line.quantity,
        "seller": seller,
        "name": product.name,
        "refId": product.ref_id,
        "price": line.price,
        "listPrice": product.unit_price,
        "manualPrice": None,
        "priceTags": price_tags,
        "imageUrl": (
            f"https://serraazul.vteximg.com.br/arquivos/ids/{product.sku_id}-200-200/"
            f"{slug}.jpg"
        ),
        "detailUrl": f"/{slug}/p",
        "components": [],
        "bundleItems": [],
        "params": [],
        "offerings": [],
        "sellerSku": product.sku_id,
        "priceValidUntil": None,
        "commission": 0,
        "tax": 0,
        "preSaleDate": None,
        "additionalInfo": {
            "brandName": "Serra Azul",
            "brandId": "2000001",
            "categoriesIds": f"/{product.category}/",
            "productClusterId": "",
            "commercialConditionId": "1",
            "dimension": {
                "cubicweight": round(product.weight_grams / 1000, 4),
                "height": 10.0,
                "length": 20.0,
                "weight": float(product.weight_grams),
                "width": 10.0,
            },
            "offeringInfo": None,
            "offeringType": None,
            "offeringTypeId": None,
        },
        "measurementUnit": product.measurement_unit,
        "unitMultiplier": product.unit_multiplier,
        "sellingPrice": selling_price,
        "isGift": line.is_gift,
        "shippingPrice": None,
        "rewardValue": 0,
        "freightCommission": 0,
        "priceDefinition": {
            "sellingPrices": [{"value": selling_price, "quantity": line.quantity}],
            "calculatedSellingPrice": selling_price,
            "total": selling_price * line.quantity,
            "reason": None,
        },
        "taxCode": None,
        "parentItemIndex": None,
        "parentAssemblyBinding": None,
        "callCenterOperator": None,
        "serialNumbers": None,
        "assemblies": [],
        "costPrice": None,
    }


def _totals(items: list[dict], shipping: int) -> list[dict]:
    items_total = sum(item["price"] * item["quantity"] for item in items)
    discounts = sum(
        (item["sellingPrice"] - item["price"]) * item["quantity"] for item in items
    )
    return [
        {"id": "Items", "name": "Total dos Itens", "value": items_total},
        {"id": "Discounts", "name": "Total dos Descontos", "value": discounts},
        {"id": "Shipping", "name": "Total do Frete", "value": shipping},
        {"id": "Tax", "name": "Total da Taxa", "value": 0},
    ]


def _client_profile(customer: Customer) -> dict:
    corporate = customer.is_corporate
    return {
        "id": "clientProfileData",
        "email": customer.email,
        "firstName": customer.first_name,
        "lastName": customer.last_name,
        "documentType": "cpf",
        # A corporate buyer's CNPJ is in corporateDocument, and document is null.
        "document": None if corporate else customer.document,
        "phone": customer.phone,
        "corporateName": customer.corporate_name,
        "tradeName": customer.trade_name,
        "corporateDocument": customer.corporate_document,
        "stateInscription": "Isento" if corporate else None,
        "corporatePhone": customer.phone if corporate else None,
        "isCorporate": corporate,
        "userProfileId": customer.profile_id,
        "userProfileVersion": None,
        "customerClass": None,
        "customerCode": None,
    }


def _seller(seller_id: str, location: NetworkLocation) -> dict:
    if seller_id == MAIN_SELLER:
        name, account = "Serra Azul", "serraazul"
    else:
        name, account = location.name, seller_id
    return {
        "id": seller_id,
        "name": name,
        "logo": "",
        "fulfillmentEndpoint": (
            f"http://fulfillment.vtexcommerce.com.br/api/fulfillment?an={account}"
        ),
    }


def _marketing_data(rng: random.Random, location: NetworkLocation) -> dict | None:
    roll = rng.random()
    if roll < ASSISTED_SALE_RATE:
        # An assisted sale: the associate's code and the store in the tags.
        source, medium = "app-vendedor", "loja"
        campaign = f"vendedor-{rng.randrange(1, 40):02d}"
        tags = ["venda-assistida", location.code]
    elif roll < ASSISTED_SALE_RATE + 0.15:
        source, medium = rng.choice((("instagram", "social"), ("google", "cpc")))
        campaign, tags = "serra-azul-sazonal", []
    else:
        return None
    return {
        "id": "marketingData",
        "utmSource": source,
        "utmPartner": None,
        "utmMedium": medium,
        "utmCampaign": campaign,
        "coupon": "",
        "utmiCampaign": "",
        "utmipage": "",
        "utmiPart": "",
        "marketingTags": tags,
    }


def _change_attachment(
    rng: random.Random, document: dict, created_at: datetime
) -> None:
    """Record that the store removed the last item after the purchase."""
    removed = document["items"][-1]
    amount = removed["sellingPrice"] * removed["quantity"]
    document["changesAttachment"] = {
        "id": "changeAttachment",
        "changesData": [
            {
                "reason": "Item indisponível no estoque da loja.",
                "discountValue": amount,
                "incrementValue": 0,
                "itemsAdded": [],
                "itemsRemoved": [
                    {
                        "id": removed["id"],
                        "name": removed["name"],
                        "quantity": removed["quantity"],
                        "price": removed["sellingPrice"],
                        "unitMultiplier": removed["unitMultiplier"],
                    }
                ],
                "receipt": {
                    "date": document_date(created_at),
                    "orderId": document["orderId"],
                    "receipt": _hex(rng),
                },
            }
        ],
    }
    document["totals"].append(
        {"id": "Change", "name": "Total das Alterações", "value": -amount}
    )
    document["value"] -= amount


def _store_preferences() -> dict:
    return {
        "countryCode": "BRA",
        "currencyCode": "BRL",
        "currencyFormatInfo": {
            "CurrencyDecimalDigits": 2,
            "CurrencyDecimalSeparator": ",",
            "CurrencyGroupSeparator": ".",
            "CurrencyGroupSize": 3,
            "StartsWithCurrencySymbol": True,
        },
        "currencyLocale": 1046,
        "currencySymbol": "R$",
        "timeZone": "E. South America Standard Time",
    }


def _item_metadata(items: list[dict]) -> dict:
    return {
        "Items": [
            {
                "Id": item["id"],
                "Seller": item["seller"],
                "Name": item["name"],
                "SkuName": item["name"],
                "ProductId": item["productId"],
                "RefId": item["refId"],
                "Ean": None,
                "ImageUrl": item["imageUrl"],
                "DetailUrl": item["detailUrl"],
                "AssemblyOptions": [],
            }
            for item in items
        ]
    }


@dataclass(frozen=True)
class Part:
    """The lines of a purchase that one location fulfils."""

    lines: list
    delivery: Delivery


def apply_status(document: dict, status: str | None, changed_at: datetime) -> None:
    """Move a document to `status` at `changed_at`, filling the dates it implies."""
    stamp = document_date(changed_at)
    document["status"] = status
    document["statusDescription"] = flow.STATUS_DESCRIPTIONS.get(status)
    document["lastChange"] = stamp
    if status == flow.PAYMENT_APPROVED:
        document["authorizedDate"] = stamp
    elif status == flow.INVOICED:
        document["invoicedDate"] = stamp
        document["allowCancellation"] = False
    elif status == flow.CANCELED:
        _cancel(document, stamp)


def _cancel(document: dict, stamp: str) -> None:
    by_payment = document["authorizedDate"] is None
    reason = "Pagamento não aprovado." if by_payment else "Cliente desistiu da compra."
    document["cancelReason"] = reason
    document["allowCancellation"] = False
    document["cancellationData"] = {
        "RequestedByUser": not by_payment,
        "RequestedBySystem": False,
        "RequestedBySellerNotification": False,
        "RequestedByPaymentNotification": by_payment,
        "Reason": reason,
        "CancellationDate": stamp,
    }


class DocumentFactory:
    """Draws purchases and builds their documents from one random generator.

    The same seed and the same sequence of calls give the same documents.
    """

    def __init__(self, rng: random.Random, account: str):
        self.rng = rng
        self.account = account
        self.next_sequence = 500000 + rng.randrange(100000)

    def draw_group(self, created_at: datetime) -> list[DraftOrder]:
        """Draw one purchase and return one draft per order of its group."""
        rng = self.rng
        customer = draw_customer(rng)
        paths, weights = zip(*flow.PATHS, strict=True)
        path = rng.choices(paths, weights=weights)[0]
        parts = self._parts(customer, draw_basket(rng))

        group = f"{rng.randrange(10**6, 10**7)}{self.next_sequence:06d}"
        drafts = []
        for number, part in enumerate(parts, start=1):
            document = self._document(
                f"{group}-{number:02d}", group, customer, part, created_at
            )
            drafts.append(DraftOrder(document, part.delivery.location.code, path))
            self.next_sequence += 1

        self._attach_payment(drafts)
        self._finish(drafts, path, created_at)
        return drafts

    def step_times(self, path: tuple, created_at: datetime) -> list[datetime]:
        """Draw when the order reaches each status of its path."""
        times = [created_at]
        for status in path[:-1]:
            low, high = flow.DWELL_SECONDS[status]
            times.append(times[-1] + timedelta(seconds=self.rng.uniform(low, high)))
        return times

    def _parts(self, customer: Customer, lines: list[BasketLine]) -> list[Part]:
        rng = self.rng
        latitude = grid(customer.address.latitude)
        longitude = grid(customer.address.longitude)
        pickup_store = None
        if rng.random() < PICKUP_RATE:
            pickup_store = pickup_location(latitude, longitude)
        if pickup_store is not None:
            return [self._part(lines, pickup_store, PICKUP, customer)]

        channel = None if rng.random() < NULL_CHANNEL_RATE else DELIVERY
        primary = shipping_location(customer.address.city.name, latitude, longitude)
        if len(lines) < 2 or rng.random() >= SPLIT_RATE:
            return [self._part(lines, primary, channel, customer)]

        # The rest of the basket ships from a DC (the other one if a DC
        # already ships the first part).
        other = nearest_dc(latitude, longitude)
        if other is primary:
            other = next(dc for dc in DCS if dc is not primary)
        cut = rng.randrange(1, len(lines))
        return [
            self._part(lines[:cut], primary, channel, customer),
            self._part(lines[cut:], other, channel, customer),
        ]

    def _part(self, lines, location, channel, customer) -> Part:
        sla = choose_sla(self.rng, location, customer.address, channel)
        items_total = sum(line.selling_price * line.quantity for line in lines)
        price = (
            0 if channel != PICKUP and items_total >= FREE_SHIPPING_FROM else sla.price
        )
        delivery = Delivery(
            location=location,
            channel=channel,
            sla=replace(sla, price=price),
            list_price=sla.price,
            seller_id=location.seller_id or MAIN_SELLER,
        )
        return Part(lines, delivery)

    def _document(
        self,
        order_id: str,
        group: str,
        customer: Customer,
        part: Part,
        created_at: datetime,
    ) -> dict:
        rng = self.rng
        delivery = part.delivery
        seller = delivery.seller_id
        items = [_item(rng, line, seller, order_id) for line in part.lines]
        shipping = shipping_data(
            customer, items, delivery, created_at, _hex(rng), self.account
        )
        totals = _totals(items, delivery.sla.price)
        endpoint = f"http://oms.vtexinternal.com.br/api/oms?an={self.account}"
        created = document_date(created_at)
        seller_prefix = "00" if seller == MAIN_SELLER else "SLR"
        return {
            "orderId": order_id,
            "sequence": str(self.next_sequence),
            "marketplaceOrderId": "",
            "marketplaceServicesEndpoint": endpoint,
            "sellerOrderId": f"{seller_prefix}-{order_id}",
            "origin": "Marketplace",
            "affiliateId": "",
            "salesChannel": "1",
            "merchantName": None,
            "status": None,
            "workflowIsInError": False,
            "statusDescription": None,
            "value": sum(total["value"] for total in totals),
            "creationDate": created,
            "lastChange": created,
            "orderGroup": group,
            "totals": totals,
            "items": items,
            "marketplaceItems": [],
            "clientProfileData": _client_profile(customer),
            "giftRegistryData": None,
            "marketingData": _marketing_data(rng, delivery.location),
            "ratesAndBenefitsData": {
                "id": "ratesAndBenefitsData",
                "rateAndBenefitsIdentifiers": [],
            },
            "shippingData": shipping,
            "paymentData": None,
            "packageAttachment": {"packages": []},
            "sellers": [_seller(seller, delivery.location)],
            "callCenterOperatorData": None,
            "followUpEmail": f"{_hex(rng)}@ct.vtex.com.br",
            "lastMessage": None,
            "hostname": self.account,
            "invoiceData": None,
            "changesAttachment": None,
            "openTextField": None,
            "roundingError": 0,
            "orderFormId": _hex(rng),
            "commercialConditionData": None,
            "isCompleted": True,
            "customData": None,
            "storePreferencesData": _store_preferences(),
            "allowCancellation": True,
            "allowEdition": False,
            "isCheckedIn": False,
            "marketplace": {
                "baseURL": endpoint,
                "isCertified": None,
                "name": self.account,
            },
            "authorizedDate": None,
            "invoicedDate": None,
            "cancelReason": None,
            "itemMetadata": _item_metadata(items),
            "subscriptionData": None,
            "taxData": None,
            "checkedInPickupPointId": None,
            "cancellationData": None,
            "cancellationRequests": None,
            "clientPreferencesData": {
                "locale": "pt-BR",
                "optinNewsLetter": rng.random() < 0.4,
            },
        }

    def _attach_payment(self, drafts: list[DraftOrder]) -> None:
        total = sum(draft.document["value"] for draft in drafts)
        method = draw_method(self.rng)
        block = payment_data(self.rng, method, total, _hex(self.rng).upper())
        drafts[0].document["paymentData"] = block
        for draft in drafts[1:]:
            draft.document["paymentData"] = copy.deepcopy(block)

    def _finish(self, drafts: list[DraftOrder], path: tuple, created_at) -> None:
        for draft in drafts:
            document = draft.document
            if path == flow.INCOMPLETE:
                document["isCompleted"] = False
            else:
                apply_status(document, path[0], created_at)
            # The payment keeps the amount before the change, as in VTEX's published
            # example of a changed order.
            removable = [item for item in document["items"] if not item["isGift"]]
            if len(removable) >= 2 and self.rng.random() < CHANGE_RATE:
                _change_attachment(self.rng, document, created_at)
