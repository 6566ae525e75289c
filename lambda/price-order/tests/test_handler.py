"""The price-order handler, run with its layers (common, then domain) on sys.path as Lambda mounts them."""

import base64
import io
import json
import os
import sys
import unittest
import unittest.mock
from contextlib import redirect_stdout

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


class PriceOrderTest(unittest.TestCase):
    def test_prices_an_order_from_an_api_event(self):
        body = {"customer": "c-9", "currency": "EUR", "lines": [{"sku": "A", "quantity": 100, "unitPrice": "1.00"}]}
        result, logs = invoke({"body": json.dumps(body)})
        self.assertEqual(result["statusCode"], 200)
        priced = json.loads(result["body"])
        self.assertEqual(priced["subtotal"], {"amount": "100.00", "currency": "EUR"})
        self.assertEqual(priced["discount"], {"amount": "10.00", "currency": "EUR"})
        self.assertEqual(priced["total"], {"amount": "108.00", "currency": "EUR"})
        self.assertEqual(json.loads(logs)["message"], "order priced")

    def test_a_direct_invocation_is_priced_too(self):
        result, _ = invoke({"customer": "c", "currency": "JPY", "lines": [{"sku": "B", "quantity": 1, "unitPrice": 500}]})
        self.assertEqual(json.loads(result["body"])["total"], {"amount": "600", "currency": "JPY"})

    def test_an_invalid_order_gets_422_with_every_problem(self):
        result, logs = invoke({"body": json.dumps({"currency": "EUR", "lines": []})})
        self.assertEqual(result["statusCode"], 422)
        self.assertEqual(len(json.loads(result["body"])["problems"]), 2)
        self.assertEqual(json.loads(logs)["level"], "WARNING")

    def test_a_body_that_is_not_json_gets_400(self):
        result, _ = invoke({"body": "{"})
        self.assertEqual(result["statusCode"], 400)

    def test_prices_an_order_posted_through_the_http_api(self):
        # POST /orders as API Gateway's HTTP API sends it (payload format 2.0), the body base64-encoded.
        body = {"customer": "c-7", "currency": "EUR", "lines": [{"sku": "A", "quantity": 1, "unitPrice": "10.00"}]}
        event = http_event("POST", "/orders", base64.b64encode(json.dumps(body).encode()).decode(), encoded=True)
        result, _ = invoke(event)
        self.assertEqual(result["statusCode"], 200)
        self.assertEqual(result["headers"]["content-type"], "application/json")
        priced = json.loads(result["body"])
        self.assertEqual(priced["total"], {"amount": "12.00", "currency": "EUR"})
        self.assertRegex(priced["orderId"], r"^[0-9a-f-]{36}$")

    def test_a_post_without_a_body_gets_400(self):
        result, _ = invoke(http_event("POST", "/orders", None))
        self.assertEqual(result["statusCode"], 400)

    def test_keeps_the_priced_order_in_the_orders_table(self):
        table = unittest.mock.Mock()
        module = sys.modules[handler.__module__]
        with unittest.mock.patch.dict(os.environ, {"ORDERS_TABLE": "orders-table"}), \
                unittest.mock.patch.object(module, "_table", table):
            result, logs = invoke(http_event("POST", "/orders", json.dumps(
                {"customer": "c-1", "currency": "EUR", "lines": [{"sku": "A", "quantity": 2, "unitPrice": "1.00"}]})))
        item = table.put_item.call_args.kwargs["Item"]
        body = json.loads(result["body"])
        self.assertEqual(item["orderId"], body["orderId"])
        self.assertEqual(item["customer"], "c-1")
        self.assertEqual(json.loads(item["order"])["total"], body["total"])
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
