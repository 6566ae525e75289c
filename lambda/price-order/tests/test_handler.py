"""The price-order handler, run with its layers (common, then domain) on sys.path as Lambda mounts them."""

import base64
import io
import json
import os
import sys
import unittest
import unittest.mock
from contextlib import redirect_stdout
from datetime import datetime, timezone

import lambda_local

SPEC = lambda_local.load_spec()
handler = lambda_local.load_handler(SPEC)


def invoke(event):
    with redirect_stdout(io.StringIO()) as logs:
        result = handler(event, lambda_local.context_for(SPEC))
    return result, logs.getvalue()


def http_event(method, path, body, encoded=False):
    """An API Gateway HTTP API event (payload format 2.0), as the route of the orders API sends it."""
    event = {
        "version": "2.0",
        "routeKey": f"{method} {path}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"content-type": "application/json"},
        "requestContext": {"http": {"method": method, "path": path}, "routeKey": f"{method} {path}", "stage": "$default"},
        "isBase64Encoded": encoded,
    }
    if body is not None:
        event["body"] = body
    return event


def money(amount, currency="EUR"):
    return {"amount": amount, "currency": currency}


# An order of two lines, the first large enough for a volume discount.
ORDER = {
    "customer": "c-9",
    "currency": "EUR",
    "lines": [{"sku": "A", "quantity": 100, "unitPrice": "1.00"}, {"sku": "B", "quantity": 1, "unitPrice": "2.50"}],
}
# The priced order, as the answer and the orders table carry it: the order's own field names, every key sorted.
PRICED = {
    "customer": "c-9",
    "lines": [
        {"sku": "A", "quantity": 100, "unitPrice": money("1.00")},
        {"sku": "B", "quantity": 1, "unitPrice": money("2.50")},
    ],
    "subtotal": money("102.50"),
    "discount": money("10.00"),
    "tax": money("18.50"),
    "total": money("111.00"),
}


def compact(value):
    """JSON text as lambda_kit writes it: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class PriceOrderTest(unittest.TestCase):
    def test_prices_an_order_from_an_api_event(self):
        result, logs = invoke({"body": json.dumps(ORDER)})
        body = json.loads(result["body"])
        self.assertRegex(body.get("orderId", ""), r"^[0-9a-f-]{36}$")
        expected = {"orderId": body["orderId"], **PRICED}
        self.assertEqual(result, {
            "statusCode": 200,
            "headers": {"content-type": "application/json"},
            "body": compact(expected),
        })
        log = {"level": "INFO", "message": "order priced", "orderId": body["orderId"], "customer": "c-9", "lines": 2,
               "total": money("111.00"), "stored": False}
        if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
            log["function"] = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.assertEqual(logs, compact(log) + "\n")

    def test_a_direct_invocation_is_priced_too(self):
        result, _ = invoke({"customer": "c", "currency": "JPY", "lines": [{"sku": "B", "quantity": 1, "unitPrice": 500}]})
        self.assertEqual(result["statusCode"], 200)
        body = json.loads(result["body"])
        self.assertEqual(body, {
            "orderId": body.get("orderId"),
            "customer": "c",
            "lines": [{"sku": "B", "quantity": 1, "unitPrice": money("500", "JPY")}],
            "subtotal": money("500", "JPY"),
            "discount": money("0", "JPY"),
            "tax": money("100", "JPY"),
            "total": money("600", "JPY"),
        })

    def test_an_invalid_order_gets_422_with_every_problem(self):
        result, logs = invoke({"body": json.dumps({"currency": "EUR", "lines": []})})
        problems = ["customer: give the customer id as a non-empty string",
                    "lines: give at least one line {sku, quantity, unitPrice}"]
        self.assertEqual(result, {
            "statusCode": 422,
            "headers": {"content-type": "application/json"},
            "body": compact({"error": "the order is not valid", "problems": problems}),
        })
        self.assertEqual(json.loads(logs)["level"], "WARNING")
        self.assertEqual(json.loads(logs)["problems"], problems)

    def test_a_unit_price_finer_than_the_currency_is_refused_not_shown_rounded_and_summed_exact(self):
        order = {**ORDER, "lines": [{"sku": "B", "quantity": 2, "unitPrice": "2.505"}]}
        result, _ = invoke({"body": json.dumps(order)})
        self.assertEqual(result["statusCode"], 422)
        self.assertEqual(json.loads(result["body"])["problems"], [
            "lines[0].unitPrice: 2.505 has more than the 2 decimal places EUR has; give the price in EUR's smallest unit",
        ])

    def test_a_body_that_is_not_json_gets_400(self):
        result, _ = invoke({"body": "{"})
        self.assertEqual(result["statusCode"], 400)
        # The rest of the message is the JSON parser's own, orjson's or its stand-in's.
        self.assertRegex(json.loads(result["body"])["error"], r"^the body is not JSON: .")

    def test_prices_an_order_posted_through_the_http_api(self):
        # POST /orders as API Gateway's HTTP API sends it (payload format 2.0), the body base64-encoded.
        body = {"customer": "c-7", "currency": "EUR", "lines": [{"sku": "A", "quantity": 1, "unitPrice": "10.00"}]}
        event = http_event("POST", "/orders", base64.b64encode(json.dumps(body).encode()).decode(), encoded=True)
        result, _ = invoke(event)
        self.assertEqual(result["statusCode"], 200)
        self.assertEqual(result["headers"]["content-type"], "application/json")
        priced = json.loads(result["body"])
        self.assertRegex(priced["orderId"], r"^[0-9a-f-]{36}$")
        self.assertEqual(priced, {
            "orderId": priced["orderId"],
            "customer": "c-7",
            "lines": [{"sku": "A", "quantity": 1, "unitPrice": money("10.00")}],
            "subtotal": money("10.00"),
            "discount": money("0.00"),
            "tax": money("2.00"),
            "total": money("12.00"),
        })

    def test_a_post_without_a_body_gets_400(self):
        result, _ = invoke(http_event("POST", "/orders", None))
        self.assertEqual(result["statusCode"], 400)
        self.assertEqual(json.loads(result["body"]), {"error": "the request has no body"})

    def test_keeps_the_priced_order_in_the_orders_table(self):
        table = unittest.mock.Mock()
        module = sys.modules[handler.__module__]
        before = datetime.now(timezone.utc)
        with unittest.mock.patch.dict(os.environ, {"ORDERS_TABLE": "orders-table"}), \
                unittest.mock.patch.object(module, "_table", table):
            result, logs = invoke(http_event("POST", "/orders", json.dumps(ORDER)))
        after = datetime.now(timezone.utc)
        self.assertEqual(table.put_item.call_count, 1)
        item = table.put_item.call_args.kwargs["Item"]
        body = json.loads(result["body"])
        self.assertEqual(body, {"orderId": body["orderId"], **PRICED})
        priced_at = datetime.fromisoformat(item.get("pricedAt", ""))
        self.assertTrue(before <= priced_at <= after, item)
        self.assertEqual(item, {
            "orderId": body["orderId"],
            "customer": "c-9",
            "pricedAt": item["pricedAt"],
            "order": compact(PRICED),
        })
        self.assertTrue(json.loads(logs)["stored"])

    def test_keeps_nothing_where_there_is_no_table(self):
        with unittest.mock.patch.dict(os.environ, {}, clear=False):
            os.environ.pop("ORDERS_TABLE", None)
            _, logs = invoke({"customer": "c", "currency": "EUR", "lines": [{"sku": "A", "quantity": 1, "unitPrice": 1}]})
        self.assertFalse(json.loads(logs)["stored"])

    def test_runs_with_the_fingerprints_of_the_layers_it_imports(self):
        self.assertLessEqual({"LAYER_FINGERPRINT_COMMON", "LAYER_FINGERPRINT_DOMAIN"},
                             {k for k in SPEC["environment"] if k.startswith("LAYER_FINGERPRINT_")})


if __name__ == "__main__":
    unittest.main()
