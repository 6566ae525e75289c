"""The health-check handler, run with its layers (common, and any other cdk.json lists) on sys.path as Lambda mounts them."""

import io
import json
import os
import unittest
from contextlib import redirect_stdout

import lambda_local

SPEC = lambda_local.load_spec()
handler = lambda_local.load_handler(SPEC)

import orjson  # noqa: E402  (the handler's own: the built layer's, this Python's, or the stand-in, as the note says)


def built_layer_of(module):
    """The built layer (its spec) the module was imported from, or None."""
    origin = os.path.abspath(module.__file__)
    return next((layer for layer in SPEC["layers"]
                 if layer.get("builtPython") and origin.startswith(os.path.abspath(layer["builtPython"]) + os.sep)), None)


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
        # The version of the orjson the function imports, as the module reports it (the stand-in's is 0+standin).
        self.assertEqual(body["packages"], {"orjson": orjson.__version__})

    def test_runs_with_the_orjson_the_common_layer_pins_when_the_layer_is_built(self):
        layer = built_layer_of(orjson)
        if layer is None:
            self.skipTest("orjson is not a built layer's here but %s %s" % (orjson.__version__, orjson.__file__))
        pinned = lambda_local.pinned_versions(os.path.join(os.path.dirname(layer["sourcePython"]), "requirements.txt"))
        with redirect_stdout(io.StringIO()):
            body = json.loads(handler({}, lambda_local.context_for(SPEC))["body"])
        self.assertEqual(body["packages"], {"orjson": pinned["orjson"]})

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
