"""moto_compat's patches of Lambda: what CloudFormation makes of functions, versions, aliases, layers and
permissions, and invocations without Docker."""

import base64
import copy
import json
import re

from moto.awslambda import models as lam
from moto.cloudformation import models as cfn
from moto.cloudformation import parsing
from moto.cloudformation import responses as cfn_responses
from moto.cloudformation.exceptions import CloudFormationError, ValidationError
from moto.core.common_models import CloudFormationModel
from moto.core.responses import ActionResult, EmptyResult
from moto.iam import models as iam
from moto.iam.exceptions import NotFoundException


def lambda_invoke_without_docker():
    """moto runs an invoked function in a Docker container (or, with use_docker off, answers from a second Lambda
    backend that CloudFormation never writes to). AWS runs the handler. Here there is one backend, and Invoke answers
    as moto's LambdaSimpleBackend does: the payload echoed. No handler runs on the emulator."""

    def invoke(self, function_name, qualifier, body, headers, response_headers):
        self.get_function(function_name, qualifier)
        payload = (body or "Simple Lambda happy path OK").encode() if isinstance(body or "", str) else body
        response_headers["Content-Length"] = str(len(payload))
        return payload

    lam.LambdaBackend.invoke = invoke


def layer_version_from_cloudformation():
    """moto's AWS::Lambda::LayerVersion names the layer after a generated name (ignoring LayerName), drops
    CompatibleArchitectures, has no Ref (Ref gives moto's Python object) and is never deleted. AWS publishes a version
    of LayerName with every property, Ref is the LayerVersionArn, and deleting the resource deletes the version."""

    def create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        spec = {"LayerName": props.get("LayerName", resource_name), "Content": props["Content"]}
        for key in ("Description", "CompatibleRuntimes", "CompatibleArchitectures", "LicenseInfo"):
            if key in props:
                spec[key] = props[key]
        return lam.lambda_backends[account_id][region_name].publish_layer_version(spec)

    def delete(self, account_id, region_name):
        lam.lambda_backends[account_id][region_name].delete_layer_version(self.name, str(self.version))

    lam.LayerVersion.create_from_cloudformation_json = classmethod(create)
    lam.LayerVersion.physical_resource_id = property(lambda self: self.arn)
    lam.LayerVersion.has_cfn_attr = classmethod(lambda cls, attr: attr == "LayerVersionArn")
    lam.LayerVersion.get_cfn_attribute = lambda self, attr: self.arn
    lam.LayerVersion.delete = delete


def get_layer_version_by_arn():
    """moto has no GetLayerVersionByArn (GET /2018-10-31/layers?find=LayerVersion&Arn=...): it answers ListLayers.
    AWS returns that layer version (ResourceNotFoundException when there is none)."""
    from moto.awslambda.exceptions import UnknownLayerException
    from moto.awslambda.responses import LambdaResponse

    list_layers = LambdaResponse.list_layers

    def get_layer_version_by_arn(self):
        arn = self.querystring.get("Arn", [""])[0]
        found = self.backend.layers_versions_by_arn(arn) if arn.count(":") == 7 else None
        if found is None:
            raise UnknownLayerException()
        return json.dumps(found.get_layer_version())

    LambdaResponse.get_layer_version_by_arn = get_layer_version_by_arn
    LambdaResponse.list_layers = lambda self: (
        get_layer_version_by_arn(self) if self.querystring.get("find") == ["LayerVersion"] else list_layers(self)
    )


def function_from_cloudformation():
    """moto's AWS::Lambda::Function drops Layers, Architectures, TracingConfig and LoggingConfig (on create and on
    update), and Lambda has no LoggingConfig at all. AWS creates the function with all of them and returns them in
    GetFunctionConfiguration (LoggingConfig defaulting to Text format in /aws/lambda/<name>)."""
    original_update = lam.LambdaFunction.update_from_cloudformation_json.__func__
    original_init = lam.LambdaFunction.__init__
    original_configuration = lam.LambdaFunction.get_configuration
    original_update_configuration = lam.LambdaFunction.update_configuration

    def create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        spec = {**props, "FunctionName": resource_name, "Tags": {t["Key"]: t["Value"] for t in props.get("Tags", [])}}
        if "ZipFile" in props["Code"]:
            code = cls._create_zipfile_from_plaintext_code(props["Code"]["ZipFile"])
            spec["Code"] = {**props["Code"], "ZipFile": base64.b64encode(code)}
        return lam.lambda_backends[account_id][region_name].create_function(spec)

    def update(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        props = cloudformation_json["Properties"]
        original_resource.architectures = props.get("Architectures", ["x86_64"])
        original_resource.tracing_config = props.get("TracingConfig") or {"Mode": "PassThrough"}
        props = {"Layers": [], "LoggingConfig": None, **props}
        return original_update(cls, original_resource, new_resource_name, {**cloudformation_json, "Properties": props},
                               account_id, region_name)

    def init(self, account_id, spec, region, version=1):
        original_init(self, account_id, spec, region, version)
        self.logging_config = spec.get("LoggingConfig")

    def get_configuration(self, on_create=False):
        config = original_configuration(self, on_create)
        config["LoggingConfig"] = {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{self.function_name}",
                                   **(self.logging_config or {})}
        return config

    def update_configuration(self, updates):
        if "LoggingConfig" in updates:
            self.logging_config = updates["LoggingConfig"]
        return original_update_configuration(self, updates)

    lam.LambdaFunction.create_from_cloudformation_json = classmethod(create)
    lam.LambdaFunction.update_from_cloudformation_json = classmethod(update)
    lam.LambdaFunction.__init__ = init
    lam.LambdaFunction.get_configuration = get_configuration
    lam.LambdaFunction.update_configuration = update_configuration


def version_numbers_never_reused():
    """moto numbers a new function version len(versions) + 1, so once a version is deleted (as CloudFormation deletes
    the version it replaced) the next one takes a number already used, and the new version 2 replaces the old
    version 2. AWS numbers a function's versions upward and never reuses a number."""
    original = lam.LambdaStorage.publish_version

    def publish_version(self, name_or_arn, description=""):
        group = self._functions.get(self.get_function_by_name_or_arn_forbid_qualifier(name_or_arn).function_name)
        before = len(group["versions"]) if group else 0
        fn = original(self, name_or_arn, description)
        if fn is not None and len(group["versions"]) > before:
            number = max([int(v.version) for v in group["versions"][:-1]] + [group.get("highest", 0)]) + 1
            fn.set_version(number)
            group["highest"] = number
            for version in group["versions"]:  # moto filed the new one under the ARN of the number it first gave
                self._arns[version.function_arn] = version
        return fn

    lam.LambdaStorage.publish_version = publish_version


def version_from_cloudformation():
    """moto's AWS::Lambda::Version has no Ref (moto's Python object) and no GetAtt Version, and is never deleted.
    AWS: Ref is the version's ARN, GetAtt Version its number, and deleting the resource deletes the version."""

    def create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        fn = lam.lambda_backends[account_id][region_name].publish_version(
            props["FunctionName"], props.get("Description", "")
        )
        version = lam.LambdaVersion({"Version": fn.version})
        version.function_name, version.arn = fn.function_name, fn.function_arn
        return version

    def get_cfn_attribute(self, attr):
        return {"Version": str(self.version), "FunctionArn": self.arn}[attr]

    def delete(self, account_id, region_name):
        lam.lambda_backends[account_id][region_name].delete_function(self.function_name, str(self.version))

    lam.LambdaVersion.create_from_cloudformation_json = classmethod(create)
    lam.LambdaVersion.physical_resource_id = property(lambda self: self.arn)
    lam.LambdaVersion.has_cfn_attr = classmethod(lambda cls, attr: attr in ("Version", "FunctionArn"))
    lam.LambdaVersion.get_cfn_attribute = get_cfn_attribute
    lam.LambdaVersion.delete = delete


def permission_from_cloudformation():
    """moto's AWS::Lambda::Permission has no physical id or Ref (moto's Python object), gives its statement a random
    id, and deleting it leaves the statement in the function's policy. AWS: the statement's id is the resource's
    generated name, which is its physical id, GetAtt Id gives it, and deleting the resource removes the statement."""

    def create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        backend = lam.lambda_backends[account_id][region_name]
        backend.get_function(props["FunctionName"]).policy.add_statement(
            json.dumps({**props, "StatementId": resource_name})
        )
        permission = lam.Permission(region_name)
        permission.function_name, permission.physical_resource_id = props["FunctionName"], resource_name
        return permission

    def delete(self, account_id, region_name):
        backend = lam.lambda_backends[account_id][region_name]
        backend.get_function(self.function_name).policy.del_statement(self.physical_resource_id)

    lam.Permission.create_from_cloudformation_json = classmethod(create)
    lam.Permission.has_cfn_attr = classmethod(lambda cls, attr: attr == "Id")
    lam.Permission.get_cfn_attribute = lambda self, attr: self.physical_resource_id
    lam.Permission.delete = delete


class LambdaAliasModel(CloudFormationModel):
    """AWS::Lambda::Alias over moto's Lambda aliases (see alias_from_cloudformation)."""

    __module__ = "moto.awslambda.moto_compat"  # moto files every model class under its service, from the module name

    def __init__(self, alias, function_name, account_id, region_name):
        self.alias, self.function_name = alias, function_name
        self.backend = lam.lambda_backends[account_id][region_name]

    @staticmethod
    def cloudformation_type():
        return "AWS::Lambda::Alias"

    @staticmethod
    def cloudformation_name_type():
        return ""

    @classmethod
    def has_cfn_attr(cls, attr):
        return attr == "AliasArn"

    def get_cfn_attribute(self, attr):
        return self.alias.arn

    @property
    def physical_resource_id(self):
        return self.alias.arn

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        p = cloudformation_json["Properties"]
        backend = lam.lambda_backends[account_id][region_name]
        alias = backend.create_alias(
            p["Name"], p["FunctionName"], p["FunctionVersion"], p.get("Description", ""), p.get("RoutingConfig")
        )
        return cls(alias, p["FunctionName"], account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id,
                                        region_name):
        p = cloudformation_json["Properties"]
        if (p["Name"], p["FunctionName"]) != (original_resource.alias.name, original_resource.function_name):
            new = cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
            original_resource.delete(account_id, region_name)
            return new
        original_resource.backend.update_alias(
            p["Name"], p["FunctionName"], p["FunctionVersion"], p.get("Description", ""), p.get("RoutingConfig")
        )
        return original_resource

    def delete(self, account_id, region_name):
        self.backend.delete_alias(self.alias.name, self.function_name)


def alias_from_cloudformation():
    """moto's CloudFormation has no AWS::Lambda::Alias: it skips it (and a Ref to it is empty). AWS creates the alias
    on the version, Ref is the alias ARN, and an update moves it. Its CodeDeployLambdaAliasUpdate policy is not
    emulated (no CodeDeploy): the alias moves at once, as with AllAtOnce."""
    parsing.get_model_list.cache_clear()
    parsing.get_model_map.cache_clear()
    parsing.get_name_type_map.cache_clear()
    assert parsing.get_model_map()["AWS::Lambda::Alias"] is LambdaAliasModel


def generated_names_fit():
    """moto generates a function's or role's name as <stack>-<logical id>-<12 characters> whatever its length (72
    characters for this project's functions). AWS allows 64, and CloudFormation generates names that fit."""
    original = parsing.generate_resource_name

    def generate_resource_name(resource_type, stack_name, logical_id):
        name = original(resource_type, stack_name, logical_id)
        if resource_type in ("AWS::Lambda::Function", "AWS::IAM::Role") and len(name) > 64:
            prefix, suffix = name.rsplit("-", 1)
            name = f"{prefix[: 63 - len(suffix)].rstrip('-')}-{suffix}"
        return name

    parsing.generate_resource_name = generate_resource_name


def account_settings():
    """moto has no GetAccountSettings (GET /2016-08-19/account-settings/). AWS returns the account's limits in the
    region (TotalCodeSize 80530636800 bytes, 75 GB, by default) and its usage (TotalCodeSize: the zipped code of every
    function version and every layer version there; FunctionCount). Here the usage is summed the same way."""
    from moto.awslambda import urls
    from moto.awslambda.responses import LambdaResponse

    def get_account_settings(self):
        backend = self.backend
        functions = list(backend._lambdas.all())
        layer_versions = [v for layer in backend._layers._layers.values() for v in layer.layer_versions.values()]
        used = sum(f.code_size or 0 for f in functions) + sum(v.code_size or 0 for v in layer_versions)
        return json.dumps(
            {
                "AccountLimit": {
                    "TotalCodeSize": 80530636800,
                    "CodeSizeUnzipped": 262144000,
                    "CodeSizeZipped": 52428800,
                    "ConcurrentExecutions": 1000,
                    "UnreservedConcurrentExecutions": 1000,
                },
                "AccountUsage": {
                    "TotalCodeSize": used,
                    "FunctionCount": len({f.function_name for f in functions}),
                },
            }
        )

    LambdaResponse.get_account_settings = get_account_settings
    urls.url_paths[r"{0}/(?P<api_version>[^/]+)/account-settings/?$"] = LambdaResponse.dispatch
