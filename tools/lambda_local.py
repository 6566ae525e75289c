"""Runs a Lambda function's handler on this machine, with its layers on sys.path as Lambda mounts them.

Lambda extracts a function's layers, in order, into /opt (a later layer's files win) and puts /opt/python on
sys.path after the function's own code in /var/task. Here each layer's python/ folder goes on sys.path instead,
the last layer first, after the function's folder.

A layer's build (build/layers/<layer>/python) is used when it can run on this interpreter: its packages are pure
Python, or it was built for this Python version and machine. Otherwise the layer's own source is used, and the
stand-ins of its third-party packages (layers/<layer>/tests/standins) are put last on the path, with a note.

The spec of a function (its folder, handler, environment and layers) comes from the project's configuration,
through `npm run invoke` or `npm run test:python`, in the environment variable LAMBDA_LOCAL_SPEC.
"""

import argparse
import importlib
import json
import os
import platform
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


def choose_layer_path(layer: Dict[str, Any]) -> Tuple[List[str], Optional[str]]:
    """The folders one layer puts on sys.path, and a note when its source stands in for its build."""
    name = layer["name"]
    built = layer.get("builtPython")
    manifest = layer.get("manifest")
    if built and manifest:
        version, machine = interpreter()
        tags = [tag for package in manifest.get("packages", []) for tag in package.get("tags", [])]
        if _is_pure(tags) or (manifest.get("pythonVersion") == version and machine in manifest.get("architectures", [])):
            return [built], None
        reason = "its build targets Python %s on %s, this is Python %s on %s" % (
            manifest.get("pythonVersion"), "/".join(manifest.get("architectures", [])), version, machine)
    else:
        reason = "it is not built (npm run build:layers)"
    paths = [layer["sourcePython"]]
    standins = layer.get("standins")
    note = "layer %s: using its source, %s" % (name, reason)
    if standins and os.path.isdir(standins):
        paths.append(standins)
        note += "; its third-party packages are stand-ins from %s" % os.path.relpath(standins)
    return paths, note


def search_path(spec: Dict[str, Any]) -> Tuple[List[str], List[str]]:
    """sys.path entries for a function (its folder, then its layers, the last first, then stand-ins), and notes."""
    paths: List[str] = []
    standins: List[str] = []
    notes: List[str] = []
    for layer in reversed(spec.get("layers", [])):
        chosen, note = choose_layer_path(layer)
        paths.append(chosen[0])
        standins.extend(chosen[1:])
        if note:
            notes.append(note)
    function_dir = spec.get("functionDir")
    return ([function_dir] if function_dir else []) + paths + standins, notes


def activate(spec: Dict[str, Any], quiet: bool = False) -> List[str]:
    """Puts the spec's folders first on sys.path and its environment into os.environ; returns the notes."""
    paths, notes = search_path(spec)
    sys.path[:0] = [p for p in paths if p not in sys.path]
    os.environ.update(spec.get("environment", {}))
    if not quiet:
        for note in notes:
            sys.stderr.write("note: %s\n" % note)
    return notes


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


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Invoke a function's handler locally with its layers.")
    parser.add_argument("event", nargs="?", help="a JSON file with the event (default: {})")
    args = parser.parse_args(argv)
    spec = load_spec()
    event: Any = {}
    if args.event:
        with open(args.event, encoding="utf-8") as handle:
            event = json.load(handle)
    os.environ.setdefault("AWS_LAMBDA_FUNCTION_NAME", spec.get("name", "local"))
    handler = load_handler(spec)
    result = handler(event, context_for(spec))
    sys.stdout.write(json.dumps(result, indent=2, sort_keys=True, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
