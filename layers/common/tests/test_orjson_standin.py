"""The orjson stand-in (tests/standins/orjson.py) writes what the real orjson writes, or refuses loudly.

The stand-in is loaded from its file, whichever orjson the other tests import. Each case holds what the real orjson
does (measured with orjson 3.8.3); where the real orjson can be imported (a built layer's, or this Python's own), every
case is run through it too, so the cases themselves are checked against it.
"""

import dataclasses
import datetime
import enum
import importlib.machinery
import importlib.util
import json
import os
import sys
import unittest
import uuid
from decimal import Decimal

STANDINS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "standins")


def is_standin(module):
    return os.path.abspath(module.__file__).startswith(STANDINS + os.sep)


def load_standin():
    spec = importlib.util.spec_from_file_location("orjson_standin", os.path.join(STANDINS, "orjson.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def real_orjson():
    """The orjson a test of lambda_kit imports when it is not the stand-in, else any other on sys.path, else None."""
    loaded = sys.modules.get("orjson")
    if loaded is not None and not is_standin(loaded):
        return loaded
    found = importlib.machinery.PathFinder.find_spec("orjson", [p for p in sys.path if os.path.abspath(p) != STANDINS])
    if found is None:
        return None
    # Imported beside the stand-in (npm run test:python -- --standins), which keeps the name orjson.
    saved = {name: module for name, module in sys.modules.items() if name.split(".")[0] == "orjson"}
    try:
        for name in saved:
            del sys.modules[name]
        module = sys.modules["orjson"] = importlib.util.module_from_spec(found)
        found.loader.exec_module(module)
        return module
    finally:
        for name in [name for name in sys.modules if name.split(".")[0] == "orjson"]:
            del sys.modules[name]
        sys.modules.update(saved)


standin = load_standin()
real = real_orjson()
NO_REAL = "no real orjson can be imported here: the stand-in is checked against the cases alone"


class Colour(enum.Enum):
    RED = "red"


@dataclasses.dataclass
class Line:
    sku: str
    amount: Decimal


def default(value):
    if isinstance(value, Decimal):
        return str(value)
    if dataclasses.is_dataclass(value):
        return {"line": value.sku, "amount": value.amount}
    raise TypeError(type(value).__name__)


# (value, options, what orjson writes): the stand-in writes the same.
SAME = [
    ({"b": 1, "a": [1, 2.5, None, True, False]}, 0, b'{"b":1,"a":[1,2.5,null,true,false]}'),
    ({"b": {"d": 1, "c": ()}, "a": []}, "OPT_SORT_KEYS", b'{"a":[],"b":{"c":[],"d":1}}'),
    ({"b": {"d": 1, "c": [1]}, "a": {}}, "OPT_INDENT_2|OPT_SORT_KEYS",
     b'{\n  "a": {},\n  "b": {\n    "c": [\n      1\n    ],\n    "d": 1\n  }\n}'),
    ({"text": "é \u2028 \x01 \n \" \\ 😀"}, 0, '{"text":"é \u2028 \\u0001 \\n \\" \\\\ 😀"}'.encode()),
    ([0.1, 1.0, -0.0, 100.0, 1e15, float("nan"), float("inf"), -float("inf")], 0,
     b"[0.1,1.0,-0.0,100.0,1000000000000000.0,null,null,null]"),
    ([-(1 << 63), (1 << 64) - 1, True], 0, b"[-9223372036854775808,18446744073709551615,true]"),
    ([Colour.RED, uuid.UUID(int=5), ("a", 1)], 0, b'["red","00000000-0000-0000-0000-000000000005",["a",1]]'),
    ({"price": Decimal("2.50"), "lines": [Line("A", Decimal("1.5"))]}, "OPT_PASSTHROUGH_DATACLASS|OPT_SORT_KEYS",
     b'{"lines":[{"amount":"1.5","line":"A"}],"price":"2.50"}'),
]

# (value, options) both refuse with orjson.JSONEncodeError (a TypeError).
REFUSED = [
    ({1: "a"}, 0),
    (1 << 64, 0),
    (-(1 << 63) - 1, 0),
    (Decimal("1"), 0),
    ("\ud800", 0),
]

# (text, what orjson reads): the stand-in reads the same. Or both refuse with orjson.JSONDecodeError.
READ = [
    ('{"a": [1, 2.5, "x", null]}', {"a": [1, 2.5, "x", None]}),
    (b'{"a": 1}', {"a": 1}),
    (bytearray(b"[]"), []),
    (memoryview(b'"\xc3\xa9"'), "é"),
    (str(1 << 70), float(1 << 70)),  # beyond 64 bits, a float
]
UNREADABLE = ["{", "NaN", "[Infinity]", '{"a": 1,}', b"\xff", "\ud800", 1, None]


def options(module, names):
    value = 0
    for name in filter(None, str(names or "").split("|")):
        value |= getattr(module, name)
    return value


def dumps(module, value, names, use_default=True):
    return module.dumps(value, default=default if use_default else None, option=options(module, names))


class StandinMatchesOrjsonTest(unittest.TestCase):
    def test_writes_what_orjson_writes(self):
        for value, names, expected in SAME:
            with self.subTest(value=value, options=names):
                self.assertEqual(dumps(standin, value, names), expected)
                if real is not None:
                    self.assertEqual(dumps(real, value, names), expected)

    def test_refuses_what_orjson_refuses(self):
        for value, names in REFUSED:
            modules = [standin] + ([real] if real is not None else [])
            for module in modules:
                with self.subTest(value=value, module=module.__name__):
                    with self.assertRaises(module.JSONEncodeError):
                        dumps(module, value, names, use_default=False)
        self.assertTrue(issubclass(standin.JSONEncodeError, TypeError))

    def test_a_default_that_raises_is_a_json_encode_error(self):
        def failing(value):
            raise ValueError("no")

        for module in [standin] + ([real] if real is not None else []):
            with self.subTest(module=module.__name__):
                with self.assertRaises(module.JSONEncodeError):
                    module.dumps(Decimal(1), default=failing)

    def test_reads_what_orjson_reads(self):
        for text, expected in READ:
            for module in [standin] + ([real] if real is not None else []):
                with self.subTest(text=text, module=module.__name__):
                    read = module.loads(text)
                    self.assertEqual(read, expected)
                    self.assertIs(type(read), type(expected))

    def test_refuses_to_read_what_orjson_refuses(self):
        for text in UNREADABLE:
            for module in [standin] + ([real] if real is not None else []):
                with self.subTest(text=text, module=module.__name__):
                    with self.assertRaises(module.JSONDecodeError):
                        module.loads(text)
        self.assertTrue(issubclass(standin.JSONDecodeError, json.JSONDecodeError))

    def test_its_options_have_orjsons_values(self):
        if real is None:
            self.skipTest(NO_REAL)
        for name in ["OPT_INDENT_2", "OPT_SORT_KEYS", "OPT_PASSTHROUGH_DATACLASS"]:
            self.assertEqual(getattr(standin, name), getattr(real, name), name)


class StandinRefusesWhatItDoesNotEmulateTest(unittest.TestCase):
    def assertLimit(self, pattern, call):
        with self.assertRaisesRegex(standin.StandinLimit, pattern):
            call()

    def test_a_dataclass_without_passthrough(self):
        # The real orjson writes it field by field and never calls default; the stand-in does not pretend to.
        line = Line("A", Decimal("1.5"))
        self.assertLimit("dataclasses.*OPT_PASSTHROUGH_DATACLASS.*Line", lambda: standin.dumps(line, default=default))
        if real is not None:
            self.assertEqual(real.dumps(line, default=str), b'{"sku":"A","amount":"1.5"}')

    def test_an_option_it_does_not_implement(self):
        self.assertLimit("OPT_NON_STR_KEYS, OPT_UTC_Z", lambda: standin.dumps({}, option=4 | 128))

    def test_dates_and_times(self):
        for value in [datetime.datetime(2026, 1, 2, 3, 4, 5), datetime.date(2026, 1, 2), datetime.time(1, 2)]:
            with self.subTest(value=value):
                self.assertLimit(type(value).__name__, lambda: standin.dumps(value, default=str))

    def test_floats_written_with_an_exponent(self):
        for value in [1e16, 1e-7, 0.00001]:
            with self.subTest(value=value):
                self.assertLimit("exponent", lambda: standin.dumps([value]))

    def test_its_refusal_is_neither_a_type_error_nor_a_value_error(self):
        # Code that handles orjson's own errors (TypeError, ValueError) must not swallow it.
        self.assertFalse(issubclass(standin.StandinLimit, (TypeError, ValueError)))
        self.assertTrue(issubclass(standin.StandinLimit, NotImplementedError))


if __name__ == "__main__":
    unittest.main()
