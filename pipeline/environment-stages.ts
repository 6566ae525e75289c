import { Construct } from 'constructs';
import type { AppConfig } from '../lib/config/app-config';
import type { EnvironmentConfig } from '../lib/config/environments-config';
import { FunctionStage, functionStacksOf } from '../lib/stages/function-stage';
import { HealthStage } from '../lib/stages/health-stage';
import { LayerStage } from '../lib/stages/layer-stage';
import type { LayerContent } from '../lib/layer-content/layer-source';
import { functionStackName, healthStackName, pascalCase } from '../lib/config/naming';
import { stagePermissionsBoundary } from '../lib/policy/permissions-boundary';
import type { Services } from '../lib/service';

/**
 * The stages of one environment, in deployment order: the layer stage, the function stages in waves, then the
 * health stage.
 */
export interface EnvironmentStages {
  readonly environment: EnvironmentConfig;
  readonly layerStage: LayerStage;
  /** One stage per function stack, in the order the stacks first appear in the configuration. */
  readonly functionStages: readonly FunctionStage[];
  /**
   * The function stages grouped into consecutive waves, each deployed after the layer stage and the waves before
   * it. Grouping is all a wave does: no stage, stack or physical name depends on it.
   */
  readonly functionWaves: readonly FunctionWave[];
  /** The environment's health alarm, made of its function stacks' own: deployed after every wave. */
  readonly healthStage: HealthStage;
}

/** Function stages deployed together, in one stage of the pipeline. */
export interface FunctionWave {
  /** `<Env>-Functions`, or `<Env>-Functions-<N>` where the environment's stacks need several waves. */
  readonly name: string;
  readonly stages: readonly FunctionStage[];
}

/** Props of {@link createEnvironmentStages}. */
export interface EnvironmentStagesProps {
  readonly config: AppConfig;
  readonly layers: readonly LayerContent[];
  readonly projectRoot: string;
  /**
   * The service modules, by stack name (`lib/services/index.ts`).
   * @default - none
   */
  readonly services?: Services;
  /**
   * At most this many function stacks go into one wave; more are split into consecutive waves.
   * @default - all function stacks in one wave
   */
  readonly maxStacksPerWave?: number;
}

/** Creates every environment's stages under `scope`, in the configured order. */
export function createEnvironmentStages(scope: Construct, props: EnvironmentStagesProps): EnvironmentStages[] {
  const stacks = [...functionStacksOf(props.config.functions)];
  const size = props.maxStacksPerWave ?? Math.max(stacks.length, 1);

  return props.config.environments.map((environment) => {
    const prefix = pascalCase(environment.name);
    const env = { account: environment.account, region: environment.region };
    const layerStage = new LayerStage(scope, `${prefix}-Layers`, {
      appName: props.config.appName,
      environment,
      layers: props.layers,
      env,
      permissionsBoundary: stagePermissionsBoundary(props.config),
    });
    const functionStages = stacks.map(
      ([stackName, functions]) =>
        new FunctionStage(scope, functionStackName(environment.name, stackName), {
          appName: props.config.appName,
          layerStage,
          stacks: new Map([[stackName, functions]]),
          projectRoot: props.projectRoot,
          pipelineAccount: props.config.pipeline.account,
          services: props.services,
          env,
          permissionsBoundary: stagePermissionsBoundary(props.config),
        }),
    );
    const waveCount = Math.ceil(functionStages.length / size);
    const functionWaves = Array.from({ length: waveCount }, (_, i) => ({
      name: waveCount === 1 ? `${prefix}-Functions` : `${prefix}-Functions-${i + 1}`,
      stages: functionStages.slice(i * size, (i + 1) * size),
    }));
    const healthStage = new HealthStage(scope, healthStackName(environment.name), {
      appName: props.config.appName,
      environment,
      stacks: stacks.map(([stackName]) => stackName),
      pipelineAccount: props.config.pipeline.account,
      env,
      permissionsBoundary: stagePermissionsBoundary(props.config),
    });
    return { environment, layerStage, functionStages, functionWaves, healthStage };
  });
}
