/**
 * Every cdk-nag finding this project acknowledges instead of fixing, with why it is safe: one list per concern,
 * each entry one finding id. Applied on the narrowest construct by the code that creates it.
 */
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** An acknowledged finding: one finding id and the reason it is safe. */
export interface NagAcknowledgement {
  readonly id: string;
  readonly reason: string;
}

/** Findings on the application's functions. */
export const FUNCTION_ACKNOWLEDGEMENTS = {
  pinnedRuntime: {
    id: 'AwsSolutions-L1',
    reason:
      'The runtime is pinned in config.functions.<name>.runtime on purpose: the layers it uses carry native wheels ' +
      'built for that Python version, so the runtime moves with the layers, in one reviewed change. ' +
      'The configuration check rejects runtimes Lambda has deprecated.',
  },
  tracingWrites: {
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Active X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords, the only actions of the statement, ' +
      'support no resource-level permissions, so X-Ray requires the resource "*" for them (they write trace data ' +
      'and can read or change nothing).',
  },
} satisfies Record<string, NagAcknowledgement>;

/** Findings on the queues that are themselves dead-letter queues. */
export const QUEUE_ACKNOWLEDGEMENTS = {
  deadLetterQueue: (what: string): NagAcknowledgement => ({
    id: 'AwsSolutions-SQS3',
    reason:
      `This queue is itself the dead-letter queue of ${what}: it keeps what could not be delivered for two weeks, ` +
      'and a dead-letter queue of its own would have nothing to catch. (cdk-nag recognises only a redrive policy or ' +
      "a function's DeadLetterConfig as a dead-letter use.)",
  }),
};

/** Findings on the HTTP APIs of the function stacks. */
export const HTTP_API_ACKNOWLEDGEMENTS = {
  publicRoute: (fn: string, route: { readonly method: string; readonly path: string }): NagAcknowledgement => ({
    id: 'AwsSolutions-APIG4',
    reason:
      `The route ${route.method} ${route.path} of ${fn} is public on purpose: its configuration says ` +
      '"authorization": "none", which must be written for every public route (no route is public by default). ' +
      "The stage's throttling still limits it, and its access logs record every call.",
  }),
};

/** Findings on the CodeDeploy releases of the functions. */
export const RELEASE_ACKNOWLEDGEMENTS = {
  codeDeployManagedPolicy: {
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited]',
    reason:
      "CodeDeploy's service role for Lambda deployments uses the AWS-managed Limited policy made for it: it may " +
      'read and update Lambda aliases and describe alarms, the least a traffic shift with alarm rollback needs, and ' +
      'AWS keeps it current as the service changes.',
  },
} satisfies Record<string, NagAcknowledgement>;

/** Findings on the role through which the pipeline's smoke test reaches a function stack. */
export const SMOKE_TEST_ACKNOWLEDGEMENTS = {
  ownStackOutputs: (stackArn: string): NagAcknowledgement => ({
    id: `AwsSolutions-IAM5[Resource::${stackArn}]`,
    reason:
      "Reads the outputs of this one stack only: the wildcard stands for the id CloudFormation appends to the stack's ARN, unknown until the stack exists.",
  }),
  ownRoutes: (routeArn: unknown): NagAcknowledgement => ({
    id: `AwsSolutions-IAM5[Resource::${flatten(routeArn)}]`,
    reason:
      "Calls one route of this stack's HTTP API, by its method and path: the wildcards stand for the stage (the API " +
      'has one, $default) and for the values of path parameters, which the smoke test chooses.',
  }),
  ownLayerVersions: (layerArn: string): NagAcknowledgement => ({
    id: `AwsSolutions-IAM5[Resource::${layerArn}]`,
    reason:
      'Reads the versions of one layer of this environment, by its name: the wildcard stands for the version number, which every release of the layer increments.',
  }),
};

/**
 * A resolved ARN as cdk-nag writes it in a finding id: `Fn::Join` flattened, `{"Ref": "X"}` as `<X>` and
 * `{"Fn::GetAtt": ["X", "Y"]}` as `<X.Y>`.
 */
function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(flatten).join('');
  const v = (value ?? {}) as Record<string, unknown>;
  const join = v['Fn::Join'] as [string, unknown[]] | undefined;
  if (join) return join[1].map(flatten).join(join[0]);
  if (typeof v.Ref === 'string') return `<${v.Ref}>`;
  const getAtt = v['Fn::GetAtt'] as string[] | undefined;
  if (getAtt) return `<${getAtt.join('.')}>`;
  return JSON.stringify(value);
}

/** Records acknowledgements on one construct. */
export function acknowledge(scope: IConstruct, ...acknowledgements: NagAcknowledgement[]): void {
  Validations.of(scope).acknowledge(...acknowledgements);
}
