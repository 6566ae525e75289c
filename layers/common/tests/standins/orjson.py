"""A stand-in for orjson, for tests that run where the real package cannot be imported.

PyPI cannot be reached where the tests run, so the real package is there only after `npm run build:layers` (the built
layer comes first on sys.path) or where this Python has it installed (`tools/lambda_local.py` puts the stand-ins
after this Python's own packages, so an installed orjson wins). It is never packaged into a layer.

It writes what the real orjson writes for the part of orjson's API that lambda_kit uses, on top of the standard json
module, and refuses, with StandinLimit, whatever it would write differently: the options it does not implement, and
the values the real orjson writes itself in its own way (dataclasses without OPT_PASSTHROUGH_DATACLASS, dates and
times, floats written with an exponent). A test that meets StandinLimit needs the real orjson, or a stand-in that
does more. Error messages are Python's, not orjson's; the error types are orjson's.
"""

import dataclasses
import datetime
import enum
import json
import math
import uuid

__version__ = "0+standin"

OPT_INDENT_2 = 1
OPT_SORT_KEYS = 1 << 5
OPT_PASSTHROUGH_DATACLASS = 1 << 11
_IMPLEMENTED = OPT_INDENT_2 | OPT_SORT_KEYS | OPT_PASSTHROUGH_DATACLASS
# The real orjson's other options (3.11), by value, to name them when refused.
_OTHER_OPTIONS = {
    2: "OPT_NAIVE_UTC", 4: "OPT_NON_STR_KEYS", 8: "OPT_OMIT_MICROSECONDS", 16: "OPT_SERIALIZE_NUMPY",
    64: "OPT_STRICT_INTEGER", 128: "OPT_UTC_Z", 256: "OPT_PASSTHROUGH_SUBCLASS", 512: "OPT_PASSTHROUGH_DATETIME",
    1024: "OPT_APPEND_NEWLINE",
}
_MAX_DEPTH = 254
_INTEGERS = (-(1 << 63), (1 << 64) - 1)

JSONEncodeError = TypeError  # as in orjson


class JSONDecodeError(json.JSONDecodeError):
    """As orjson's: a subclass of json.JSONDecodeError and so of ValueError."""


class StandinLimit(NotImplementedError):
    """The real orjson would do this differently, and the stand-in does not emulate it."""

    def __init__(self, what: str):
        super().__init__(
            "the orjson stand-in (layers/common/tests/standins/orjson.py) %s. Run the tests with the real orjson (a "
            "built layer, `npm run build:layers`, on a machine it was built for, or orjson installed in this Python), "
            "or teach the stand-in to do what orjson does." % what)


def dumps(obj, default=None, option=None):
    option = option or 0
    unknown = option & ~_IMPLEMENTED
    if unknown:
        names = [name for bit, name in sorted(_OTHER_OPTIONS.items()) if unknown & bit] or ["option %d" % unknown]
        raise StandinLimit("does not implement %s" % ", ".join(names))
    tree = _plain(obj, default, option, 0, 0)
    indent = option & OPT_INDENT_2
    text = json.dumps(
        tree,
        sort_keys=bool(option & OPT_SORT_KEYS),
        indent=2 if indent else None,
        separators=(",", ": ") if indent else (",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )
    return text.encode("utf-8")


def _plain(value, default, option, depth, defaults):
    """The value as the json module's types, or StandinLimit where orjson would write it its own way."""
    if depth > _MAX_DEPTH:
        raise JSONEncodeError("Recursion limit reached")
    if value is None or value is True or value is False:
        return value
    if isinstance(value, enum.Enum):
        return _plain(value.value, default, option, depth, defaults)
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise JSONEncodeError("str is not valid UTF-8: surrogates not allowed") from None
        return str(value)
    if isinstance(value, int):
        if not _INTEGERS[0] <= value <= _INTEGERS[1]:
            raise JSONEncodeError("Integer exceeds 64-bit range")
        return int(value)
    if type(value) is float:
        if not math.isfinite(value):
            return None  # orjson writes NaN and the infinities as null
        if "e" in repr(value):
            raise StandinLimit("does not write %r as orjson does (orjson writes exponents its own way)" % value)
        return value
    if isinstance(value, dict):
        plain = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise JSONEncodeError("Dict key must be str")
            plain[str(key)] = _plain(item, default, option, depth + 1, defaults)
        return plain
    if isinstance(value, list) or type(value) is tuple:
        return [_plain(item, default, option, depth + 1, defaults) for item in value]
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        raise StandinLimit("does not write %s values as orjson does (RFC 3339)" % type(value).__name__)
    if dataclasses.is_dataclass(value) and not isinstance(value, type) and not option & OPT_PASSTHROUGH_DATACLASS:
        raise StandinLimit(
            "does not write dataclasses as orjson does (every field by its own name, in the order of the class, "
            "unsorted, never calling default); pass OPT_PASSTHROUGH_DATACLASS to have default called for %s"
            % type(value).__name__)
    return _plain(_call_default(value, default, defaults), default, option, depth, defaults + 1)


def _call_default(value, default, defaults):
    name = "%s.%s" % (type(value).__module__, type(value).__qualname__)
    if default is None:
        raise JSONEncodeError("Type is not JSON serializable: %s" % name)
    if defaults >= _MAX_DEPTH:
        raise JSONEncodeError("default serializer exceeds recursion limit")
    try:
        return default(value)
    except Exception as error:
        raise JSONEncodeError("Type is not JSON serializable: %s" % name) from error


def loads(data):
    if isinstance(data, (bytes, bytearray, memoryview)):
        try:
            data = bytes(data).decode("utf-8")
        except UnicodeDecodeError as error:
            raise JSONDecodeError("str is not valid UTF-8: %s" % error.reason, "", error.start) from None
    elif isinstance(data, str):
        try:
            data.encode("utf-8")
        except UnicodeEncodeError as error:
            raise JSONDecodeError("str is not valid UTF-8: surrogates not allowed", data, error.start) from None
    else:
        raise JSONDecodeError("Input must be bytes, bytearray, memoryview, or str", "", 0)
    try:
        return json.loads(data, parse_constant=_no_constant, parse_int=_integer)
    except json.JSONDecodeError as error:
        raise JSONDecodeError(error.msg, error.doc, error.pos) from None
    except _Constant as constant:
        raise JSONDecodeError("%s is not JSON" % constant.name, data, data.find(constant.name)) from None


class _Constant(Exception):
    def __init__(self, name):
        super().__init__(name)
        self.name = name


def _no_constant(name):
    # orjson reads only JSON: NaN, Infinity and -Infinity are not.
    raise _Constant(name)


def _integer(text):
    # orjson reads an integer beyond 64 bits as a float.
    value = int(text)
    return value if _INTEGERS[0] <= value <= _INTEGERS[1] else float(text)
