"""moto_compat's patches of IAM and STS: a permissions boundary must exist, a role must trust whoever assumes it."""

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


def iam_permissions_boundary_must_exist():
    """moto accepts a role's PermissionsBoundary (CreateRole, PutRolePermissionsBoundary, and so CloudFormation's
    AWS::IAM::Role) naming a policy that does not exist, and an AWS::IAM::Role update ignores PermissionsBoundary.
    AWS refuses a boundary that does not exist: NoSuchEntity, "Scope ARN: <arn> does not exist or is not
    attachable."; an update sets (or removes) the boundary."""
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    def check(backend, arn):
        if not arn or not backend.policy_arn_regex.match(arn):
            return  # moto's own InvalidParameterValue check follows
        exists = arn in backend.managed_policies or (
            arn.split(":")[4] == "aws" and arn.split("/")[-1] in aws_managed_policies_data
        )
        if not exists:
            raise NotFoundException(f"Scope ARN: {arn} does not exist or is not attachable.")

    create_role, put_boundary = iam.IAMBackend.create_role, iam.IAMBackend.put_role_permissions_boundary

    def checked_create_role(self, role_name, assume_role_policy_document, path, permissions_boundary, *args, **kw):
        check(self, permissions_boundary)
        return create_role(self, role_name, assume_role_policy_document, path, permissions_boundary, *args, **kw)

    def checked_put_boundary(self, role_name, permissions_boundary):
        check(self, permissions_boundary)
        return put_boundary(self, role_name, permissions_boundary)

    original_update = iam.Role.update_from_cloudformation_json.__func__

    def update_role(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        role = original_update(cls, original_resource, new_resource_name, cloudformation_json, account_id,
                               region_name)
        boundary = cloudformation_json["Properties"].get("PermissionsBoundary")
        backend = iam.iam_backends[account_id][iam.get_partition(region_name)]
        if boundary:
            backend.put_role_permissions_boundary(role.name, boundary)
        else:
            backend.delete_role_permissions_boundary(role.name)
        return role

    iam.IAMBackend.create_role = checked_create_role
    iam.IAMBackend.put_role_permissions_boundary = checked_put_boundary
    iam.Role.update_from_cloudformation_json = classmethod(update_role)


# --- STS --------------------------------------------------------------------------------------------------------

#: The role the suite's profiles assume in an account other than the default one: it stands for a user's own
#: administrator profile of that account (an SSO or IAM user profile), so it needs no trust policy.
SUITE_ROLE = "deploy-suite"


def assume_role_needs_trust():
    """moto 5.2.1 lets any credentials assume any role ARN, even one that does not exist. AWS refuses (AccessDenied,
    "User: <caller> is not authorized to perform: sts:AssumeRole on resource: <role>") unless the role exists and its
    trust policy allows the caller: its account (`<account>`, `arn:<partition>:iam::<account>:root`), its own ARN, or
    `*`. Conditions are not evaluated. The role SUITE_ROLE stands for a user's own profile of an account.

    moto's CloudFormation leaves a `null` where an `Fn::If` in a list gives `AWS::NoValue` (the bootstrap template's
    lookup role trusts other accounts that way); AWS drops the element, and so do these checks."""
    from moto.sts import responses as sts_responses
    from moto.sts.exceptions import STSClientError

    class AccessDenied(STSClientError):
        __module__ = "moto.sts.compat"  # moto serializes an error by its module's service
        code = "AccessDenied"

    original = sts_responses.TokenResponse.assume_role

    def allows(role, partition, caller_account, callers):
        document = json.loads(role.assume_role_policy_document or "{}")
        statements = document.get("Statement", [])
        for statement in statements if isinstance(statements, list) else [statements]:
            if not isinstance(statement, dict):
                continue
            actions = statement.get("Action", [])
            actions = actions if isinstance(actions, list) else [actions]
            if statement.get("Effect") != "Allow" or not {"sts:AssumeRole", "sts:*", "*"} & set(actions):
                continue
            principal = statement.get("Principal", {})
            named = ["*"] if principal == "*" else principal.get("AWS", []) if isinstance(principal, dict) else []
            named = named if isinstance(named, list) else [named]
            if {"*", caller_account, f"arn:{partition}:iam::{caller_account}:root", *callers} & set(named):
                return True
        return False

    def assume_role(self):
        role_arn = self._get_param("RoleArn") or ""
        match = re.match(r"^arn:([\w-]+):iam::(\d{12}):role/(?:.*/)?([\w+=,.@-]+)$", role_arn)
        if match and match.group(3) != SUITE_ROLE:
            partition, account, name = match.groups()
            caller = self.backend.get_caller_identity(self.get_access_key(), self.region)[1]
            caller_role = re.sub(r"^arn:([\w-]+):sts::(\d+):assumed-role/([^/]+)/.*$", r"arn:\1:iam::\2:role/\3", caller)
            roles = {r.name: r for r in iam.iam_backends[account][partition].roles.values()}
            if name not in roles or not allows(roles[name], partition, self.current_account, {caller, caller_role}):
                raise AccessDenied(f"User: {caller} is not authorized to perform: sts:AssumeRole on resource: {role_arn}")
        return original(self)

    sts_responses.TokenResponse.assume_role = assume_role
