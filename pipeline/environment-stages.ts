import { Construct } from 'constructs';
import type { AppConfig, EnvironmentConfig } from '../lib/config';
import { FunctionStage, functionStacksOf } from '../lib/function-stage';
import { LayerStage } from '../lib/layer-stage';
import type { LayerContent } from '../lib/layer-source';
import { pascalCase } from '../lib/naming';

/** The stages of one environment, in deployment order: the layer stage, then the function stage(s). */
export interface EnvironmentStages {
  readonly environment: EnvironmentConfig;
  readonly layerStage: LayerStage;
  /** Each deploys in a wave of its own, after the layer stage; together they hold every function stack. */
  readonly functionStages: readonly FunctionStage[];
}

/** Props of {@link createEnvironmentStages}. */
export interface EnvironmentStagesProps {
  readonly config: AppConfig;
  readonly layers: readonly LayerContent[];
  readonly projectRoot: string;
  /**
   * At most this many function stacks go into one function stage; more are split into consecutive stages.
   * @default - all function stacks in one stage
   */
  readonly maxStacksPerStage?: number;
}

/** Creates every environment's stages under `scope`, in the configured order. */
export function createEnvironmentStages(scope: Construct, props: EnvironmentStagesProps): EnvironmentStages[] {
  const stacks = [...functionStacksOf(props.config.functions)];
  const size = props.maxStacksPerStage ?? Math.max(stacks.length, 1);
  const slices: (typeof stacks)[] = [];
  for (let i = 0; i < stacks.length; i += size) slices.push(stacks.slice(i, i + size));

  return props.config.environments.map((environment) => {
    const prefix = pascalCase(environment.name);
    const layerStage = new LayerStage(scope, `${prefix}-Layers`, {
      appName: props.config.appName,
      environment,
      layers: props.layers,
      env: { account: environment.account, region: environment.region },
    });
    const functionStages = slices.map(
      (slice, i) =>
        new FunctionStage(scope, slices.length === 1 ? `${prefix}-Functions` : `${prefix}-Functions-${i + 1}`, {
          appName: props.config.appName,
          layerStage,
          stacks: new Map(slice),
          projectRoot: props.projectRoot,
          pipelineAccount: props.config.pipeline.account,
          env: { account: environment.account, region: environment.region },
        }),
    );
    return { environment, layerStage, functionStages };
  });
}
