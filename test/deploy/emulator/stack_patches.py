"""moto_compat's patches of CloudFormation's resources: types it does not model, and stack updates in the order
of their references."""

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

from not_emulated import NOT_EMULATED


class NotEmulatedResource:
    """Stands for a resource of a NOT_EMULATED type: nothing is created; its Ref and attributes are placeholders."""

    def __init__(self, logical_id):
        self.physical_resource_id = f"{logical_id}-not-emulated"

    def get_cfn_attribute(self, attr):
        return f"{self.physical_resource_id}-{attr}"

    @classmethod
    def has_cfn_attr(cls, attr):
        return True

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        return cls(kwargs["LogicalId"])

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, *args, **kwargs):
        return original_resource

    def delete(self, account_id, region_name):
        pass


def unknown_resource_types_fail():
    """moto's CloudFormation logs a resource type it does not model, skips it (a Ref to it is empty, "None" in a
    Fn::Join) and still reports the stack complete. AWS creates every resource or fails the stack. Here a NOT_EMULATED
    type is stood in for by a placeholder (Ref "<LogicalId>-not-emulated", its events say NOT EMULATED), and any other
    unmodelled type fails its resource, so the stack."""
    original = parsing.resource_class_from_type

    def resource_class_from_type(resource_type):
        if resource_type in NOT_EMULATED:
            return NotEmulatedResource
        cls = original(resource_type)
        if cls is None and resource_type not in parsing.NULL_MODELS:
            raise ValidationError(message=f"{resource_type} is not emulated (moto {moto.__version__}, moto_compat.py)")
        return cls

    parsing.resource_class_from_type = resource_class_from_type


def _refs(node):
    """The logical ids (or parameters) a template fragment refers to: Ref, Fn::GetAtt, Fn::Sub."""
    found = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                found.add(value[0] if isinstance(value, list) else value.split(".")[0])
            elif key == "Fn::Sub":
                text = value[0] if isinstance(value, list) else value
                found |= {m.split(".")[0] for m in re.findall(r"\$\{([^!}][^}]*)\}", text)}
                found |= _refs(value[1]) if isinstance(value, list) else set()
            else:
                found |= _refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= _refs(value)
    return found


def _dependency_order(resources):
    """Logical ids, each after what it refers to or DependsOn."""
    order, done = [], set()

    def visit(name, path):
        if name in done or name not in resources:
            return
        if name in path:
            raise ValidationError(message=f"Circular dependency between resources: {sorted(path)}")
        depends = resources[name].get("DependsOn", [])
        for dep in sorted(_refs(resources[name]) | set([depends] if isinstance(depends, str) else depends)):
            visit(dep, path | {name})
        done.add(name)
        order.append(name)

    for name in resources:
        visit(name, frozenset())
    return order


def _diff(rmap, template, parameters):
    """What a template changes: Add, Modify (its template, or the value of a parameter it uses, changed), Remove."""
    old, new = rmap._resource_json_map, template.get("Resources") or {}
    changed = set()
    for name, slot in (template.get("Parameters") or {}).items():
        value = (parameters or {}).get(name, slot.get("Default"))
        if value is not None and slot.get("Type", "").startswith("AWS::SSM::Parameter::"):
            try:
                value = rmap.parse_ssm_parameter(value, slot["Type"])  # its value now
            except AttributeError:  # moto: no such parameter
                raise ValidationError(message=f"Unable to fetch parameters [{value}] from parameter store for this "
                                              "account.") from None
        if rmap.resolved_parameters.get(name) != value:
            changed.add(name)
    return {
        "Add": [n for n in new if n not in old],
        "Modify": [n for n in new if n in old and (new[n] != old[n] or _refs(new[n]) & changed)],
        "Remove": [n for n in old if n not in new],
    }


class ResourceFailed(Exception):
    def __init__(self, logical_id, resource_type, operation, error):
        self.logical_id, self.operation, self.reason = logical_id, operation, _message(error)
        super().__init__(f"{logical_id} ({resource_type}) {operation}_FAILED: {self.reason}")


def _message(error):
    return getattr(error, "message", None) or (error.args[0] if error.args else repr(error))


def _event(rmap, logical_id, resource_type, status, reason=None, physical_id=""):
    stack = rmap.__dict__.get("_stack") or cfn.cloudformation_backends[rmap._account_id][rmap._region_name].stacks.get(
        rmap.stack_id
    )
    if resource_type in NOT_EMULATED:
        reason = f"NOT EMULATED: {NOT_EMULATED[resource_type]}"
    if stack is not None:
        stack.events.append(
            cfn.Event(stack.stack_id, stack.name, logical_id, physical_id, resource_type, status, reason, None)
        )


def _resource_operation(rmap, logical_id, resource_type, operation, action):
    """Runs a resource's create, update or delete: its event, or a ResourceFailed with the reason."""
    try:
        resource = action()
    except ResourceFailed:
        raise
    except Exception as error:
        _event(rmap, logical_id, resource_type, f"{operation}_FAILED", _message(error))
        raise ResourceFailed(logical_id, resource_type, operation, error) from error
    if resource is not None:
        physical_id = str(getattr(resource, "physical_resource_id", "") or "")
        _event(rmap, logical_id, resource_type, f"{operation}_COMPLETE", physical_id=physical_id)
    return resource


def _resolved(rmap):
    """The resolved properties of each resource as last created or updated."""
    return rmap.__dict__.setdefault("_resolved", {})


def _resolve(rmap, resource_json):
    resolved = parsing.clean_json(copy.deepcopy(resource_json.get("Properties", {})), rmap)
    leftover = re.search(r"'(Ref|Fn::\w+)':", repr(resolved))
    if leftover:
        raise ValidationError(message=f"{leftover.group(1)} in its properties cannot be resolved")
    return resolved


def stack_updates_like_cloudformation():
    """moto's stack update (UpdateStack, ExecuteChangeSet) updates only resources whose template text changed, in no
    dependency order, ignores a changed value of an SSM-typed parameter, sets a resource its type cannot update to
    None, deletes removed resources first, and creates, on a read (DescribeStackResources), any resource a failed
    creation left out. So a new layer version leaves its SSM parameter stale, and the functions on the old layer.
    AWS updates, in dependency order, every resource whose resolved properties changed (its template, a parameter's
    value, or the physical id or attribute of what it refers to), replaces what cannot be updated in place, deletes
    removed and replaced resources last (in reverse order, as a stack deletion), and fails the stack on a resource's
    failure with the reason in that resource's event."""
    original_create = parsing.parse_and_create_resource

    def parse_and_create_resource(logical_id, resource_json, resources_map, account_id, region_name):
        def create():
            resource = original_create(logical_id, resource_json, resources_map, account_id, region_name)
            if resource is not None:
                _resolved(resources_map)[logical_id] = _resolve(resources_map, resource_json)
            return resource

        return _resource_operation(resources_map, logical_id, resource_json["Type"], "CREATE", create)

    def update_one(rmap, name, resource_json, old, old_json, leftovers):
        cls = parsing.resource_class_from_type(resource_json["Type"])
        if resource_json["Type"] != old_json["Type"]:
            raise ValidationError(message=f"Update of resource type is not permitted ({name})")
        if hasattr(cls.update_from_cloudformation_json, "__isabstractmethod__"):
            del rmap._parsed_resources[name]  # replaced: a new one now, the old one deleted last
            if old_json.get("UpdateReplacePolicy") != "Retain":
                leftovers.append((name, old, old_json))
            return rmap[name]
        new = _resource_operation(rmap, name, resource_json["Type"], "UPDATE", lambda: (
            parsing.parse_and_update_resource(name, resource_json, rmap, rmap._account_id, rmap._region_name)
        ))
        rmap._parsed_resources[name] = new
        _resolved(rmap)[name] = _resolve(rmap, resource_json)

    def update(self, template, parameters=None):
        actions = _diff(self, template, parameters)
        old_json, old_parsed = self._resource_json_map, dict(self._parsed_resources)
        self._template = template
        if parameters is not None:
            self.input_parameters = parameters
        self.load_mapping()
        self.load_parameters()
        self.load_conditions()
        self._resource_json_map = template.get("Resources") or {}
        leftovers = []  # (logical id, resource, its old template) to delete last
        for name in _dependency_order(self._resource_json_map):
            resource_json = self._resource_json_map[name]
            if resource_json.get("Condition") and not self.lazy_condition_map[resource_json["Condition"]]:
                continue
            if old_parsed.get(name) is None:
                self[name]  # the lazy map creates it
            elif name in actions["Modify"] or _resolve(self, resource_json) != _resolved(self).get(name):
                update_one(self, name, resource_json, old_parsed[name], old_json[name], leftovers)
        for name in reversed(_dependency_order(old_json)):
            if name in actions["Remove"] and old_parsed.get(name) is not None:
                self._parsed_resources.pop(name, None)
                if old_json[name].get("DeletionPolicy") != "Retain":
                    leftovers.append((name, old_parsed[name], old_json[name]))
        for name, old, resource_json in leftovers:
            _resource_operation(self, name, resource_json["Type"], "DELETE",
                                lambda: self._delete_resource(old, resource_json))
            _event(self, name, resource_json["Type"], "DELETE_COMPLETE")

    def delete(self):
        for name in reversed(_dependency_order(self._resource_json_map)):
            resource, resource_json = self._parsed_resources.get(name), self._resource_json_map[name]
            if resource is None or isinstance(resource, str) or resource_json.get("DeletionPolicy") == "Retain":
                continue
            _resource_operation(self, name, resource_json["Type"], "DELETE",
                                lambda: self._delete_resource(resource, resource_json))
            self._parsed_resources.pop(name)
            _event(self, name, resource_json["Type"], "DELETE_COMPLETE")

    parsing.parse_and_create_resource = parse_and_create_resource
    parsing.ResourceMap.update = update
    parsing.ResourceMap.delete = delete
    cfn.Stack.stack_resources = property(lambda self: [
        r for n, r in self.resource_map._parsed_resources.items() if n in self.resource_map._resource_json_map and r
    ])
