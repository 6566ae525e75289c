"""The order domain model shared by the order functions: money, orders and their validation, pricing.

A package of several modules, laid out under python/ as Lambda mounts it at /opt/python. Pure Python, no
third-party packages, so the layer serves both architectures.
"""

from .money import Money
from .orders import Order, OrderLine, ValidationError, parse_order
from .pricing import PricedOrder, price_order

__all__ = ["Money", "Order", "OrderLine", "PricedOrder", "ValidationError", "parse_order", "price_order"]
