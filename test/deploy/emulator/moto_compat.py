"""Patches moto 5.2.1, in-process, where it differs from AWS in what the deploy suite deploys and reads back.

Each patch is one function, in the module of its service (lambda_patches, iam_sts_patches, stack_patches,
change_set_patches), registered in PATCHES below; its docstring says what moto 5.2.1 does and what AWS does.
Nothing here makes moto answer better than AWS would: each patch makes it answer as AWS does, or fail as AWS does.
Resource types moto's CloudFormation does not create are listed in NOT_EMULATED, with the reason: a stack holding
one still deploys (its Ref is a visible placeholder), and the suite reports the type as not emulated, never checked.
A type neither modelled nor listed fails its stack, instead of moto's silent skip.
"""

import moto

if moto.__version__ != "5.2.1":
    raise RuntimeError(
        f"test/deploy/emulator/moto_compat.py patches moto 5.2.1 exactly, and this is moto {moto.__version__}: "
        "install it with pip install 'moto[server]==5.2.1' (or review every patch against the new version first)"
    )

from moto.cloudformation import parsing  # noqa: E402

from change_set_patches import (  # noqa: E402
    change_set_contents,
    change_sets_by_stack,
    delete_stack_like_cloudformation,
    execute_change_set_like_cloudformation,
)
from iam_sts_patches import assume_role_needs_trust, iam_permissions_boundary_must_exist  # noqa: E402
from lambda_patches import (  # noqa: E402
    account_settings,
    alias_from_cloudformation,
    function_from_cloudformation,
    generated_names_fit,
    get_layer_version_by_arn,
    lambda_invoke_without_docker,
    layer_version_from_cloudformation,
    permission_from_cloudformation,
    version_from_cloudformation,
    version_numbers_never_reused,
)
from not_emulated import NOT_EMULATED  # noqa: E402
from stack_patches import stack_updates_like_cloudformation, unknown_resource_types_fail  # noqa: E402

_applied = False


def apply():
    """Applies every patch of PATCHES (at the end of this file), once."""
    global _applied
    if not _applied:
        for fn in PATCHES:
            fn()
        _applied = True


def list_types():
    modelled = sorted(t for t in parsing.get_model_map() if t.startswith("AWS::") and t not in NOT_EMULATED)
    return {"version": moto.__version__, "modelled": modelled, "notEmulated": NOT_EMULATED}


PATCHES = [
    lambda_invoke_without_docker,
    layer_version_from_cloudformation,
    get_layer_version_by_arn,
    account_settings,
    function_from_cloudformation,
    version_numbers_never_reused,
    version_from_cloudformation,
    permission_from_cloudformation,
    alias_from_cloudformation,
    generated_names_fit,
    iam_permissions_boundary_must_exist,
    unknown_resource_types_fail,
    stack_updates_like_cloudformation,
    change_sets_by_stack,
    change_set_contents,
    execute_change_set_like_cloudformation,
    delete_stack_like_cloudformation,
    assume_role_needs_trust,
]
