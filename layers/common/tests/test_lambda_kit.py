"""Tests of the common layer's own module, run by `npm run test:python` with the layer on sys.path.

orjson is the built layer's after `npm run build:layers` on a matching machine; while the layer is not built, it is
this Python's own where one is installed, else the stand-in from tests/standins (PyPI is out of reach where the tests
run). The note printed first says which.
"""

import base64
import io
import unittest
from contextlib import redirect_stdout
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

import lambda_local

NOTES = lambda_local.activate(lambda_local.load_spec())

import lambda_kit  # noqa: E402  (after the layer is on sys.path)


@dataclass(frozen=True)
class Price:
    amount: Decimal
    currency: str

    def to_json(self):
        return {"amount": str(self.amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)), "currency": self.currency}


@dataclass(frozen=True)
class Line:
    sku: str
    unit_price: Price
    quantity: int


class DumpsTest(unittest.TestCase):
    def test_sorts_keys_and_is_compact(self):
        self.assertEqual(lambda_kit.dumps({"b": 1, "a": [1, 2]}), '{"a":[1,2],"b":1}')

    def test_serialises_decimals_and_to_json(self):
        class Amount:
            def to_json(self):
                return {"amount": "1.50"}

        self.assertEqual(lambda_kit.dumps({"x": Decimal("2.5"), "y": Amount()}), '{"x":"2.5","y":{"amount":"1.50"}}')

    def test_a_dataclass_with_to_json_is_what_to_json_returns(self):
        # The real orjson writes a dataclass itself, field by field, and never calls default for it.
        price = Price(Decimal("2.505"), "EUR")
        self.assertEqual(lambda_kit.dumps(price), '{"amount":"2.50","currency":"EUR"}')
        self.assertEqual(lambda_kit.dumps({"prices": [price]}), '{"prices":[{"amount":"2.50","currency":"EUR"}]}')

    def test_a_dataclass_without_to_json_is_its_fields_sorted_each_by_the_same_rules(self):
        line = Line("A", Price(Decimal("2.505"), "EUR"), 3)
        self.assertEqual(
            lambda_kit.dumps({"line": line}),
            '{"line":{"quantity":3,"sku":"A","unit_price":{"amount":"2.50","currency":"EUR"}}}',
        )

    def test_a_dataclass_class_is_no_instance(self):
        self.assertEqual(lambda_kit.dumps({"type": Line}), lambda_kit.dumps({"type": str(Line)}))

    def test_round_trips(self):
        self.assertEqual(lambda_kit.loads(lambda_kit.dumps({"ü": [1, None]})), {"ü": [1, None]})


class ParseBodyTest(unittest.TestCase):
    def test_direct_invocation_is_the_body(self):
        self.assertEqual(lambda_kit.parse_body({"customer": "c"}), {"customer": "c"})

    def test_json_text_body(self):
        self.assertEqual(lambda_kit.parse_body({"body": '{"a": 1}'}), {"a": 1})

    def test_base64_body(self):
        encoded = base64.b64encode(b'{"a": 2}').decode()
        self.assertEqual(lambda_kit.parse_body({"body": encoded, "isBase64Encoded": True}), {"a": 2})

    def test_rejects_missing_non_json_and_non_object_bodies(self):
        for event, message in [
            ({"body": None}, "no body"),
            ({"body": "not json"}, "not JSON"),
            ({"body": "[1, 2]"}, "JSON object"),
            # An HTTP API (payload 2.0) request without a body has no "body" key at all.
            ({"version": "2.0", "routeKey": "POST /orders", "requestContext": {"http": {"method": "POST"}}}, "no body"),
        ]:
            with self.subTest(event=event):
                with self.assertRaisesRegex(lambda_kit.BadRequest, message):
                    lambda_kit.parse_body(event)


class ResponseAndLogTest(unittest.TestCase):
    def test_response_is_a_json_proxy_response(self):
        result = lambda_kit.response(201, {"id": "x"}, headers={"location": "/x"})
        self.assertEqual(result["statusCode"], 201)
        self.assertEqual(result["headers"], {"content-type": "application/json", "location": "/x"})
        self.assertEqual(lambda_kit.loads(result["body"]), {"id": "x"})

    def test_log_writes_one_json_line(self):
        out = io.StringIO()
        with redirect_stdout(out):
            lambda_kit.log("hello", count=2)
        line = out.getvalue()
        self.assertTrue(line.endswith("\n"))
        self.assertEqual(lambda_kit.loads(line), {"level": "INFO", "message": "hello", "count": 2})

    def test_layer_fingerprints_reads_the_deployment_variables(self):
        environ = {"LAYER_FINGERPRINT_COMMON": "abc", "LAYER_FINGERPRINT_MY_LAYER": "def", "OTHER": "x"}
        self.assertEqual(lambda_kit.layer_fingerprints(environ), {"common": "abc", "my-layer": "def"})


if __name__ == "__main__":
    unittest.main()
