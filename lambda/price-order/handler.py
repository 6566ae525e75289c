"""Validates an order and prices it: line totals, volume discount, tax; keeps the priced order in the orders table.

Called through the orders HTTP API (``POST /orders``, an API Gateway payload 2.0 event whose body is the order) or
directly with the order itself.
"""

import os
import uuid
from datetime import datetime, timezone
from decimal import Decimal

import lambda_kit
from domain import ValidationError, parse_order, price_order

# The tax rate applied to every order (a flat rate: this example does not model tax jurisdictions).
TAX_RATE = Decimal("0.20")

# The table the orders service module (lib/services/orders.ts) creates and names in ORDERS_TABLE; created on first
# use, and reused by the calls an execution environment serves.
_table = None


def orders_table():
    """The table priced orders are kept in, or None where ORDERS_TABLE is not set (run locally, nothing is kept)."""
    global _table
    name = os.environ.get("ORDERS_TABLE")
    if not name:
        return None
    if _table is None:
        import boto3  # in Lambda's Python runtime

        _table = boto3.resource("dynamodb").Table(name)
    return _table


def handler(event, context):
    try:
        order = parse_order(lambda_kit.parse_body(event))
    except lambda_kit.BadRequest as error:
        return lambda_kit.response(400, {"error": str(error)})
    except ValidationError as error:
        lambda_kit.log("order rejected", level="WARNING", problems=error.problems)
        return lambda_kit.response(422, {"error": "the order is not valid", "problems": error.problems})
    priced = price_order(order, TAX_RATE)
    order_id = str(uuid.uuid4())
    table = orders_table()
    if table is not None:
        table.put_item(
            Item={
                "orderId": order_id,
                "customer": order.customer,
                "pricedAt": datetime.now(timezone.utc).isoformat(),
                "order": lambda_kit.dumps(priced),
            }
        )
    lambda_kit.log(
        "order priced", orderId=order_id, customer=order.customer, lines=len(order.lines), total=priced.total,
        stored=table is not None,
    )
    return lambda_kit.response(200, {"orderId": order_id, **lambda_kit.loads(lambda_kit.dumps(priced))})
