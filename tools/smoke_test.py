"""The pipeline's smoke test of one environment, run after its function stacks deploy.

For every function stack of the stage it assumes the stack's smoke-test role in the environment's account, reads
the functions' names from the stack's outputs, then for every function: invokes its ``live`` alias once with
``lambda/<function>/events/smoke.json`` (or ``events/default.json``, or ``{}``), and checks that every layer the
function uses is attached in the version SSM names for it (``/<app>/<environment>/layers/<layer>/arn``), that the
version belongs to the environment's own layer (its name, its account) and that its description carries the
fingerprint the function was built with (its ``LAYER_FINGERPRINT_<LAYER>`` variable). Then it calls every route of
the stack's HTTP API once through its real URL (the stack's ``HttpApiUrl`` output), signing the request with the
role's credentials (SigV4) where the route needs IAM authorization, and expects a 2xx answer. Every problem is
reported, then the step fails if there was one, and the promotion stops.

It needs only Python's standard library and the AWS CLI, both on the CodeBuild image. The pipeline hands it
``SMOKE_TEST_SPEC``, JSON written at synth: ``{"environment", "alias", "targets": [{"stack", "stackName",
"account", "region", "roleName", "functions": [{"name", "output", "layers": [{"name", "parameter", "layerName",
"fingerprintVariable"}]}], "api": {"output", "routes": [{"function", "method", "path", "authorization"}]}}]}``,
where each ``output`` is the key of a stack output (the function's name, the API's base URL); ``api`` is there only
for a stack with routes.
"""

import datetime
import hashlib
import hmac
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request


class AwsError(Exception):
    """An AWS CLI call failed; the message is the CLI's own."""


def run_aws(args, credentials=None, region=None, once=False):
    """Runs ``aws <args> --output json`` and returns its parsed output (``{}`` when it prints nothing).

    ``once``: a single attempt that waits as long as it takes (an invocation must not be repeated by the CLI's
    retries, nor cut at its 60-second read timeout: a function may run for minutes).
    """
    env = dict(os.environ)
    if once:
        env["AWS_MAX_ATTEMPTS"] = "1"
        env["AWS_RETRY_MODE"] = "standard"
        args = [*args, "--cli-read-timeout", "0"]
    if credentials:
        env.update(
            AWS_ACCESS_KEY_ID=credentials["AccessKeyId"],
            AWS_SECRET_ACCESS_KEY=credentials["SecretAccessKey"],
            AWS_SESSION_TOKEN=credentials["SessionToken"],
        )
    if region:
        env["AWS_REGION"] = region
        env["AWS_DEFAULT_REGION"] = region
    try:
        result = subprocess.run(["aws", *args, "--output", "json"], capture_output=True, text=True, env=env, check=False)
    except FileNotFoundError as error:
        raise AwsError("the AWS CLI (aws) is not installed or not on the PATH: install AWS CLI v2") from error
    if result.returncode != 0:
        raise AwsError((result.stderr or result.stdout).strip() or f"aws {args[0]} {args[1]} exited {result.returncode}")
    return json.loads(result.stdout) if result.stdout.strip() else {}


def event_file(root, function):
    """The event a function is smoke-tested with: ``events/smoke.json``, else ``events/default.json``, else none."""
    for name in ("smoke.json", "default.json"):
        path = os.path.join(root, "lambda", function, "events", name)
        if os.path.isfile(path):
            return path
    return None


def smoke_test(spec, aws=run_aws, root=".", http=None):
    """Smoke-tests every function and route of ``spec``; returns the problems found, as lines, empty when all passed."""
    http = http or http_request
    alias = spec["alias"]
    problems = []
    try:
        partition = aws(["sts", "get-caller-identity"])["Arn"].split(":")[1]
    except AwsError as error:
        return [
            f"cannot reach AWS with these credentials: {error} Fix: log in (aws sso login --profile <profile>, or "
            "aws configure) and pass the profile of the environment's account (npm run smoke -- --profile <profile>)"
        ]
    for target in spec["targets"]:
        role_arn = f"arn:{partition}:iam::{target['account']}:role/{target['roleName']}"
        try:
            credentials = aws(
                ["sts", "assume-role", "--role-arn", role_arn, "--role-session-name", f"smoke-test-{spec['environment']}"]
            )["Credentials"]
        except AwsError as error:
            problems.append(f"stack {target['stack']}: cannot assume {role_arn}: {error}")
            continue

        def call(args, region=target["region"], credentials=credentials, **options):
            return aws(args, credentials=credentials, region=region, **options)

        try:
            stacks = call(["cloudformation", "describe-stacks", "--stack-name", target["stackName"]])["Stacks"]
            outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
        except AwsError as error:
            problems.append(f"stack {target['stack']}: cannot read the outputs of {target['stackName']}: {error}")
            continue
        for function in target["functions"]:
            problems.extend(check_function(function, alias, call, outputs, root, target["account"]))
        if target.get("api"):
            problems.extend(check_routes(target, outputs, credentials, root, http))
    return problems


# Methods whose requests carry the function's request body (lambda/<function>/events/request.json).
METHODS_WITH_BODY = ("POST", "PUT", "PATCH")
# The value each path parameter gets in a smoke request: /orders/{id} is called as /orders/smoke-test.
PATH_PARAMETER_VALUE = "smoke-test"
# Seconds to wait for an answer: API Gateway's HTTP APIs end an integration at 30 seconds.
HTTP_TIMEOUT = 35


def request_body_file(root, function):
    """The body the smoke test sends a function's routes, and `npm run invoke -- <fn> --http` by default."""
    path = os.path.join(root, "lambda", function, "events", "request.json")
    return path if os.path.isfile(path) else None


def smoke_url(base, path):
    """The URL of a route, its path parameters given a fixed value."""
    return base.rstrip("/") + re.sub(r"\{[^}]+\}", PATH_PARAMETER_VALUE, path)


def check_routes(target, outputs, credentials, root, http):
    """Calls each route of the stack's HTTP API once; returns a problem for each that does not answer 2xx."""
    api = target["api"]
    base = outputs.get(api["output"])
    if not base:
        return [f"stack {target['stack']}: it has no output {api['output']} with the HTTP API's URL"]
    problems = []
    for route in api["routes"]:
        method = "GET" if route["method"] == "ANY" else route["method"]
        url = smoke_url(base, route["path"])
        label = f"route {route['method']} {route['path']} of function {route['function']} ({method} {url})"
        body = b""
        headers = {"accept": "application/json"}
        body_file = request_body_file(root, route["function"])
        if method in METHODS_WITH_BODY and body_file:
            with open(body_file, "rb") as source:
                body = source.read()
            headers["content-type"] = "application/json"
        if route["authorization"] == "iam":
            headers = sign_v4(method, url, headers, body, credentials, target["region"], "execute-api")
        try:
            status, answer = http(method, url, headers, body or None)
        except OSError as error:
            problems.append(f"{label}: no answer: {error}")
            continue
        if not 200 <= status < 300:
            text = answer.decode("utf-8", errors="replace")[:300]
            problems.append(f"{label}: answered {status}, expected 2xx: {text}")
    return problems


def http_request(method, url, headers, body):
    """Sends one request; returns its status and body, whatever the status (urllib raises on 4xx and 5xx)."""
    request = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


def _hmac(key, text):
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def _uri_encode(text, safe="/"):
    return urllib.parse.quote(text, safe=safe + "-_.~")


def sign_v4(method, url, headers, body, credentials, region, service, now=None):
    """The headers of a request signed with AWS Signature Version 4 (with its session token, when there is one).

    ``credentials`` are those of ``sts assume-role`` (``AccessKeyId``, ``SecretAccessKey``, ``SessionToken``).
    See https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
    """
    now = now or datetime.datetime.now(datetime.timezone.utc)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    day = amz_date[:8]
    parts = urllib.parse.urlsplit(url)
    signed = {name.lower(): " ".join(str(value).split()) for name, value in headers.items()}
    signed["host"] = parts.netloc
    signed["x-amz-date"] = amz_date
    if credentials.get("SessionToken"):
        signed["x-amz-security-token"] = credentials["SessionToken"]
    names = sorted(signed)
    # Services other than S3 sign each path segment encoded twice.
    path = _uri_encode(_uri_encode(parts.path or "/"))
    query = "&".join(
        f"{_uri_encode(k, safe='')}={_uri_encode(v, safe='')}"
        for k, v in sorted(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
    )
    canonical = "\n".join([
        method,
        path,
        query,
        "".join(f"{name}:{signed[name]}\n" for name in names),
        ";".join(names),
        _sha256(body or b""),
    ])
    scope = f"{day}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, _sha256(canonical.encode("utf-8"))])
    key = _hmac(_hmac(_hmac(_hmac(("AWS4" + credentials["SecretAccessKey"]).encode("utf-8"), day), region), service), "aws4_request")
    signature = hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    signed["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={credentials['AccessKeyId']}/{scope}, "
        f"SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    del signed["host"]  # urllib sets it from the URL
    return signed


def check_function(function, alias, call, outputs, root, account):
    """Invokes one function's alias and checks each of its layers; returns its problems.

    Each layer the function runs with must be the version SSM names, a version of this environment's layer (its
    expected name, in the environment's own account), and the one the function was built with: its description ends
    with the fingerprint the function carries in its environment.
    """
    label = f"function {function['name']}"
    name = outputs.get(function["output"])
    if not name:
        return [f"{label}: its stack has no output {function['output']} with the function's name"]
    qualified = f"{label} ({name}:{alias})"
    problems = []
    try:
        with tempfile.TemporaryDirectory() as scratch:
            event = event_file(root, function["name"])
            if event is None:
                event = os.path.join(scratch, "event.json")
                with open(event, "w", encoding="utf-8") as out:
                    out.write("{}")
            response_file = os.path.join(scratch, "response.json")
            response = call(
                [
                    # fileb:// hands the file's bytes to Lambda as they are, in AWS CLI v1 and v2 alike
                    # (v2's --cli-binary-format is needed only for file:// and inline payloads, and v1 refuses it).
                    "lambda", "invoke", "--function-name", name, "--qualifier", alias,
                    "--payload", f"fileb://{event}", response_file,
                ],
                once=True,
            )
            if response.get("FunctionError"):
                with open(response_file, encoding="utf-8", errors="replace") as body:
                    problems.append(f"{qualified}: invocation failed ({response['FunctionError']}): {body.read(500)}")
            elif response.get("StatusCode") != 200:
                problems.append(f"{qualified}: invocation returned status {response.get('StatusCode')}")

        configuration = call(["lambda", "get-function-configuration", "--function-name", name, "--qualifier", alias])
        attached = [layer["Arn"] for layer in configuration.get("Layers", [])]
        variables = configuration.get("Environment", {}).get("Variables", {})
        for layer in function["layers"]:
            expected = call(["ssm", "get-parameter", "--name", layer["parameter"]])["Parameter"]["Value"]
            # arn:<partition>:lambda:<region>:<account>:layer:<name>:<version>
            parts = expected.split(":")
            if len(parts) != 8 or parts[4] != account or parts[6] != layer["layerName"]:
                problems.append(
                    f"{qualified}: layer {layer['name']}: {layer['parameter']} holds {expected}, which is not a version "
                    f"of layer {layer['layerName']} in account {account}"
                )
                continue
            if expected not in attached:
                problems.append(
                    f"{qualified}: layer {layer['name']} is {expected} in SSM ({layer['parameter']}), "
                    f"but the function runs with {', '.join(attached) or 'no layers'}"
                )
                continue
            fingerprint = variables.get(layer["fingerprintVariable"], "")
            description = call(["lambda", "get-layer-version-by-arn", "--arn", expected]).get("Description", "")
            if not fingerprint or not description.endswith(f"[fingerprint {fingerprint}]"):
                problems.append(
                    f"{qualified}: layer {layer['name']} ({expected}) is not the one this release built: its description "
                    f"is {description!r}, expected it to end with [fingerprint {fingerprint}] "
                    f"(the function's {layer['fingerprintVariable']})"
                )
    except AwsError as error:
        problems.append(f"{qualified}: {error}")
    return problems


def main():
    spec = json.loads(os.environ["SMOKE_TEST_SPEC"])
    problems = smoke_test(spec)
    count = sum(len(target["functions"]) for target in spec["targets"])
    routes = sum(len(target["api"]["routes"]) for target in spec["targets"] if target.get("api"))
    if problems:
        print(f"Smoke test of {spec['environment']} failed, {len(problems)} problem(s):")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    print(
        f"Smoke test of {spec['environment']} passed: {count} function(s) answered on {spec['alias']} with the layers "
        f"SSM names, and {routes} HTTP route(s) answered 2xx."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
