"""Runs a Lambda function's handler on this machine, with its layers on sys.path as Lambda mounts them.

Lambda extracts a function's layers, in order, into /opt (a later layer's files win) and puts /opt/python on
sys.path after the function's own code in /var/task. Here each layer's python/ folder goes on sys.path instead,
the last layer first, after the function's folder.

A layer's build (build/layers/<layer>/python) is used when it can run on this interpreter: its packages are pure
Python, or it was built for this Python version and machine. Otherwise the layer's own source is used, and the
stand-ins of its third-party packages (layers/<layer>/tests/standins) are put on the path after this Python's own
packages: a package installed here is the real one, and wins over its stand-in. A note per layer says which folder
is used and, for each stand-in, which module `import` finds: the real package (its version, where it is, and the
version the layer pins) or the stand-in.

The spec of a function (its folder, handler, environment and layers) comes from the project's configuration,
through `npm run invoke` or `npm run test:python`, in the environment variable LAMBDA_LOCAL_SPEC.
"""

import argparse
import importlib
import importlib.machinery
import importlib.metadata
import json
import os
import platform
import re
import sys
import time
import uuid
from typing import Any, Callable, Dict, List, Optional, Tuple

SPEC_VARIABLE = "LAMBDA_LOCAL_SPEC"
MACHINES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}


def interpreter() -> Tuple[str, str]:
    """This interpreter's Python version (3.11) and architecture, as Lambda names it (x86_64 or arm64)."""
    version = "%d.%d" % sys.version_info[:2]
    return version, MACHINES.get(platform.machine().lower(), platform.machine().lower())


def _is_pure(tags: List[str]) -> bool:
    return all(tag.endswith("-none-any") for tag in tags)


def choose_layer_path(layer: Dict[str, Any]) -> Tuple[str, Optional[str], Optional[str]]:
    """The folder one layer puts on sys.path; when its source stands in for its build, its stand-ins and why."""
    name = layer["name"]
    built = layer.get("builtPython")
    manifest = layer.get("manifest")
    if built and manifest:
        version, machine = interpreter()
        tags = [tag for package in manifest.get("packages", []) for tag in package.get("tags", [])]
        if _is_pure(tags) or (manifest.get("pythonVersion") == version and machine in manifest.get("architectures", [])):
            return built, None, None
        reason = "its build targets Python %s on %s, this is Python %s on %s" % (
            manifest.get("pythonVersion"), "/".join(manifest.get("architectures", [])), version, machine)
    else:
        reason = "it is not built (npm run build:layers)"
    standins = layer.get("standins")
    return layer["sourcePython"], standins if standins and os.path.isdir(standins) else None, reason


def search_path(spec: Dict[str, Any]) -> Tuple[List[str], List[str]]:
    """The function's folder and its layers' folders, the last layer first, as sys.path takes them; and the stand-ins."""
    paths: List[str] = []
    standins: List[str] = []
    for layer in reversed(spec.get("layers", [])):
        path, layer_standins, _ = choose_layer_path(layer)
        paths.append(path)
        if layer_standins:
            standins.append(layer_standins)
    function_dir = spec.get("functionDir")
    return ([function_dir] if function_dir else []) + paths, standins


def activate(spec: Dict[str, Any], quiet: bool = False) -> List[str]:
    """Puts the spec's folders first on sys.path and its environment into os.environ; returns the notes.

    Stand-ins go after this Python's own packages, so a third-party package installed here is imported instead of
    its stand-in; with ``preferStandins`` in the spec (``npm run test:python -- --standins``) they go before them, as
    on a machine without them. A built layer that is used always comes first, with its own packages.
    """
    paths, standins = search_path(spec)
    if spec.get("preferStandins"):
        paths, standins = paths + standins, []
    sys.path[:0] = [p for p in paths if p not in sys.path]
    sys.path.extend(p for p in standins if p not in sys.path)
    os.environ.update(spec.get("environment", {}))
    notes = [note for note in (layer_note(layer) for layer in spec.get("layers", [])) if note]
    if not quiet:
        for note in notes:
            sys.stderr.write("note: %s\n" % note)
    return notes


def layer_note(layer: Dict[str, Any]) -> Optional[str]:
    """Which folder of a layer is used, and where each of its third-party packages comes from (after activate)."""
    path, standins, reason = choose_layer_path(layer)
    if reason is None:
        packages = ", ".join("%s %s" % (p["name"], p["version"]) for p in (layer.get("manifest") or {}).get("packages", []))
        return "layer %s: its build, %s%s" % (layer["name"], _shown(path), " (%s)" % packages if packages else "")
    note = "layer %s: using its source, %s" % (layer["name"], reason)
    if standins:
        pins = pinned_versions(os.path.join(os.path.dirname(layer["sourcePython"]), "requirements.txt"))
        note += "".join("; " + package_source(module, standins, pins) for module in standin_modules(standins))
    return note


def standin_modules(standins: str) -> List[str]:
    """The top-level modules a stand-ins folder provides: its *.py files and packages."""
    names = []
    for entry in sorted(os.listdir(standins)):
        full = os.path.join(standins, entry)
        if entry.endswith(".py") and not entry.startswith("_"):
            names.append(entry[:-3])
        elif os.path.isfile(os.path.join(full, "__init__.py")):
            names.append(entry)
    return names


def package_source(module: str, standins: str, pins: Dict[str, str]) -> str:
    """Where `import <module>` finds it on sys.path now: the stand-in, or a real package and its version."""
    loaded = sys.modules.get(module)
    origin = getattr(loaded, "__file__", None) if loaded else None
    if origin is None:
        found = importlib.machinery.PathFinder.find_spec(module, sys.path)
        origin = found.origin if found else None
    pin = pins.get(_normalized(module))
    pinned = " (the layer pins %s)" % pin if pin else ""
    if origin is None:
        return "%s: not found%s" % (module, pinned)
    origin = os.path.abspath(origin)
    if origin.startswith(os.path.abspath(standins) + os.sep):
        return "%s: its stand-in, %s%s" % (module, _shown(origin), pinned)
    entry = max((os.path.abspath(p) for p in sys.path if p and origin.startswith(os.path.abspath(p) + os.sep)),
                key=len, default=os.path.dirname(origin))
    version = next((d.version for d in importlib.metadata.distributions(name=module, path=[entry])), "of unknown version")
    return "%s: the real package, %s, from %s%s" % (module, version, _shown(entry), pinned)


def pinned_versions(requirements: str) -> Dict[str, str]:
    """{normalized name: version} of the `name==version` lines of a requirements file (none if it does not exist)."""
    if not os.path.isfile(requirements):
        return {}
    pins = {}
    with open(requirements, encoding="utf-8") as handle:
        for line in handle:
            match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*==\s*([^\s;\\#]+)", line)
            if match:
                pins[_normalized(match.group(1))] = match.group(2)
    return pins


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _shown(path: str) -> str:
    """A path relative to the working directory when it is inside it."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def load_spec(text: Optional[str] = None) -> Dict[str, Any]:
    text = os.environ.get(SPEC_VARIABLE) if text is None else text
    if not text:
        raise SystemExit(
            "%s is not set: run the Python tests with `npm run test:python` and functions with `npm run invoke`, "
            "which read the project's configuration and set it." % SPEC_VARIABLE)
    return json.loads(text)


def load_handler(spec: Optional[Dict[str, Any]] = None) -> Callable[[Any, Any], Any]:
    """The function's handler, imported with its layers active."""
    spec = load_spec() if spec is None else spec
    activate(spec)
    module_name, _, function_name = spec["handler"].rpartition(".")
    sys.modules.pop(module_name, None)
    module = importlib.import_module(module_name)
    return getattr(module, function_name)


class LocalContext:
    """The parts of Lambda's context object that handlers use."""

    def __init__(self, function_name: str, memory_mb: int = 128, timeout_seconds: int = 3):
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = "arn:aws:lambda:local:000000000000:function:%s" % function_name
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = "/aws/lambda/%s" % function_name
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def context_for(spec: Dict[str, Any]) -> LocalContext:
    return LocalContext(spec.get("name", "local"), spec.get("memorySize", 128), spec.get("timeoutSeconds", 3))


class EventFileError(Exception):
    """An event file that cannot be read as JSON: the message names the file, where, and the fix."""


def read_event(path: str) -> Any:
    """The event in a JSON file; EventFileError says what is wrong with it, where, and how to fix it."""
    fix = "Fix the file (it holds the event the handler gets, one JSON value such as {}), or give another one."
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        raise EventFileError("the event file %s is not UTF-8 text: line %d, column %d: %s.\n%s"
                             % (path, line, column, error.reason, fix)) from None
    except json.JSONDecodeError as error:
        raise EventFileError("the event file %s is not valid JSON: line %d, column %d: %s.\n%s"
                             % (path, error.lineno, error.colno, error.msg, fix)) from None
    except OSError as error:
        raise EventFileError("the event file %s cannot be read: %s." % (path, error.strerror or error)) from None


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Invoke a function's handler locally with its layers.")
    parser.add_argument("event", nargs="?", help="a JSON file with the event (default: {})")
    args = parser.parse_args(argv)
    spec = load_spec()
    try:
        event: Any = read_event(args.event) if args.event else {}
    except EventFileError as error:
        sys.stderr.write("\n%s\n\n" % error)
        return 2
    os.environ.setdefault("AWS_LAMBDA_FUNCTION_NAME", spec.get("name", "local"))
    handler = load_handler(spec)
    result = handler(event, context_for(spec))
    sys.stdout.write(json.dumps(result, indent=2, sort_keys=True, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
