import { Arn, Stack } from 'aws-cdk-lib';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { CodePipeline, Wave } from 'aws-cdk-lib/pipelines';
import type { EnvironmentConfig } from '../lib/config/environments-config';
import { alarmReaderRoleName, environmentHealthAlarmName } from '../lib/config/naming';
import { environmentsRead, GatedEnvironment, HealthAlarmReader, promotionGates, StageGates } from './promotion-gates';

/**
 * The name of the pipeline stage CDK Pipelines makes of a wave: the wave's id, or, when it holds a single stage, that
 * stage's name.
 */
export function pipelineStageOf(wave: Wave): string {
  return wave.stages.length === 1 ? wave.stages[0].stageName : wave.id;
}

/** Where the rules read an environment's health alarm: its health stack's alarm, through its alarm reader role. */
export function healthAlarmReader(scope: Stack, appName: string, environment: EnvironmentConfig): HealthAlarmReader {
  return {
    alarmName: environmentHealthAlarmName(appName, environment.name),
    roleArn: Arn.format(
      {
        service: 'iam',
        region: '',
        account: environment.account,
        resource: 'role',
        resourceName: alarmReaderRoleName(appName, environment.name),
      },
      scope,
    ),
    region: environment.region,
  };
}

/**
 * Sets the promotion gates (see `promotion-gates.ts`) on the stages of a built CDK Pipelines pipeline, and lets the
 * pipeline's role assume the roles their rules read alarms with. CDK Pipelines creates the underlying stages without
 * conditions and `codepipeline.IStage` cannot take them afterwards, so they are set on the `AWS::CodePipeline::Pipeline`
 * resource, by the position of each stage once `buildPipeline()` has made them all. Conditions need a V2 pipeline.
 */
export function applyPromotionGates(
  pipeline: CodePipeline,
  appName: string,
  environments: readonly GatedEnvironment[],
): Map<string, StageGates> {
  const underlying = pipeline.pipeline;
  const stack = Stack.of(underlying);
  const cfn = underlying.node.defaultChild as codepipeline.CfnPipeline;
  if (cfn.pipelineType !== codepipeline.PipelineType.V2) {
    throw new Error(`stage conditions need a V2 pipeline; ${underlying.node.path} is ${cfn.pipelineType ?? 'V1'}`);
  }
  const gates = promotionGates(environments, (environment) => healthAlarmReader(stack, appName, environment));
  const names = underlying.stages.map((s) => s.stageName);
  for (const [stageName, stageGates] of gates) {
    const index = names.indexOf(stageName);
    if (index < 0) throw new Error(`no stage ${stageName} in the pipeline (stages: ${names.join(', ')})`);
    for (const [kind, value] of Object.entries(stageGates)) cfn.addPropertyOverride(`Stages.${index}.${kind}`, value);
  }
  const readers = environmentsRead(environments).map((e) => healthAlarmReader(stack, appName, e).roleArn);
  if (readers.length > 0) {
    underlying.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadTheEnvironmentsHealthAlarms',
        actions: ['sts:AssumeRole'],
        resources: readers,
      }),
    );
  }
  return gates;
}
