import { PermissionsBoundary } from 'aws-cdk-lib';
import type { AppConfig } from '../config/app-config';
import { CDK_EXAMPLE_PERMISSIONS_BOUNDARY } from '../config/environments-config';

/**
 * The permissions boundary of every role an environment's or a sandbox's stacks create (`config.permissionsBoundary`),
 * given to their stages: CDK applies it to each role in them. The pipeline's own roles, in the pipeline account, have
 * none: that account is bootstrapped and the pipeline deployed by hand.
 */
export function stagePermissionsBoundary(config: AppConfig): PermissionsBoundary | undefined {
  return config.permissionsBoundary ? PermissionsBoundary.fromName(config.permissionsBoundary) : undefined;
}

/** Where a boundary's name is resolved: what its placeholders stand for. */
export interface BoundaryTarget {
  readonly account: string;
  readonly region: string;
  readonly partition: string;
  /** The bootstrap qualifier. */
  readonly qualifier: string;
}

/**
 * The policy name `config.permissionsBoundary` stands for in one account and region: its placeholders
 * (`${AWS::AccountId}`, `${AWS::Region}`, `${AWS::Partition}`, `${Qualifier}`) filled in, as CDK fills them in a
 * role's `PermissionsBoundary`, and as the CLI's `--custom-permissions-boundary` wants it (a plain IAM name).
 */
export function boundaryPolicyName(boundary: string, target: BoundaryTarget): string {
  return boundary
    .split('${AWS::AccountId}')
    .join(target.account)
    .split('${AWS::Region}')
    .join(target.region)
    .split('${AWS::Partition}')
    .join(target.partition)
    .split('${Qualifier}')
    .join(target.qualifier);
}

/**
 * The permissions boundary `cdk bootstrap --example-permissions-boundary` means (`cdk-<qualifier>-permissions-boundary`
 * in the account): everything is allowed within it, but no role or user may be created, or have its boundary set, without
 * this very boundary, no boundary may be removed, and the policy itself may not be changed or deleted.
 *
 * `npm run bootstrap-policy` writes it for `aws iam create-policy` before the bootstrap: the pinned CLI (2.1148) creates
 * the policy only when its `GetPolicy` fails with an error *named* `NoSuchEntity`, and the AWS SDK v3 it bundles names
 * IAM's NoSuchEntity error `NoSuchEntityException`, so in an account without the policy the bootstrap stops at
 * "Policy ... not found" (the deploy suite shows it against the emulator, whose IAM errors have IAM's shape). With the
 * policy in place, the CLI finds it and bootstraps with it.
 */
export function exampleBoundaryDocument(target: Omit<BoundaryTarget, 'region'>) {
  const name = boundaryPolicyName(CDK_EXAMPLE_PERMISSIONS_BOUNDARY, { ...target, region: '' });
  const self = `arn:${target.partition}:iam::${target.account}:policy/${name}`;
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'ExplicitAllowAll', Effect: 'Allow', Action: ['*'], Resource: '*' },
      {
        Sid: 'DenyAccessIfRequiredPermBoundaryIsNotBeingApplied',
        Effect: 'Deny',
        Action: [
          'iam:CreateUser',
          'iam:CreateRole',
          'iam:PutRolePermissionsBoundary',
          'iam:PutUserPermissionsBoundary',
        ],
        Resource: '*',
        Condition: { StringNotEquals: { 'iam:PermissionsBoundary': self } },
      },
      {
        Sid: 'DenyPermBoundaryIAMPolicyAlteration',
        Effect: 'Deny',
        Action: [
          'iam:CreatePolicyVersion',
          'iam:DeletePolicy',
          'iam:DeletePolicyVersion',
          'iam:SetDefaultPolicyVersion',
        ],
        Resource: self,
      },
      {
        Sid: 'DenyRemovalOfPermBoundaryFromAnyUserOrRole',
        Effect: 'Deny',
        Action: ['iam:DeleteUserPermissionsBoundary', 'iam:DeleteRolePermissionsBoundary'],
        Resource: '*',
      },
    ],
  };
}
