"""Prices an order: line totals, a volume discount, and tax."""

from dataclasses import dataclass
from decimal import Decimal
from typing import List, Tuple

from .money import Money
from .orders import Order

# (minimum quantity of one line, discount on that line)
VOLUME_DISCOUNTS: List[Tuple[int, Decimal]] = [(100, Decimal("0.10")), (20, Decimal("0.05"))]


@dataclass(frozen=True)
class PricedOrder:
    order: Order
    subtotal: Money
    discount: Money
    tax: Money
    total: Money

    def to_json(self) -> dict:
        return {
            "customer": self.order.customer,
            "lines": [
                {"sku": line.sku, "quantity": line.quantity, "unitPrice": line.unit_price.to_json()}
                for line in self.order.lines
            ],
            "subtotal": self.subtotal.to_json(),
            "discount": self.discount.to_json(),
            "tax": self.tax.to_json(),
            "total": self.total.to_json(),
        }


def volume_discount_rate(quantity: int) -> Decimal:
    for minimum, rate in VOLUME_DISCOUNTS:
        if quantity >= minimum:
            return rate
    return Decimal(0)


def price_order(order: Order, tax_rate: Decimal) -> PricedOrder:
    if tax_rate < 0 or tax_rate > 1:
        raise ValueError(f"tax rate {tax_rate} is not between 0 and 1")
    subtotal = Money.zero(order.currency)
    discount = Money.zero(order.currency)
    for line in order.lines:
        line_total = line.unit_price.times(line.quantity)
        subtotal = subtotal + line_total
        discount = discount + line_total.times(volume_discount_rate(line.quantity))
    subtotal, discount = subtotal.rounded(), discount.rounded()
    tax = (subtotal - discount).times(tax_rate).rounded()
    total = subtotal - discount + tax
    return PricedOrder(order, subtotal, discount, tax, total)
