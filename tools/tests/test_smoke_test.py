"""Tests of the pipeline's smoke test against a recorded AWS CLI: what it calls, and what it reports."""

import json
import os
import tempfile
import unittest
import unittest.mock

import smoke_test
from smoke_test import AwsError

LAYER_COMMON_V3 = "arn:aws:lambda:eu-west-1:222222222222:layer:orders-dev-common:3"
LAYER_DOMAIN_V7 = "arn:aws:lambda:eu-west-1:222222222222:layer:orders-dev-domain:7"

SPEC = {
    "environment": "dev",
    "alias": "live",
    "targets": [
        {
            "stack": "orders",
            "stackName": "Dev-Functions-Orders",
            "account": "222222222222",
            "region": "eu-west-1",
            "roleName": "orders-dev-orders-smoke",
            "functions": [
                {
                    "name": "price-order",
                    "output": "PriceOrderFunctionName",
                    "layers": [
                        {"name": "common", "parameter": "/orders/dev/layers/common/arn", "layerName": "orders-dev-common",
                         "fingerprintVariable": "LAYER_FINGERPRINT_COMMON"},
                        {"name": "domain", "parameter": "/orders/dev/layers/domain/arn", "layerName": "orders-dev-domain",
                         "fingerprintVariable": "LAYER_FINGERPRINT_DOMAIN"},
                    ],
                }
            ],
        }
    ],
}



class FakeAws:
    """Answers AWS CLI calls like an account where everything is in order; a test changes what it needs."""

    def __init__(self):
        self.calls = []
        self.parameters = {"/orders/dev/layers/common/arn": LAYER_COMMON_V3, "/orders/dev/layers/domain/arn": LAYER_DOMAIN_V7}
        self.attached = [LAYER_COMMON_V3, LAYER_DOMAIN_V7]
        self.invoke_response = {"StatusCode": 200, "ExecutedVersion": "4"}
        self.invoke_body = '{"price": 42}'
        self.fail = {}
        self.outputs = [{"OutputKey": "PriceOrderFunctionName", "OutputValue": "Dev-Orders-PriceOrder-ABC123"}]
        self.descriptions = {
            LAYER_COMMON_V3: "Shared helpers [fingerprint c0ffee]",
            LAYER_DOMAIN_V7: "The order domain [fingerprint d0d0]",
        }

    def __call__(self, args, credentials=None, region=None, once=False):
        command = " ".join(args[:2])
        self.calls.append({"command": command, "args": args, "credentials": credentials, "region": region, "once": once})
        if command in self.fail:
            raise AwsError(self.fail[command])
        if command == "sts get-caller-identity":
            return {"Arn": "arn:aws:sts::111111111111:assumed-role/pipeline-smoke/build"}
        if command == "sts assume-role":
            return {"Credentials": {"AccessKeyId": "AKIA", "SecretAccessKey": "secret", "SessionToken": "token"}}
        if command == "cloudformation describe-stacks":
            return {"Stacks": [{"StackName": args[args.index("--stack-name") + 1], "Outputs": self.outputs}]}
        if command == "lambda invoke":
            with open(args[-1], "w", encoding="utf-8") as out:
                out.write(self.invoke_body)
            return self.invoke_response
        if command == "lambda get-function-configuration":
            return {
                "Layers": [{"Arn": arn} for arn in self.attached],
                "Environment": {"Variables": {"LAYER_FINGERPRINT_COMMON": "c0ffee", "LAYER_FINGERPRINT_DOMAIN": "d0d0"}},
            }
        if command == "lambda get-layer-version-by-arn":
            return {"Description": self.descriptions[args[args.index("--arn") + 1]]}
        if command == "ssm get-parameter":
            return {"Parameter": {"Value": self.parameters[args[args.index("--name") + 1]]}}
        raise AssertionError(f"unexpected call: aws {' '.join(args)}")

    def commands(self):
        return [call["command"] for call in self.calls]


def run(aws, root="."):
    return smoke_test.smoke_test(SPEC, aws=aws, root=root)


class SmokeTestTest(unittest.TestCase):
    def test_passes_when_the_function_answers_with_the_layers_ssm_names_of_its_own_built_layers(self):
        aws = FakeAws()
        self.assertEqual(run(aws), [])
        self.assertEqual(
            aws.commands(),
            [
                "sts get-caller-identity",
                "sts assume-role",
                "cloudformation describe-stacks",
                "lambda invoke",
                "lambda get-function-configuration",
                "ssm get-parameter",
                "lambda get-layer-version-by-arn",
                "ssm get-parameter",
                "lambda get-layer-version-by-arn",
            ],
        )

    def test_assumes_the_stacks_role_in_its_account_and_works_with_those_credentials_in_its_region(self):
        aws = FakeAws()
        run(aws)
        assume = aws.calls[1]["args"]
        self.assertEqual(assume[assume.index("--role-arn") + 1], "arn:aws:iam::222222222222:role/orders-dev-orders-smoke")
        for call in aws.calls[2:]:
            self.assertEqual(call["region"], "eu-west-1")
            self.assertEqual(call["credentials"]["SessionToken"], "token")

    def test_reads_the_function_names_from_the_stacks_outputs(self):
        aws = FakeAws()
        run(aws)
        describe = aws.calls[2]["args"]
        self.assertEqual(describe[describe.index("--stack-name") + 1], "Dev-Functions-Orders")

    def test_invokes_once_and_waits_as_long_as_the_function_runs(self):
        aws = FakeAws()
        run(aws)
        invoke = next(call for call in aws.calls if call["command"] == "lambda invoke")
        self.assertTrue(invoke["once"])
        others = [call for call in aws.calls if call["command"] != "lambda invoke"]
        self.assertFalse(any(call["once"] for call in others))

    def test_invokes_the_live_alias_with_the_functions_default_event(self):
        aws = FakeAws()
        root = self.enterContext(tempfile.TemporaryDirectory())
        events = os.path.join(root, "lambda", "price-order", "events")
        os.makedirs(events)
        with open(os.path.join(events, "default.json"), "w", encoding="utf-8") as out:
            json.dump({"items": []}, out)
        run(aws, root=root)
        invoke = aws.calls[3]["args"]
        self.assertEqual(invoke[invoke.index("--function-name") + 1], "Dev-Orders-PriceOrder-ABC123")
        self.assertEqual(invoke[invoke.index("--qualifier") + 1], "live")
        self.assertEqual(invoke[invoke.index("--payload") + 1], f"fileb://{os.path.join(events, 'default.json')}")

    def test_invokes_a_function_without_events_with_an_empty_event(self):
        payloads = []

        class RecordingAws(FakeAws):
            def __call__(self, args, **options):
                if args[:2] == ["lambda", "invoke"]:
                    with open(args[args.index("--payload") + 1][len("fileb://"):], encoding="utf-8") as event:
                        payloads.append(event.read())
                return super().__call__(args, **options)

        root = self.enterContext(tempfile.TemporaryDirectory())
        self.assertIsNone(smoke_test.event_file(root, "price-order"))
        self.assertEqual(run(RecordingAws(), root=root), [])
        self.assertEqual(payloads, ["{}"])

    def test_prefers_a_smoke_event_to_the_default_one(self):
        root = self.enterContext(tempfile.TemporaryDirectory())
        events = os.path.join(root, "lambda", "price-order", "events")
        os.makedirs(events)
        for name in ("default.json", "smoke.json"):
            with open(os.path.join(events, name), "w", encoding="utf-8") as out:
                out.write("{}")
        self.assertEqual(smoke_test.event_file(root, "price-order"), os.path.join(events, "smoke.json"))

    def test_reports_a_function_error_with_the_response(self):
        aws = FakeAws()
        aws.invoke_response = {"StatusCode": 200, "FunctionError": "Unhandled"}
        aws.invoke_body = '{"errorMessage": "No module named orjson"}'
        problems = run(aws)
        self.assertEqual(len(problems), 1)
        self.assertIn("function price-order (Dev-Orders-PriceOrder-ABC123:live): invocation failed (Unhandled)", problems[0])
        self.assertIn("No module named orjson", problems[0])

    def test_reports_a_layer_whose_ssm_version_is_not_the_one_attached(self):
        aws = FakeAws()
        newer = LAYER_DOMAIN_V7.replace(":7", ":8")
        aws.parameters["/orders/dev/layers/domain/arn"] = newer
        problems = run(aws)
        self.assertEqual(
            problems,
            [
                "function price-order (Dev-Orders-PriceOrder-ABC123:live): layer domain is "
                f"{newer} in SSM (/orders/dev/layers/domain/arn), but the function runs with "
                f"{LAYER_COMMON_V3}, {LAYER_DOMAIN_V7}"
            ],
        )

    def test_reports_a_layer_arn_of_another_account_or_name_in_ssm_naming_the_parameter(self):
        for foreign in (
            LAYER_DOMAIN_V7.replace("222222222222", "999999999999"),
            LAYER_DOMAIN_V7.replace("orders-dev-domain", "evil-layer"),
            "not-an-arn",
        ):
            aws = FakeAws()
            aws.parameters["/orders/dev/layers/domain/arn"] = foreign
            aws.attached = [LAYER_COMMON_V3, foreign]
            self.assertEqual(
                run(aws),
                [
                    "function price-order (Dev-Orders-PriceOrder-ABC123:live): layer domain: /orders/dev/layers/domain/arn "
                    f"holds {foreign}, which is not a version of layer orders-dev-domain in account 222222222222"
                ],
            )

    def test_reports_a_layer_version_whose_fingerprint_is_not_the_one_built(self):
        aws = FakeAws()
        aws.descriptions[LAYER_DOMAIN_V7] = "The order domain [fingerprint 0ld]"
        problems = run(aws)
        self.assertEqual(len(problems), 1)
        self.assertIn("layer domain (" + LAYER_DOMAIN_V7 + ") is not the one this release built", problems[0])
        self.assertIn("expected it to end with [fingerprint d0d0] (the function's LAYER_FINGERPRINT_DOMAIN)", problems[0])

    def test_reads_each_layer_versions_description_by_its_arn(self):
        aws = FakeAws()
        self.assertEqual(run(aws), [])
        read = [c["args"][c["args"].index("--arn") + 1] for c in aws.calls if c["command"] == "lambda get-layer-version-by-arn"]
        self.assertEqual(read, [LAYER_COMMON_V3, LAYER_DOMAIN_V7])

    def test_reports_a_function_whose_name_is_not_among_the_outputs(self):
        aws = FakeAws()
        aws.outputs = []
        problems = run(aws)
        self.assertEqual(problems, ["function price-order: its stack has no output PriceOrderFunctionName with the function's name"])

    def test_reports_a_stack_whose_outputs_it_cannot_read(self):
        aws = FakeAws()
        aws.fail["cloudformation describe-stacks"] = "ValidationError: Stack with id Dev-Functions-Orders does not exist"
        problems = run(aws)
        self.assertEqual(len(problems), 1)
        self.assertIn("stack orders: cannot read the outputs of Dev-Functions-Orders: ValidationError", problems[0])

    def test_reports_a_role_it_cannot_assume_and_goes_on(self):
        aws = FakeAws()
        aws.fail["sts assume-role"] = "AccessDenied: not authorized to perform sts:AssumeRole"
        problems = run(aws)
        self.assertEqual(len(problems), 1)
        self.assertIn("stack orders: cannot assume arn:aws:iam::222222222222:role/orders-dev-orders-smoke: AccessDenied", problems[0])

    def test_reports_credentials_that_reach_no_account_with_the_fix_and_calls_nothing_else(self):
        aws = FakeAws()
        aws.fail["sts get-caller-identity"] = "Unable to locate credentials."
        problems = run(aws)
        self.assertEqual(len(problems), 1)
        self.assertTrue(problems[0].startswith("cannot reach AWS with these credentials: Unable to locate credentials."))
        self.assertIn("aws sso login --profile <profile>", problems[0])
        self.assertEqual(aws.commands(), ["sts get-caller-identity"])

    def test_reports_a_failed_call_as_a_problem_of_its_function(self):
        aws = FakeAws()
        aws.fail["lambda invoke"] = "ResourceNotFoundException: Function not found"
        problems = run(aws)
        self.assertEqual(len(problems), 1)
        self.assertIn("function price-order (Dev-Orders-PriceOrder-ABC123:live): ResourceNotFoundException", problems[0])


class RunAwsTest(unittest.TestCase):
    """``run_aws`` against a stand-in ``aws`` executable on the PATH that prints what it was given."""

    def setUp(self):
        folder = self.enterContext(tempfile.TemporaryDirectory())
        fake = os.path.join(folder, "aws")
        with open(fake, "w", encoding="utf-8") as out:
            out.write(
                "#!/usr/bin/env python3\n"
                "import json, os, sys\n"
                "if sys.argv[1] == 'fail':\n"
                "    sys.stderr.write('An error occurred (AccessDenied)')\n"
                "    sys.exit(254)\n"
                "print(json.dumps({'args': sys.argv[1:], 'attempts': os.environ.get('AWS_MAX_ATTEMPTS'),\n"
                "    'region': os.environ.get('AWS_REGION'), 'token': os.environ.get('AWS_SESSION_TOKEN')}))\n"
            )
        os.chmod(fake, 0o755)
        path = f"{folder}{os.pathsep}{os.environ.get('PATH', '')}"
        patcher = unittest.mock.patch.dict(os.environ, {"PATH": path})
        patcher.start()
        self.addCleanup(patcher.stop)

    def test_asks_for_json_with_the_credentials_and_region_given(self):
        out = smoke_test.run_aws(
            ["ssm", "get-parameter", "--name", "/x"],
            credentials={"AccessKeyId": "a", "SecretAccessKey": "s", "SessionToken": "t"},
            region="eu-west-1",
        )
        self.assertEqual(out["args"], ["ssm", "get-parameter", "--name", "/x", "--output", "json"])
        self.assertEqual((out["region"], out["token"]), ("eu-west-1", "t"))

    def test_once_makes_a_single_attempt_without_a_read_timeout(self):
        out = smoke_test.run_aws(["lambda", "invoke", "out.json"], once=True)
        self.assertEqual(out["attempts"], "1")
        self.assertEqual(out["args"][-4:], ["--cli-read-timeout", "0", "--output", "json"])

    def test_a_failed_call_raises_with_the_clis_message(self):
        with self.assertRaisesRegex(AwsError, "AccessDenied"):
            smoke_test.run_aws(["fail", "now"])

    def test_a_missing_aws_cli_raises_naming_it(self):
        with unittest.mock.patch.dict(os.environ, {"PATH": self.enterContext(tempfile.TemporaryDirectory())}):
            with self.assertRaisesRegex(AwsError, "the AWS CLI \\(aws\\) is not installed"):
                smoke_test.run_aws(["sts", "get-caller-identity"])


if __name__ == "__main__":
    unittest.main()
