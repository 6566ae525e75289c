"""Tests of the local runner (tools/lambda_local.py): which folders a function runs with, and its event file."""

import contextlib
import importlib
import io
import json
import os
import re
import sys
import tempfile
import unittest

import lambda_local


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


class IsolatedTest(unittest.TestCase):
    """Each test gets a temporary folder, and sys.path, sys.modules and os.environ as they were."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="lambda-local-")
        saved_path, saved_modules, saved_environ = list(sys.path), set(sys.modules), dict(os.environ)

        def restore():
            sys.path[:] = saved_path
            for name in set(sys.modules) - saved_modules:
                del sys.modules[name]
            os.environ.clear()
            os.environ.update(saved_environ)

        self.addCleanup(restore)


class ThirdPartyPackagesTest(IsolatedTest):
    """A layer that is not built: its third-party package is this Python's own where it has one, else its stand-in."""

    def setUp(self):
        super().setUp()
        # A module name of this test's own, so no other test's import of it is cached.
        self.package = "fakejson_%s" % os.path.basename(self.dir).replace("-", "_")
        layer = os.path.join(self.dir, "layers", "common")
        write(os.path.join(layer, "python", "kit.py"), "")
        write(os.path.join(layer, "requirements.txt"),
              "# pinned\n%s==2.0.0 \\\n    --hash=sha256:00\nother[extra] == 1.0 ; python_version >= '3'\n"
              % self.package.replace("_", "-"))
        self.standins = os.path.join(layer, "tests", "standins")
        write(os.path.join(self.standins, self.package + ".py"), 'WHICH = "stand-in"\n')
        # This Python's own packages: a folder after everything activate puts first, as site-packages is.
        self.site = os.path.join(self.dir, "site-packages")
        write(os.path.join(self.site, self.package, "__init__.py"), 'WHICH = "real"\n')
        write(os.path.join(self.site, "%s-1.2.3.dist-info" % self.package, "METADATA"),
              "Metadata-Version: 2.1\nName: %s\nVersion: 1.2.3\n" % self.package)
        self.layer = {"name": "common", "sourcePython": os.path.join(layer, "python"), "standins": self.standins}
        importlib.invalidate_caches()

    def activate(self, **spec):
        notes = lambda_local.activate({"layers": [self.layer], **spec}, quiet=True)
        return importlib.import_module(self.package).WHICH, notes

    def test_the_real_package_of_this_python_wins_over_its_stand_in_and_the_note_says_so(self):
        sys.path.append(self.site)
        which, notes = self.activate()
        self.assertEqual(which, "real")
        self.assertEqual(notes, [
            "layer common: using its source, it is not built (npm run build:layers); %s: the real package, 1.2.3, "
            "from %s (the layer pins 2.0.0)" % (self.package, self.site)])

    def test_the_stand_in_is_used_where_this_python_has_no_such_package(self):
        which, notes = self.activate()
        self.assertEqual(which, "stand-in")
        self.assertEqual(len(notes), 1)
        self.assertTrue(notes[0].endswith("; %s: its stand-in, %s (the layer pins 2.0.0)" % (
            self.package, os.path.join(self.standins, self.package + ".py"))), notes)

    def test_prefer_standins_uses_them_even_where_this_python_has_the_package(self):
        sys.path.append(self.site)
        which, notes = self.activate(preferStandins=True)
        self.assertEqual(which, "stand-in")
        self.assertIn("%s: its stand-in" % self.package, notes[0])

    def test_the_notes_are_written_to_stderr(self):
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr):
            notes = lambda_local.activate({"layers": [self.layer]})
        self.assertEqual(stderr.getvalue(), "".join("note: %s\n" % note for note in notes))

    def test_pinned_versions_reads_exact_pins_by_normalised_name(self):
        requirements = os.path.join(os.path.dirname(self.layer["sourcePython"]), "requirements.txt")
        self.assertEqual(lambda_local.pinned_versions(requirements),
                         # PEP 503's normalised name: a run of "-", "_" or "." is one "-" (the temporary folder's
                         # random part may start with "_").
                         {re.sub(r"[-_.]+", "-", self.package).lower(): "2.0.0", "other": "1.0"})
        self.assertEqual(lambda_local.pinned_versions(os.path.join(self.dir, "none.txt")), {})


class BuiltLayerTest(IsolatedTest):
    def layer(self, python_version, architectures, tags):
        built = os.path.join(self.dir, "build", "python")
        write(os.path.join(built, "kit.py"), "")
        return {
            "name": "common",
            "sourcePython": os.path.join(self.dir, "layers", "common", "python"),
            "builtPython": built,
            "manifest": {"pythonVersion": python_version, "architectures": architectures,
                         "packages": [{"name": "orjson", "version": "3.11.5", "tags": tags}]},
        }

    def test_a_layer_built_for_this_python_and_machine_is_used(self):
        version, machine = lambda_local.interpreter()
        layer = self.layer(version, [machine], ["cp311-cp311-manylinux_2_17_x86_64"])
        self.assertEqual(lambda_local.choose_layer_path(layer), (layer["builtPython"], None, None))
        self.assertEqual(lambda_local.layer_note(layer),
                         "layer common: its build, %s (orjson 3.11.5)" % layer["builtPython"])

    def test_a_pure_python_build_is_used_on_any_python(self):
        layer = self.layer("2.7", ["none"], ["py3-none-any"])
        self.assertEqual(lambda_local.choose_layer_path(layer)[0], layer["builtPython"])

    def test_a_layer_built_for_another_python_runs_from_its_source_and_the_note_says_why(self):
        version, machine = lambda_local.interpreter()
        layer = self.layer("2.7", [machine], ["cp27-cp27m-manylinux1_x86_64"])
        self.assertEqual(lambda_local.choose_layer_path(layer), (
            layer["sourcePython"], None, "its build targets Python 2.7 on %s, this is Python %s on %s"
            % (machine, version, machine)))


class EventFileTest(IsolatedTest):
    def main(self, event_file):
        """Runs the runner's main as `npm run invoke` does; its exit code, stdout and stderr."""
        os.environ[lambda_local.SPEC_VARIABLE] = json.dumps({"name": "f", "handler": "handler.handler", "layers": []})
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = lambda_local.main([event_file])
        return code, stdout.getvalue(), stderr.getvalue()

    def test_an_event_file_that_is_not_json_is_named_with_its_line_and_column_and_no_traceback(self):
        path = write(os.path.join(self.dir, "events", "bad.json"), '{\n  "customer": "c",\n  "lines": [1, 2,]\n}\n')
        code, stdout, stderr = self.main(path)
        self.assertEqual((code, stdout), (2, ""))
        self.assertEqual(stderr, (
            "\nthe event file %s is not valid JSON: line 3, column 18: Expecting value.\n"
            "Fix the file (it holds the event the handler gets, one JSON value such as {}), or give another one.\n\n"
            % path))

    def test_an_event_file_that_is_not_utf8_is_named_with_where(self):
        path = os.path.join(self.dir, "latin1.json")
        with open(path, "wb") as handle:
            handle.write(b'{\n "name": "caf\xe9"}\n')
        with self.assertRaisesRegex(lambda_local.EventFileError,
                                    r"^the event file .*latin1\.json is not UTF-8 text: line 2, column 14: invalid continuation byte\."):
            lambda_local.read_event(path)

    def test_an_event_file_that_cannot_be_read(self):
        code, _, stderr = self.main(os.path.join(self.dir, "missing.json"))
        self.assertEqual(code, 2)
        self.assertIn("missing.json cannot be read: No such file or directory.", stderr)

    def test_an_event_file_may_start_with_a_byte_order_mark(self):
        path = os.path.join(self.dir, "bom.json")
        with open(path, "wb") as handle:
            handle.write(b'\xef\xbb\xbf{"a": [1]}')
        self.assertEqual(lambda_local.read_event(path), {"a": [1]})


if __name__ == "__main__":
    unittest.main()
