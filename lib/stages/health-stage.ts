import { Stage, StageProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/environments-config';
import { appTags, healthStackName } from '../config/naming';
import { EnvironmentHealthStack } from '../constructs/environment-health-stack';

/** Props of {@link HealthStage}. */
export interface HealthStageProps extends StageProps {
  readonly appName: string;
  readonly environment: EnvironmentConfig;
  /** The environment's function stacks, by their configured names. */
  readonly stacks: readonly string[];
  /** The pipeline's account, whose stage conditions read the environment's health alarm. */
  readonly pipelineAccount: string;
}

/**
 * The last stage of an environment: its health alarm, made of its function stacks' health alarms, so it is deployed
 * after all of them (CloudWatch creates a composite alarm only once the alarms it names exist).
 */
export class HealthStage extends Stage {
  readonly environment: EnvironmentConfig;
  readonly healthStack: EnvironmentHealthStack;

  constructor(scope: Construct, id: string, props: HealthStageProps) {
    super(scope, id, props);
    this.environment = props.environment;
    this.healthStack = new EnvironmentHealthStack(this, 'Health', {
      stackName: healthStackName(props.environment.name),
      appName: props.appName,
      environmentName: props.environment.name,
      stacks: props.stacks,
      pipelineAccount: props.pipelineAccount,
      env: { account: props.environment.account, region: props.environment.region },
      tags: appTags(props.appName),
      description: `Health alarm of ${props.appName} (${props.environment.name}), read by the pipeline's stage conditions`,
    });
  }
}
