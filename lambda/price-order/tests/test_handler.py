"""The price-order handler, run with its layers (common, then domain) on sys.path as Lambda mounts them."""

import io
import json
import unittest
from contextlib import redirect_stdout

import lambda_local

SPEC = lambda_local.load_spec()
handler = lambda_local.load_handler(SPEC)


def invoke(event):
    with redirect_stdout(io.StringIO()) as logs:
        result = handler(event, lambda_local.context_for(SPEC))
    return result, logs.getvalue()


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

    def test_runs_with_the_fingerprints_of_the_layers_it_imports(self):
        self.assertLessEqual({"LAYER_FINGERPRINT_COMMON", "LAYER_FINGERPRINT_DOMAIN"},
                             {k for k in SPEC["environment"] if k.startswith("LAYER_FINGERPRINT_")})


if __name__ == "__main__":
    unittest.main()
