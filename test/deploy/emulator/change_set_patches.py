"""moto_compat's patches of CloudFormation's change sets and stack deletion, as the CDK CLI uses them."""

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

from stack_patches import (  # noqa: F401
    NotEmulatedResource,
    ResourceFailed,
    _dependency_order,
    _diff,
    _event,
    _message,
    _refs,
    _resolve,
    _resolved,
    _resource_operation,
)


def change_sets_by_stack():
    """moto finds a change set by its name alone (DescribeChangeSet: the region's last of that name; DeleteChangeSet:
    the first, or a server error when there is none), so the CDK CLI, which names every stack's change set
    cdk-deploy-change-set, reads another stack's and waits forever; and it keeps executed change sets. AWS finds a
    change set by name and stack (ChangeSetNotFound when there is none; deleting one that is not there succeeds, as
    the CDK CLI expects), and removes a stack's change sets once one is executed."""

    def find(backend, name, stack_name, missing_ok=False):
        if name in backend.change_sets or not stack_name:
            return name
        for arn, change_set in backend.change_sets.items():
            if change_set.change_set_name == name and stack_name in (change_set.stack_name, change_set.stack_id):
                return arn
        if missing_ok:
            return None
        raise CloudFormationError("ChangeSetNotFoundException", f"ChangeSet [{name}] does not exist")

    def describe_change_set(self):
        arn = find(self.cloudformation_backend, self._get_param("ChangeSetName"), self._get_param("StackName"))
        return ActionResult(self.cloudformation_backend.describe_change_set(change_set_name=arn))

    def delete_change_set(self):
        arn = find(self.cloudformation_backend, self._get_param("ChangeSetName"), self._get_param("StackName"), True)
        if arn is not None:
            self.cloudformation_backend.delete_change_set(change_set_name=arn)
        return EmptyResult()

    def execute_change_set(self):
        stack_name = self._get_param("StackName")
        arn = find(self.cloudformation_backend, self._get_param("ChangeSetName"), stack_name)
        self.cloudformation_backend.execute_change_set(change_set_name=arn, stack_name=stack_name)
        return EmptyResult()

    cfn_responses.CloudFormationResponse.describe_change_set = describe_change_set
    cfn_responses.CloudFormationResponse.delete_change_set = delete_change_set
    cfn_responses.CloudFormationResponse.execute_change_set = execute_change_set


def change_set_contents():
    """moto calls an UPDATE change set empty only when the template text and the parameters are the same, so an SSM
    parameter's new value is no change (and it refuses CreateChangeSet outright in some such cases, with "No updates
    are to be performed."); UsePreviousValue passes an SSM-typed parameter's resolved value where the stack was given
    the parameter's name. AWS lists what would change (a resource whose template changed or which uses a parameter
    whose value changed), calls a change set without changes FAILED "The submitted information didn't contain
    changes.", and UsePreviousValue reuses the value the stack was given."""
    original_init = cfn.ChangeSet.__init__
    original_create = cfn.CloudFormationBackend.create_change_set

    def change_set_init(self, change_set_type, change_set_id, change_set_name, stack, template, parameters, *a, **kw):
        self._parameters_for_diff = parameters
        original_init(self, change_set_type, change_set_id, change_set_name, stack, template, parameters, *a, **kw)

    def diff(self):
        actions = _diff(self.stack.resource_map, self.template_dict, self._parameters_for_diff)
        resources = {**self.stack.resource_map._resource_json_map, **(self.template_dict.get("Resources") or {})}
        return [cfn.Change(action, n, resources[n]["Type"]) for action, names in actions.items() for n in names]

    def create_change_set(self, stack_name, change_set_name, template, parameters, description, change_set_type,
                          *args, **kwargs):
        arn, stack_id = original_create(self, stack_name, change_set_name, template, parameters, description,
                                        change_set_type, *args, **kwargs)
        change_set, stack = self.change_sets[arn], self.stacks[stack_id]
        same_outputs = stack.template_dict.get("Outputs") == change_set.template_dict.get("Outputs")
        if change_set_type == "UPDATE" and not change_set.changes and same_outputs:
            change_set.status, change_set.execution_status = "FAILED", "UNAVAILABLE"
            change_set.status_reason = (
                "The submitted information didn't contain changes. Submit different information to create a change set."
            )
        else:
            change_set.status, change_set.execution_status = "CREATE_COMPLETE", "AVAILABLE"
            change_set.status_reason = None
        return arn, stack_id

    cfn.ChangeSet.__init__ = change_set_init
    cfn.ChangeSet.diff = diff
    cfn.CloudFormationBackend.create_change_set = create_change_set
    cfn_responses.CloudFormationResponse._validate_different_update = lambda self, *args: None
    cfn.Stack.stack_parameters = property(lambda self: {
        name: self.parameters.get(name, slot.get("Default"))
        for name, slot in (self.template_dict.get("Parameters") or {}).items()
    })


def execute_change_set_like_cloudformation():
    """moto's ExecuteChangeSet leaves the stack without the template's Outputs, Description and exports, and a
    resource's failure fails the API call itself (a server error) or leaves the stack complete. AWS gives the stack
    the new template's outputs and exports, and a failing resource fails the stack, with the resource's reason in its
    event: a failed creation is rolled back (ROLLBACK_COMPLETE, what was created deleted); a failed update here ends
    UPDATE_FAILED, as AWS does with --no-rollback (moto cannot restore the previous resources)."""

    def execute_change_set(self, change_set_name, stack_name=None):
        change_set = self.change_sets.get(change_set_name)
        if change_set is None:
            raise CloudFormationError("ChangeSetNotFoundException", f"ChangeSet [{change_set_name}] does not exist")
        if change_set.execution_status != "AVAILABLE":
            raise ValidationError(message=f"ChangeSet [{change_set_name}] cannot be executed in its current "
                                          f"execution status of [{change_set.execution_status}]")
        stack, kind = self.stacks[change_set.stack_id], change_set.change_set_type
        stack.resource_map._stack = stack
        stack._add_stack_event(f"{kind}_IN_PROGRESS", resource_status_reason="User Initiated")
        change_set.execution_status = "EXECUTE_COMPLETE"
        for arn in [a for a, c in self.change_sets.items() if c.stack_id == stack.stack_id]:
            del self.change_sets[arn]
        try:
            change_set.apply()
        except Exception as error:
            reason = _message(error)
            if isinstance(error, ResourceFailed):
                reason = f"The following resource(s) failed to {error.operation.lower()}: [{error.logical_id}]."
            stack.status, stack.status_reason = f"{kind}_FAILED", reason
            stack._add_stack_event(f"{kind}_FAILED", resource_status_reason=reason)
            if kind == "CREATE":
                stack._add_stack_event("ROLLBACK_IN_PROGRESS", resource_status_reason=reason)
                try:
                    stack.resource_map.delete()
                    stack.status = "ROLLBACK_COMPLETE"
                except Exception as rollback_error:
                    stack.status, stack.status_reason = "ROLLBACK_FAILED", _message(rollback_error)
                stack._add_stack_event(stack.status)
            return
        stack.template = change_set.template
        stack._parse_template()
        stack.description = stack.template_dict.get("Description")
        stack.parameters = change_set.parameters or {}
        stack.output_map = stack._create_output_map()
        for name in [n for n, e in self.exports.items() if e.exporting_stack_id == stack.stack_id]:
            del self.exports[name]
        self.exports.update({export.name: export for export in stack.exports})
        stack.status = f"{kind}_COMPLETE"
        stack._add_stack_event(f"{kind}_COMPLETE")

    cfn.CloudFormationBackend.execute_change_set = execute_change_set


def delete_stack_like_cloudformation():
    """moto's DeleteStack drops the stack from the region before deleting its resources, so a resource that cannot be
    deleted gives a server error and a stack nobody can see. AWS deletes in reverse dependency order; a resource that
    fails leaves the stack listed as DELETE_FAILED with the reason; deleting a stack that is not there succeeds."""

    def delete_stack(self, name_or_stack_id):
        stack = next((s for s in self.stacks.values() if name_or_stack_id in (s.name, s.stack_id)), None)
        if stack is None:
            return
        stack.resource_map._stack = stack
        stack._add_stack_event("DELETE_IN_PROGRESS", resource_status_reason="User Initiated")
        try:
            stack.resource_map.delete()
        except Exception as error:
            stack.status, stack.status_reason = "DELETE_FAILED", _message(error)
            stack._add_stack_event("DELETE_FAILED", resource_status_reason=_message(error))
            return
        stack.status = "DELETE_COMPLETE"
        stack._add_stack_event("DELETE_COMPLETE")
        self.deleted_stacks[stack.stack_id] = self.stacks.pop(stack.stack_id)
        for name in [n for n, e in self.exports.items() if e.exporting_stack_id == stack.stack_id]:
            del self.exports[name]

    cfn.CloudFormationBackend.delete_stack = delete_stack
