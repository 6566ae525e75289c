"""The health-check handler, run with its layers (common, and any other cdk.json lists) on sys.path as Lambda mounts them."""

import io
import json
import unittest
from contextlib import redirect_stdout

import lambda_local

SPEC = lambda_local.load_spec()
handler = lambda_local.load_handler(SPEC)


class HealthCheckTest(unittest.TestCase):
    def test_reports_its_layers_and_packages(self):
        with redirect_stdout(io.StringIO()):
            result = handler({}, lambda_local.context_for(SPEC))
        self.assertEqual(result["statusCode"], 200)
        body = json.loads(result["body"])
        self.assertEqual(body["status"], "ok")
        self.assertEqual(body["environment"], "local")
        # Every layer the function is configured with, by its fingerprint: however many layers cdk.json lists.
        prefix = "LAYER_FINGERPRINT_"
        expected = {k[len(prefix):].lower().replace("_", "-"): v for k, v in SPEC["environment"].items() if k.startswith(prefix)}
        self.assertEqual(body["layers"], expected)
        self.assertIn("common", body["layers"])
        self.assertIn("orjson", body["packages"])

    def test_answers_get_health_through_the_http_api(self):
        # GET /health as API Gateway's HTTP API sends it (payload format 2.0): no body.
        event = {
            "version": "2.0",
            "routeKey": "GET /health",
            "rawPath": "/health",
            "headers": {},
            "requestContext": {"http": {"method": "GET", "path": "/health"}, "stage": "$default"},
            "isBase64Encoded": False,
        }
        with redirect_stdout(io.StringIO()):
            result = handler(event, lambda_local.context_for(SPEC))
        self.assertEqual(result["statusCode"], 200)
        self.assertEqual(json.loads(result["body"])["status"], "ok")


if __name__ == "__main__":
    unittest.main()
