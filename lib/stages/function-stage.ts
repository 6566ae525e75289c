import { Stage, StageProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { FunctionConfig } from '../config/functions-config';
import { FunctionStack } from '../constructs/function-stack';
import type { LayerStage } from './layer-stage';
import { appTags, functionStackName, pascalCase } from '../config/naming';
import type { Services } from '../service';

/** Props of {@link FunctionStage}. */
export interface FunctionStageProps extends StageProps {
  readonly appName: string;
  /**
   * The layer stage of the same environment. CloudFormation cannot order stacks of different stages, so this is
   * the explicit dependency: the pipeline deploys this stage in a wave after that stage's wave.
   */
  readonly layerStage: LayerStage;
  /** The function stacks of this stage: stack name to its functions. */
  readonly stacks: ReadonlyMap<string, readonly FunctionConfig[]>;
  readonly projectRoot: string;
  /** The account of the pipeline, whose smoke test may assume each stack's smoke-test role. */
  readonly pipelineAccount: string;
  /**
   * The service modules, by stack name (`lib/services/index.ts`).
   * @default - none
   */
  readonly services?: Services;
}

/**
 * Function stacks of one environment, deployed in a wave after the layer stage. The pipeline gives every function
 * stack a stage of its own (see `createEnvironmentStages`), so that waves can group stacks without renaming any.
 */
export class FunctionStage extends Stage {
  readonly layerStage: LayerStage;
  readonly functionStacks: readonly FunctionStack[];

  constructor(scope: Construct, id: string, props: FunctionStageProps) {
    super(scope, id, props);
    this.layerStage = props.layerStage;
    const environment = props.layerStage.environment;
    this.functionStacks = [...props.stacks].map(
      ([stackName, functions]) =>
        new FunctionStack(this, pascalCase(stackName), {
          // The same name whichever stage and wave holds the stack: its identity in the account.
          stackName: functionStackName(environment.name, stackName),
          appName: props.appName,
          environmentName: environment.name,
          name: stackName,
          pipelineAccount: props.pipelineAccount,
          functions,
          layers: props.layerStage.references,
          projectRoot: props.projectRoot,
          deployment: environment.deployment,
          alarms: environment.alarms,
          service: props.services?.[stackName],
          healthAlarm: true,
          env: { account: environment.account, region: environment.region },
          tags: appTags(props.appName),
          description: `${props.appName} functions: ${stackName} (${environment.name})`,
        }),
    );
  }
}

/** Groups functions by their `stack` setting, in the order the stacks first appear. */
export function functionStacksOf(functions: readonly FunctionConfig[]): Map<string, FunctionConfig[]> {
  const stacks = new Map<string, FunctionConfig[]>();
  for (const fn of functions) {
    stacks.set(fn.stack, [...(stacks.get(fn.stack) ?? []), fn]);
  }
  return stacks;
}
