"""`shippingData`: the address, one logistics entry per item, and the SLA chosen.

Goods ship from one location of the demo network, named by its VTEX
warehouse and dock, or wait at a store's pickup point. Pickup point ids take
VTEX's `<seller>_<pickup point id>` form, for example `1_pp-sp-paulista`.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from orders.simulator.customers import Address, Customer
from orders.simulator.dates import document_date
from orders.simulator.network import NetworkLocation, distance_km

DELIVERY = "delivery"
PICKUP = "pickup-in-point"


@dataclass(frozen=True)
class Sla:
    name: str
    courier_id: str
    courier_name: str
    # As VTEX writes it: business days ("3bd"), days ("8d") or hours ("4h").
    estimate: str
    price: int

    @property
    def estimate_delta(self) -> timedelta:
        amount, unit = (
            int(self.estimate.rstrip("bdh")),
            self.estimate.lstrip("0123456789"),
        )
        if unit == "h":
            return timedelta(hours=amount)
        # A business day is about 1.4 calendar days once weekends are counted.
        return timedelta(days=amount * (1.4 if unit == "bd" else 1))


def choose_sla(
    rng: random.Random, location: NetworkLocation, address: Address, channel: str
) -> Sla:
    """Pick the SLA a buyer would choose, at its full price."""
    if channel == PICKUP:
        estimate = rng.choice(("2h", "4h", "1bd"))
        return Sla(f"Retirada ({location.name})", "1", "Retirada na loja", estimate, 0)

    if not location.is_dc and rng.random() < 0.4:
        return Sla("Entrega Rápida", "entrega-loja", "Entrega Serra Azul", "4h", 1290)
    if not location.is_dc:
        return Sla("Normal", "loggi", "Loggi", "2bd", 890)

    distance = distance_km(
        address.latitude, address.longitude, location.latitude, location.longitude
    )
    if rng.random() < 0.3:
        return Sla("Expressa", "correios-sedex", "Correios SEDEX", "3bd", 3490)
    if distance > 1000:
        return Sla("Normal", "correios-pac", "Correios PAC", "8d", 2490)
    return Sla("Normal", "correios-pac", "Correios PAC", "5bd", 1690)


def address_json(customer: Customer, address_id: str) -> dict:
    address = customer.address
    return {
        "addressType": "residential",
        "receiverName": customer.full_name,
        "addressId": address_id,
        "versionId": None,
        "entityId": None,
        "postalCode": address.postal_code,
        "city": address.city.name,
        "state": address.city.state,
        "country": "BRA",
        "street": address.street,
        "number": address.number,
        "neighborhood": address.neighborhood,
        "complement": address.complement,
        "reference": None,
        "geoCoordinates": list(address.geo_coordinates),
    }


def pickup_store_info(location: NetworkLocation | None) -> dict:
    if location is None:
        return {
            "additionalInfo": None,
            "address": None,
            "dockId": None,
            "friendlyName": None,
            "isPickupStore": False,
        }
    return {
        "additionalInfo": None,
        "address": {
            "addressType": "pickup",
            "receiverName": None,
            "addressId": location.pickup_point_id,
            "versionId": None,
            "entityId": None,
            "postalCode": location.postal_code,
            "city": location.city,
            "state": location.state,
            "country": "BRA",
            "street": location.street,
            "number": location.number,
            "neighborhood": location.neighborhood,
            "complement": "",
            "reference": None,
            # VTEX writes points longitude first.
            "geoCoordinates": [location.longitude, location.latitude],
        },
        "dockId": location.dock_id,
        "friendlyName": location.name,
        "isPickupStore": True,
    }


def split_price(total: int, parts: int) -> list[int]:
    """Split cents into `parts` shares that add up to `total` exactly."""
    share, remainder = divmod(total, parts)
    return [share + (1 if index < remainder else 0) for index in range(parts)]


@dataclass(frozen=True)
class Delivery:
    """The location, channel, SLA and seller that fulfil one order."""

    location: NetworkLocation
    channel: str | None
    sla: Sla
    list_price: int
    seller_id: str


def logistics_entry(
    index: int,
    item: dict,
    delivery: Delivery,
    price: int,
    list_price: int,
    estimate_date: str,
    address_id: str,
    account: str,
) -> dict:
    location = delivery.location
    is_pickup = delivery.channel == PICKUP
    pickup_point = (
        f"{delivery.seller_id}_{location.pickup_point_id}" if is_pickup else None
    )
    delivery_id = {
        "courierId": delivery.sla.courier_id,
        "courierName": delivery.sla.courier_name,
        "dockId": location.dock_id,
        "quantity": item["quantity"],
        "warehouseId": location.warehouse_id,
        "accountCarrierName": account,
        "kitItemDetails": [],
    }
    sla = {
        "id": delivery.sla.name,
        "name": delivery.sla.name,
        "shippingEstimate": delivery.sla.estimate,
        "shippingEstimateDate": estimate_date,
        "deliveryWindow": None,
        "availableDeliveryWindows": [],
        "deliveryIds": [delivery_id],
        "listPrice": list_price,
        "price": price,
        "deliveryChannel": delivery.channel,
        "pickupStoreInfo": pickup_store_info(location if is_pickup else None),
        "polygonName": "",
        "lockTTL": "10d",
        "pickupPointId": pickup_point,
        "transitTime": delivery.sla.estimate,
        "pickupDistance": 0.0,
    }
    entry = {
        "itemIndex": index,
        "itemId": item["id"],
        "selectedDeliveryChannel": delivery.channel,
        "selectedSla": delivery.sla.name,
        "lockTTL": "10d",
        "price": price,
        "listPrice": list_price,
        "sellingPrice": price,
        "deliveryWindow": None,
        "deliveryCompany": delivery.sla.courier_name,
        "shippingEstimate": delivery.sla.estimate,
        "shippingEstimateDate": estimate_date,
        "slas": [sla],
        "shipsTo": ["BRA"],
        "deliveryIds": [delivery_id],
        "deliveryChannels": [
            {"id": DELIVERY, "stockBalance": 0},
            {"id": PICKUP, "stockBalance": 0},
        ],
        "deliveryChannel": delivery.channel,
        "pickupStoreInfo": sla["pickupStoreInfo"],
        "addressId": address_id,
        "versionId": None,
        "entityId": None,
        "polygonName": "",
        "pickupPointId": pickup_point,
        "transitTime": delivery.sla.estimate,
    }
    if delivery.channel is None:
        # Older documents carry a null channel and no pickupStoreInfo at all.
        del entry["pickupStoreInfo"], sla["pickupStoreInfo"]
    return entry


def shipping_data(
    customer: Customer,
    items: list[dict],
    delivery: Delivery,
    created_at: datetime,
    address_id: str,
    account: str,
) -> dict:
    count = len(items)
    prices = split_price(delivery.sla.price, count)
    list_prices = split_price(delivery.list_price, count)
    estimate_date = document_date(created_at + delivery.sla.estimate_delta)
    address = address_json(customer, address_id)
    return {
        "id": "shippingData",
        "address": address,
        "logisticsInfo": [
            logistics_entry(
                index,
                item,
                delivery,
                prices[index],
                list_prices[index],
                estimate_date,
                address_id,
                account,
            )
            for index, item in enumerate(items)
        ],
        "trackingHints": None,
        "selectedAddresses": [dict(address)],
        "availableAddresses": [dict(address)],
        "contactInformation": [],
    }
