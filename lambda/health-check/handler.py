"""Reports what the orders service runs with: Python, its layers' fingerprints and their packages."""

import os
import platform

import lambda_kit
import orjson


def handler(event, context):
    body = {
        "status": "ok",
        "environment": os.environ.get("APP_ENVIRONMENT", "unknown"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "layers": lambda_kit.layer_fingerprints(),
        "packages": {"orjson": getattr(orjson, "__version__", "unknown")},
    }
    lambda_kit.log("health checked", layers=body["layers"])
    return lambda_kit.response(200, body)
