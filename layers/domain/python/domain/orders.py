"""Orders as the functions receive them, validated with every problem reported at once."""

from dataclasses import dataclass
from typing import Any, List, Mapping, Tuple

from .money import CURRENCIES, Money

MAX_LINES = 100


class ValidationError(ValueError):
    """An order that cannot be accepted; `problems` lists every reason."""

    def __init__(self, problems: List[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class OrderLine:
    sku: str
    quantity: int
    unit_price: Money


@dataclass(frozen=True)
class Order:
    customer: str
    currency: str
    lines: Tuple[OrderLine, ...]


def parse_order(data: Mapping[str, Any]) -> Order:
    problems: List[str] = []
    customer = data.get("customer")
    if not isinstance(customer, str) or not customer.strip():
        problems.append("customer: give the customer id as a non-empty string")
    currency = data.get("currency")
    if currency not in CURRENCIES:
        problems.append(f"currency: {currency!r} is not one of {', '.join(sorted(CURRENCIES))}")
    raw_lines = data.get("lines")
    lines: List[OrderLine] = []
    if not isinstance(raw_lines, list) or not raw_lines:
        problems.append("lines: give at least one line {sku, quantity, unitPrice}")
        raw_lines = []
    elif len(raw_lines) > MAX_LINES:
        problems.append(f"lines: at most {MAX_LINES} lines per order, got {len(raw_lines)}")
        raw_lines = []
    for index, raw in enumerate(raw_lines):
        where = f"lines[{index}]"
        if not isinstance(raw, Mapping):
            problems.append(f"{where}: must be an object")
            continue
        sku = raw.get("sku")
        if not isinstance(sku, str) or not sku.strip():
            problems.append(f"{where}.sku: give the product's SKU")
        quantity = raw.get("quantity")
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            problems.append(f"{where}.quantity: must be a whole number of at least 1")
        price = None
        if currency in CURRENCIES:
            try:
                price = Money.of(raw.get("unitPrice"), currency)
                if price.amount < 0:
                    problems.append(f"{where}.unitPrice: must not be negative")
                elif price.amount != price.rounded().amount:
                    # A price finer than the currency's smallest unit would be shown rounded but summed exact.
                    digits = CURRENCIES[currency]
                    problems.append(
                        f"{where}.unitPrice: {raw.get('unitPrice')} has more than the {digits} decimal places "
                        f"{currency} has; give the price in {currency}'s smallest unit"
                    )
                    price = None
            except ValueError as error:
                problems.append(f"{where}.unitPrice: {error}")
        if isinstance(sku, str) and sku.strip() and isinstance(quantity, int) and price is not None:
            lines.append(OrderLine(sku.strip(), quantity, price))
    if problems:
        raise ValidationError(problems)
    return Order(customer.strip(), currency, tuple(lines))
