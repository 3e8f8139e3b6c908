"""Links between a VTEX document and the network locations it names."""

from dataclasses import dataclass, field

from franchises.models import Location
from orders.models import OrderLocation
from orders.vtex.parser import ParsedOrder


def pickup_point_keys(pickup_point_id: str) -> set[str]:
    """VTEX writes pickup points as `{sellerId}_{pointId}` (e.g. `1_loja-123`);
    a location may be configured with either form."""
    keys = {pickup_point_id}
    if "_" in pickup_point_id:
        keys.add(pickup_point_id.split("_", 1)[1])
    return keys


@dataclass
class LocationIndex:
    """Location ids by VTEX id, loaded once per batch so each order costs no query."""

    warehouse: dict[str, list[int]] = field(default_factory=dict)
    dock: dict[str, list[int]] = field(default_factory=dict)
    pickup_point: dict[str, list[int]] = field(default_factory=dict)
    seller: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> "LocationIndex":
        index = cls()
        rows = Location.objects.values_list(
            "pk",
            "vtex_warehouse_id",
            "vtex_dock_id",
            "vtex_pickup_point_id",
            "vtex_seller_id",
        )
        for pk, warehouse, dock, pickup_point, seller in rows:
            for mapping, key in (
                (index.warehouse, warehouse),
                (index.dock, dock),
                (index.pickup_point, pickup_point),
                (index.seller, seller),
            ):
                if key:
                    mapping.setdefault(key, []).append(pk)
        return index

    def links_for(self, parsed: ParsedOrder) -> set[tuple[int, str]]:
        reasons = OrderLocation.Reason
        links: set[tuple[int, str]] = set()
        for item in parsed.items:
            for pk in (
                self.warehouse.get(item.warehouse_id, []) if item.warehouse_id else []
            ):
                links.add((pk, reasons.WAREHOUSE))
            for pk in self.dock.get(item.dock_id, []) if item.dock_id else []:
                links.add((pk, reasons.DOCK))
            if item.pickup_point_id:
                for key in pickup_point_keys(item.pickup_point_id):
                    for pk in self.pickup_point.get(key, []):
                        links.add((pk, reasons.PICKUP_POINT))
        for seller_id in parsed.seller_ids:
            for pk in self.seller.get(seller_id, []):
                links.add((pk, reasons.SELLER))
        return links
