"""Helpers every function shares: structured JSON logs, JSON responses and request parsing.

A single top-level module that sits beside the third-party packages of this layer's requirements.txt
(orjson, which is compiled: the reason the layer is built on Amazon Linux for the functions' architecture).
"""

import base64
import dataclasses
import os
import sys
from typing import Any, Dict, Mapping, Optional

import orjson

_FINGERPRINT_PREFIX = "LAYER_FINGERPRINT_"


class BadRequest(Exception):
    """The caller sent something the function cannot use; becomes a 400 response."""


def dumps(value: Any) -> str:
    """JSON text with sorted keys, so logs and responses are stable.

    An object with a ``to_json()`` is written as what it returns, a dataclass too: orjson writes dataclasses itself
    (every field, by its Python name, in the order of the class, unsorted, never calling ``default``), so
    OPT_PASSTHROUGH_DATACLASS hands them to ``_default`` like any other object.
    """
    option = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS
    return orjson.dumps(value, option=option, default=_default).decode("utf-8")


def loads(text: Any) -> Any:
    return orjson.loads(text)


def _default(value: Any) -> Any:
    """What orjson cannot write itself: an object's to_json(), a dataclass's fields, else its text (a Decimal's)."""
    to_json = getattr(value, "to_json", None)
    if callable(to_json):
        return to_json()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # One level only: each field is written by these same rules, so a field's own to_json() is honoured.
        return {field.name: getattr(value, field.name) for field in dataclasses.fields(value)}
    return str(value)


def log(message: str, level: str = "INFO", **fields: Any) -> None:
    """Writes one JSON log line, as CloudWatch Logs Insights likes them."""
    record: Dict[str, Any] = {"level": level, "message": message}
    function = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
    if function:
        record["function"] = function
    record.update(fields)
    sys.stdout.write(dumps(record) + "\n")


def response(status: int, body: Any, headers: Optional[Mapping[str, str]] = None) -> Dict[str, Any]:
    """An API Gateway (proxy integration) or function URL response with a JSON body."""
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json", **(headers or {})},
        "body": dumps(body),
    }


def parse_body(event: Mapping[str, Any]) -> Dict[str, Any]:
    """The JSON object in a proxy event's body, or the event itself when invoked directly.

    An API Gateway event (REST or HTTP API, payload 1.0 or 2.0) carries a ``requestContext``; one without a body is
    a request without a body, never an order of its own.
    """
    if "body" not in event and "requestContext" not in event:
        return dict(event)
    body = event.get("body")
    if body is None or body == "":
        raise BadRequest("the request has no body")
    if isinstance(body, (dict, list)):
        value = body
    else:
        if event.get("isBase64Encoded"):
            try:
                body = base64.b64decode(body)
            except ValueError as error:
                raise BadRequest(f"the body is not valid base64: {error}") from error
        try:
            value = loads(body)
        except ValueError as error:
            raise BadRequest(f"the body is not JSON: {error}") from error
    if not isinstance(value, dict):
        raise BadRequest("the body must be a JSON object")
    return value


def layer_fingerprints(environ: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """The fingerprint of every layer the function runs with, as the deployment set them: {layer: fingerprint}."""
    environ = os.environ if environ is None else environ
    return {
        key[len(_FINGERPRINT_PREFIX):].lower().replace("_", "-"): value
        for key, value in sorted(environ.items())
        if key.startswith(_FINGERPRINT_PREFIX)
    }
