"""The health-check handler, run with the common layer on sys.path as Lambda mounts it."""

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
        self.assertEqual(body["layers"], {"common": SPEC["environment"]["LAYER_FINGERPRINT_COMMON"]})
        self.assertIn("orjson", body["packages"])


if __name__ == "__main__":
    unittest.main()
