"""A minimal stand-in for orjson, for tests that run while the common layer is not built.

PyPI cannot be reached where the tests run, so the real package is only there after `npm run build:layers`
(the built layer comes first on sys.path and wins). This stand-in implements the part of orjson's API that
lambda_kit uses, on top of the standard json module; it is never packaged into a layer.
"""

import json

__version__ = "0+standin"

OPT_SORT_KEYS = 1 << 5
OPT_INDENT_2 = 1


class JSONDecodeError(ValueError):
    pass


def dumps(obj, default=None, option=0):
    text = json.dumps(
        obj,
        default=default,
        sort_keys=bool(option & OPT_SORT_KEYS),
        indent=2 if option & OPT_INDENT_2 else None,
        separators=None if option & OPT_INDENT_2 else (",", ":"),
        ensure_ascii=False,
    )
    return text.encode("utf-8")


def loads(data):
    if isinstance(data, (bytes, bytearray, memoryview)):
        data = bytes(data).decode("utf-8")
    try:
        return json.loads(data)
    except json.JSONDecodeError as error:
        raise JSONDecodeError(str(error)) from error
