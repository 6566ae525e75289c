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
} satisfies Record<string, NagAcknowledgement>;

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
  ownLayerVersions: (layerArn: string): NagAcknowledgement => ({
    id: `AwsSolutions-IAM5[Resource::${layerArn}]`,
    reason:
      'Reads the versions of one layer of this environment, by its name: the wildcard stands for the version number, which every release of the layer increments.',
  }),
};

/** Records acknowledgements on one construct. */
export function acknowledge(scope: IConstruct, ...acknowledgements: NagAcknowledgement[]): void {
  Validations.of(scope).acknowledge(...acknowledgements);
}
