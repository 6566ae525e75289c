"""Validates an order and prices it: line totals, volume discount, tax."""

from decimal import Decimal

import lambda_kit
from domain import ValidationError, parse_order, price_order

# The tax rate applied to every order (a flat rate: this example does not model tax jurisdictions).
TAX_RATE = Decimal("0.20")


def handler(event, context):
    try:
        order = parse_order(lambda_kit.parse_body(event))
    except lambda_kit.BadRequest as error:
        return lambda_kit.response(400, {"error": str(error)})
    except ValidationError as error:
        lambda_kit.log("order rejected", level="WARNING", problems=error.problems)
        return lambda_kit.response(422, {"error": "the order is not valid", "problems": error.problems})
    priced = price_order(order, TAX_RATE)
    lambda_kit.log("order priced", customer=order.customer, lines=len(order.lines), total=priced.total)
    return lambda_kit.response(200, priced)
