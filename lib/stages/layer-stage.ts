import { Stage, StageProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/environments-config';
import type { LayerContent } from '../layer-content/layer-source';
import { appTags } from '../config/naming';
import { LayerReference, SharedLayersStack } from '../constructs/shared-layers-stack';

/** Props of {@link LayerStage}. */
export interface LayerStageProps extends StageProps {
  readonly appName: string;
  readonly environment: EnvironmentConfig;
  readonly layers: readonly LayerContent[];
}

/** The first wave of an environment: its shared layer stack. */
export class LayerStage extends Stage {
  readonly environment: EnvironmentConfig;
  readonly layersStack: SharedLayersStack;

  constructor(scope: Construct, id: string, props: LayerStageProps) {
    super(scope, id, props);
    this.environment = props.environment;
    this.layersStack = new SharedLayersStack(this, 'SharedLayers', {
      appName: props.appName,
      environmentName: props.environment.name,
      layers: props.layers,
      alarmEmails: props.environment.alarms.notify,
      env: { account: props.environment.account, region: props.environment.region },
      tags: appTags(props.appName),
      description: `Shared Python layers of ${props.appName} (${props.environment.name}), with their ARNs in SSM`,
    });
  }

  /** The layers this stage publishes, for the function stages that must deploy after it. */
  get references(): readonly LayerReference[] {
    return this.layersStack.references;
  }
}
