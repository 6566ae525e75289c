"""Summarises a day of priced orders: how many, revenue per currency, and the best-selling products.

Its schedule (EventBridge Scheduler, every morning) sends ``{"scheduledTime": "<ISO 8601 time>"}``: the report is
then of the day before. Called directly, the event names the ``date`` and may carry the ``orders``.
"""

from collections import Counter
from datetime import date as Date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Dict

import lambda_kit

TOP = 3


def summarise(orders) -> Dict[str, Any]:
    revenue: Dict[str, Decimal] = {}
    sold: Counter = Counter()
    skipped = 0
    for order in orders:
        try:
            total = order["total"]
            amount = Decimal(str(total["amount"]))
            currency = str(total["currency"])
            lines = order.get("lines", [])
        except (KeyError, TypeError, InvalidOperation):
            skipped += 1
            continue
        revenue[currency] = revenue.get(currency, Decimal(0)) + amount
        for line in lines:
            sold[line.get("sku", "?")] += int(line.get("quantity", 0))
    return {
        "orders": len(orders) - skipped,
        "skipped": skipped,
        "revenue": {currency: str(amount) for currency, amount in sorted(revenue.items())},
        "bestSellers": [{"sku": sku, "quantity": quantity} for sku, quantity in sorted(sold.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP]],
    }


def report_date(event) -> str:
    """The day to report on: the event's ``date``, else the day before its ``scheduledTime``."""
    if event.get("date"):
        return str(event["date"])
    scheduled = event.get("scheduledTime")
    if scheduled:
        run = datetime.fromisoformat(str(scheduled).replace("Z", "+00:00"))
        return (run.date() - timedelta(days=1)).isoformat()
    return (Date.today() - timedelta(days=1)).isoformat()


def handler(event, context):
    date = report_date(event) if isinstance(event, dict) else None
    orders = event.get("orders", []) if isinstance(event, dict) else []
    if not isinstance(orders, list):
        return {"date": date, "error": "orders must be a list"}
    report = {"date": date, **summarise(orders)}
    lambda_kit.log("daily report", **report)
    return report
