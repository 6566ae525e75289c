"""Tests of the pipeline's smoke test against a recorded AWS CLI: what it calls, and what it reports."""

import copy
import datetime
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


API_URL = "https://abc123.execute-api.eu-west-1.amazonaws.com/"

ROUTES = [
    {"function": "price-order", "method": "POST", "path": "/orders", "authorization": "iam"},
    {"function": "price-order", "method": "GET", "path": "/orders/{id}", "authorization": "iam"},
    {"function": "health-check", "method": "GET", "path": "/health", "authorization": "none"},
]


class FakeHttp:
    """Answers HTTP requests like a healthy API (200), unless a test sets the answer of a URL."""

    def __init__(self):
        self.requests = []
        self.answers = {}

    def __call__(self, method, url, headers, body):
        self.requests.append({"method": method, "url": url, "headers": headers, "body": body})
        answer = self.answers.get(url, (200, b'{"ok": true}'))
        if isinstance(answer, Exception):
            raise answer
        return answer


def spec_with_routes():
    spec = copy.deepcopy(SPEC)
    spec["targets"][0]["api"] = {"output": "HttpApiUrl", "routes": ROUTES}
    return spec


class RouteTest(unittest.TestCase):
    def setUp(self):
        self.aws = FakeAws()
        self.aws.outputs.append({"OutputKey": "HttpApiUrl", "OutputValue": API_URL})
        self.http = FakeHttp()
        self.root = self.enterContext(tempfile.TemporaryDirectory())
        os.makedirs(os.path.join(self.root, "lambda", "price-order", "events"))
        with open(os.path.join(self.root, "lambda", "price-order", "events", "request.json"), "w", encoding="utf-8") as out:
            out.write('{"customer": "smoke-test"}')

    def run_routes(self):
        return smoke_test.smoke_test(spec_with_routes(), aws=self.aws, root=self.root, http=self.http)

    def test_calls_every_route_once_through_the_apis_url(self):
        self.assertEqual(self.run_routes(), [])
        self.assertEqual(
            [(r["method"], r["url"]) for r in self.http.requests],
            [
                ("POST", "https://abc123.execute-api.eu-west-1.amazonaws.com/orders"),
                ("GET", "https://abc123.execute-api.eu-west-1.amazonaws.com/orders/smoke-test"),
                ("GET", "https://abc123.execute-api.eu-west-1.amazonaws.com/health"),
            ],
        )

    def test_signs_iam_routes_with_the_stacks_role_and_leaves_public_ones_unsigned(self):
        self.run_routes()
        post, get, health = self.http.requests
        for signed in (post, get):
            self.assertRegex(
                signed["headers"]["authorization"],
                r"^AWS4-HMAC-SHA256 Credential=AKIA/\d{8}/eu-west-1/execute-api/aws4_request, "
                r"SignedHeaders=[a-z;-]*x-amz-security-token, Signature=[0-9a-f]{64}$",
            )
            self.assertEqual(signed["headers"]["x-amz-security-token"], "token")
        self.assertNotIn("authorization", health["headers"])

    def test_posts_the_functions_request_body_and_gets_without_one(self):
        self.run_routes()
        post, get, _ = self.http.requests
        self.assertEqual(post["body"], b'{"customer": "smoke-test"}')
        self.assertEqual(post["headers"]["content-type"], "application/json")
        self.assertIsNone(get["body"])

    def test_reports_a_route_that_does_not_answer_2xx_with_its_status_and_answer(self):
        self.http.answers[API_URL + "health"] = (502, b'{"message": "Internal Server Error"}')
        self.http.answers[API_URL + "orders"] = (403, b'{"message": "Forbidden"}')
        problems = self.run_routes()
        self.assertEqual(
            problems,
            [
                "route POST /orders of function price-order (POST https://abc123.execute-api.eu-west-1.amazonaws.com/orders): "
                'answered 403, expected 2xx: {"message": "Forbidden"}',
                "route GET /health of function health-check (GET https://abc123.execute-api.eu-west-1.amazonaws.com/health): "
                'answered 502, expected 2xx: {"message": "Internal Server Error"}',
            ],
        )

    def test_reports_a_route_it_cannot_reach(self):
        self.http.answers[API_URL + "health"] = OSError("timed out")
        self.assertEqual(len(self.run_routes()), 1)
        self.assertIn("route GET /health of function health-check", self.run_routes()[0])

    def test_reports_a_stack_without_the_apis_url_among_its_outputs(self):
        self.aws.outputs.pop()
        self.assertEqual(self.run_routes(), ["stack orders: it has no output HttpApiUrl with the HTTP API's URL"])
        self.assertEqual(self.http.requests, [])


class SignatureTest(unittest.TestCase):
    # AWS's Signature Version 4 test suite, "get-vanilla": its documented credentials, time and signature.
    VANILLA = {"AccessKeyId": "AKIDEXAMPLE", "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
    TIME = datetime.datetime(2015, 8, 30, 12, 36, 0, tzinfo=datetime.timezone.utc)

    def test_signs_aws_test_suites_get_vanilla_as_documented(self):
        headers = smoke_test.sign_v4("GET", "https://example.amazonaws.com/", {}, b"", self.VANILLA, "us-east-1", "service",
                                     now=self.TIME)
        self.assertEqual(
            headers["authorization"],
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        )
        self.assertEqual(headers["x-amz-date"], "20150830T123600Z")

    def test_signs_as_botocore_does_with_a_session_token_a_body_and_a_query(self):
        try:
            from botocore.auth import SigV4Auth
            from botocore.awsrequest import AWSRequest
            from botocore.credentials import Credentials
        except ImportError:
            self.skipTest("botocore is not installed here (the smoke test itself never needs it)")
        credentials = {"AccessKeyId": "AKIA1", "SecretAccessKey": "s3cr3t", "SessionToken": "tok"}
        url = "https://abc123.execute-api.eu-west-1.amazonaws.com/orders/smoke-test?b=2&a=1"
        body = b'{"x": 1}'
        mine = smoke_test.sign_v4("POST", url, {"content-type": "application/json"}, body, credentials, "eu-west-1",
                                  "execute-api", now=self.TIME)
        request = AWSRequest(method="POST", url=url, data=body, headers={"content-type": "application/json"})
        with unittest.mock.patch("botocore.auth.get_current_datetime", return_value=self.TIME.replace(tzinfo=None)):
            SigV4Auth(Credentials("AKIA1", "s3cr3t", "tok"), "execute-api", "eu-west-1").add_auth(request)
        self.assertEqual(mine["authorization"], request.headers["Authorization"])


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
