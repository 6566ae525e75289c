/**
 * The CloudFormation execution policy an environment account is bootstrapped with, in place of AdministratorAccess:
 * derived from the templates of the stacks deployed there, so it allows the services those stacks use, IAM only on
 * the roles they create (within the permissions boundary, when one is configured), and SSM and S3 only on the
 * parameters and asset buckets they name.
 */
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { BOOTSTRAP_QUALIFIER } from '../config/naming';
import { boundaryPolicyName } from './permissions-boundary';

/** The IAM prefix of the service behind each resource type's `AWS::<Service>::` (custom resources: Lambda). */
export const SERVICE_PREFIXES: Readonly<Record<string, string>> = {
  ApiGateway: 'apigateway',
  ApiGatewayV2: 'apigateway',
  CloudWatch: 'cloudwatch',
  CodeDeploy: 'codedeploy',
  DynamoDB: 'dynamodb',
  EC2: 'ec2',
  Events: 'events',
  KMS: 'kms',
  Lambda: 'lambda',
  Logs: 'logs',
  S3: 's3',
  Scheduler: 'scheduler',
  SecretsManager: 'secretsmanager',
  SNS: 'sns',
  SQS: 'sqs',
  StepFunctions: 'states',
  XRay: 'xray',
};

/**
 * The service-linked role a service creates the first time a resource of its type is created in an account, which
 * the caller (the execution role) must be allowed to create: by `AWS::<Service>::`, the service's principal and the
 * role's path and name.
 */
export const SERVICE_LINKED_ROLES: Readonly<Record<string, { service: string; role: string }>> = {
  ApiGateway: { service: 'ops.apigateway.amazonaws.com', role: 'AWSServiceRoleForAPIGateway' },
  ApiGatewayV2: { service: 'ops.apigateway.amazonaws.com', role: 'AWSServiceRoleForAPIGateway' },
};

/** Resource types that need no permission of the execution role (CDK's metadata) or are handled apart. */
const NO_SERVICE = new Set(['AWS::CDK::Metadata']);
const HANDLED_APART = new Set(['AWS::IAM::Role', 'AWS::IAM::Policy', 'AWS::SSM::Parameter']);

/** IAM actions on the stacks' own roles, which the boundary condition can bound. */
const BOUNDED_ROLE_ACTIONS = [
  'iam:AttachRolePolicy',
  'iam:CreateRole',
  'iam:DeleteRolePolicy',
  'iam:DetachRolePolicy',
  'iam:PutRolePermissionsBoundary',
  'iam:PutRolePolicy',
];
/** IAM actions on the stacks' own roles that no boundary condition applies to. */
const ROLE_ACTIONS = [
  'iam:DeleteRole',
  'iam:GetRole',
  'iam:GetRolePolicy',
  'iam:ListAttachedRolePolicies',
  'iam:ListRolePolicies',
  'iam:ListRoleTags',
  'iam:TagRole',
  'iam:UntagRole',
  'iam:UpdateAssumeRolePolicy',
  'iam:UpdateRole',
  'iam:UpdateRoleDescription',
];

/** IAM's limit on a managed policy document, whitespace not counted. */
export const MAX_MANAGED_POLICY_CHARACTERS = 6144;

/** The parts of a synthesized CloudFormation template the policy reads. */
export interface StackTemplate {
  readonly Resources?: Record<string, { readonly Type: string; readonly Properties?: Record<string, unknown> }>;
  readonly Parameters?: Record<string, { readonly Type: string; readonly Default?: unknown }>;
}

/** One stack to be deployed with the policy. */
export interface DeployedStack {
  readonly stackName: string;
  readonly account: string;
  readonly region: string;
  readonly template: StackTemplate;
}

/** A role's trust policy, as far as the policy reads it. */
interface TrustPolicy {
  readonly Statement?: readonly { readonly Principal?: { readonly Service?: unknown } }[];
}

/** The execution policy of one account, for every region and stack of the app there. */
export interface ExecutionPolicy {
  readonly account: string;
  readonly regions: readonly string[];
  readonly policyName: string;
  readonly document: { Version: string; Statement: Record<string, unknown>[] };
}

/** Props of {@link executionPolicies}. */
export interface ExecutionPoliciesProps {
  readonly appName: string;
  readonly stacks: readonly DeployedStack[];
  /** `config.permissionsBoundary`, placeholders and all. */
  readonly permissionsBoundary?: string;
  /** @default 'hnb659fds' */
  readonly qualifier?: string;
}

/** Why a policy cannot be derived: resource types it does not know, or a document over IAM's size limit. */
export class ExecutionPolicyError extends Error {}

/** The policy name in every account: `<app>-cdk-execution`. */
export function executionPolicyName(appName: string): string {
  return `${appName}-cdk-execution`;
}

/** One execution policy per account that the stacks deploy to. */
export function executionPolicies(props: ExecutionPoliciesProps): ExecutionPolicy[] {
  const accounts = [...new Set(props.stacks.map((s) => s.account))].sort();
  const unknown = new Set<string>();
  const policies = accounts.map((account) =>
    policyOf(
      account,
      props.stacks.filter((s) => s.account === account),
      props,
      unknown,
    ),
  );
  if (unknown.size > 0) {
    throw new ExecutionPolicyError(
      `The stacks create resource types the execution policy does not know: ${[...unknown].sort().join(', ')}. ` +
        'Fix: add each service to SERVICE_PREFIXES in lib/policy/execution-policy.ts (AWS::<Service>:: -> its IAM prefix).',
    );
  }
  for (const policy of policies) {
    const size = JSON.stringify(policy.document).length;
    if (size > MAX_MANAGED_POLICY_CHARACTERS) {
      throw new ExecutionPolicyError(
        `The execution policy of account ${policy.account} has ${size} characters, over IAM's ` +
          `${MAX_MANAGED_POLICY_CHARACTERS}. Fix: split the account's stacks across fewer names, or attach a second ` +
          'policy with `--cloudformation-execution-policies` holding part of the statements.',
      );
    }
  }
  return policies;
}

function policyOf(
  account: string,
  stacks: readonly DeployedStack[],
  props: ExecutionPoliciesProps,
  unknown: Set<string>,
): ExecutionPolicy {
  const regions = [...new Set(stacks.map((s) => s.region))].sort();
  const partition = RegionInfo.get(regions[0]).partition ?? 'aws';
  const qualifier = props.qualifier ?? BOOTSTRAP_QUALIFIER;
  const services = new Set<string>();
  const roleArns = new Set<string>();
  const passedTo = new Set<string>();
  const parameterArns = new Set<string>();
  const buckets = new Set<string>();
  const linkedRoles = new Map<string, string>();

  for (const stack of stacks) {
    for (const resource of Object.values(stack.template.Resources ?? {})) {
      const type: string = resource.Type;
      const service = /^AWS::(\w+)::/.exec(type)?.[1];
      if (type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource') services.add('lambda');
      else if (type === 'AWS::IAM::Role') {
        const name = resource.Properties?.RoleName;
        const trust = resource.Properties?.AssumeRolePolicyDocument as TrustPolicy | undefined;
        // CloudFormation names a role it names itself `<stack name>-<logical id>-<suffix>`.
        roleArns.add(
          `arn:${partition}:iam::${account}:role/${typeof name === 'string' ? name : `${stack.stackName}-*`}`,
        );
        for (const statement of trust?.Statement ?? [])
          for (const principal of [statement.Principal?.Service ?? []].flat())
            if (typeof principal === 'string') passedTo.add(principal);
      } else if (type === 'AWS::SSM::Parameter') {
        const name = resource.Properties?.Name;
        if (typeof name === 'string') parameterArns.add(parameterArn(partition, stack.region, account, name));
        else parameterArns.add(`arn:${partition}:ssm:${stack.region}:${account}:parameter/CFN-*`);
      } else if (!NO_SERVICE.has(type) && !HANDLED_APART.has(type)) {
        const prefix = service ? SERVICE_PREFIXES[service] : undefined;
        if (prefix) services.add(prefix);
        else unknown.add(type);
        const linked = service ? SERVICE_LINKED_ROLES[service] : undefined;
        if (linked) linkedRoles.set(linked.service, linked.role);
      }
      for (const bucket of literalBuckets(resource.Properties)) buckets.add(bucket);
    }
    // CloudFormation resolves SSM-typed parameters (the layer versions, the bootstrap version) as the role.
    for (const parameter of Object.values(stack.template.Parameters ?? {})) {
      if (String(parameter.Type).startsWith('AWS::SSM::Parameter::Value') && typeof parameter.Default === 'string')
        parameterArns.add(parameterArn(partition, stack.region, account, parameter.Default));
    }
  }

  // A boundary named after its region is a different policy in each region.
  const boundary = props.permissionsBoundary;
  const boundaries = boundary
    ? [
        ...new Set(
          regions.map(
            (region) =>
              `arn:${partition}:iam::${account}:policy/${boundaryPolicyName(boundary, { account, region, partition, qualifier })}`,
          ),
        ),
      ]
    : undefined;
  const roles = [...roleArns].sort();
  const statements: Record<string, unknown>[] = [
    {
      Sid: 'ServicesTheStacksUse',
      Effect: 'Allow',
      Action: [...services].sort().map((s) => `${s}:*`),
      Resource: '*',
    },
  ];
  if (roles.length > 0) {
    statements.push(
      ...boundedStatements(boundaries, roles),
      { Sid: 'ManageTheStacksRoles', Effect: 'Allow', Action: ROLE_ACTIONS, Resource: roles },
      {
        Sid: 'PassTheStacksRolesToTheirServices',
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: roles,
        Condition: { StringEquals: { 'iam:PassedToService': [...passedTo].sort() } },
      },
    );
  }
  if (linkedRoles.size > 0) {
    statements.push({
      Sid: 'TheServiceLinkedRolesOfTheServices',
      Effect: 'Allow',
      Action: 'iam:CreateServiceLinkedRole',
      Resource: [...linkedRoles]
        .sort()
        .map(([service, role]) => `arn:${partition}:iam::${account}:role/aws-service-role/${service}/${role}`),
      Condition: { StringEquals: { 'iam:AWSServiceName': [...linkedRoles.keys()].sort() } },
    });
  }
  if (parameterArns.size > 0) {
    statements.push({
      Sid: 'TheStacksParameters',
      Effect: 'Allow',
      Action: [
        'ssm:AddTagsToResource',
        'ssm:DeleteParameter',
        'ssm:GetParameter',
        'ssm:GetParameters',
        'ssm:ListTagsForResource',
        'ssm:PutParameter',
        'ssm:RemoveTagsFromResource',
      ],
      Resource: [...parameterArns].sort(),
    });
  }
  const assetBuckets = [...buckets].filter((b) => b.startsWith(`cdk-${qualifier}-assets-${account}-`));
  if (assetBuckets.length > 0) {
    statements.push({
      Sid: 'ReadTheAssetsLambdaDeploys',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:GetObjectVersion'],
      Resource: assetBuckets.sort().map((b) => `arn:${partition}:s3:::${b}/*`),
    });
  }
  if (boundaries) {
    statements.push({
      Sid: 'KeepTheBoundary',
      Effect: 'Deny',
      Action: ['iam:DeleteRolePermissionsBoundary'],
      Resource: '*',
    });
  }
  return {
    account,
    regions,
    policyName: executionPolicyName(props.appName),
    document: { Version: '2012-10-17', Statement: statements },
  };
}

/** Creating a role and changing its policies: only with the boundary, when there is one. */
function boundedStatements(boundaries: readonly string[] | undefined, roles: string[]) {
  if (!boundaries)
    return [{ Sid: 'CreateTheStacksRoles', Effect: 'Allow', Action: BOUNDED_ROLE_ACTIONS, Resource: roles }];
  return [
    {
      Sid: 'CreateTheStacksRolesWithinTheBoundary',
      Effect: 'Allow',
      Action: BOUNDED_ROLE_ACTIONS,
      Resource: roles,
      Condition: { StringEquals: { 'iam:PermissionsBoundary': boundaries.length === 1 ? boundaries[0] : boundaries } },
    },
  ];
}

function parameterArn(partition: string, region: string, account: string, name: string): string {
  return `arn:${partition}:ssm:${region}:${account}:parameter/${name.replace(/^\//, '')}`;
}

/** Literal `S3Bucket` values anywhere under a resource's properties (Lambda code, layer content). */
function literalBuckets(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(literalBuckets);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, v]) =>
    key === 'S3Bucket' && typeof v === 'string' ? [v] : literalBuckets(v),
  );
}
