/**
 * What a deployed sandbox or environment of a project must look like, derived from the project's own configuration
 * and app (built in-process from its `cdk.json`, as `cdk synth` builds it): the layers, the functions, the stacks and
 * their templates' resource types.
 */
import { Stack } from 'aws-cdk-lib';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { createApp, createSandboxApp } from '../../bin/main';
import { cdkJsonContext, loadProjectConfig } from '../../bin/project';
import type { AppConfig } from '../../lib/config/app-config';
import type { EnvironmentConfig } from '../../lib/config/environments-config';
import type { FunctionStack } from '../../lib/constructs/function-stack';
import { layerArnParameterName, layerName, layerVersionParameterName } from '../../lib/config/naming';
import { SANDBOX_CONTEXT_KEY } from '../../lib/stages/sandbox-stage';
import { smokeTestSpec } from '../../lib/local/smoke-test-spec';
import type { ExpectedFunction, ExpectedLayer, Place } from './checks';

/** What one environment (or sandbox) of the project holds once deployed. */
export interface Expectations {
  readonly environment: EnvironmentConfig;
  readonly place: Place;
  readonly layers: readonly ExpectedLayer[];
  readonly functions: readonly ExpectedFunction[];
  /** Every stack's name, the layer stack first. */
  readonly stackNames: readonly string[];
  /** The resource types of each stack's template. */
  readonly resourceTypes: ReadonlyMap<string, readonly string[]>;
}

function expectationsOf(
  config: AppConfig,
  environment: EnvironmentConfig,
  layerStack: Stack,
  functionStacks: readonly FunctionStack[],
): Expectations {
  const place = {
    account: environment.account,
    region: environment.region,
    partition: RegionInfo.get(environment.region).partition ?? 'aws',
  };
  const layers = config.layers.map((l) => ({
    name: l.name,
    layerName: layerName(config.appName, environment.name, l.name),
    runtimes: l.runtimes,
    architectures: l.architectures,
    arnParameter: layerArnParameterName(config.appName, environment.name, l.name),
    versionParameter: layerVersionParameterName(config.appName, environment.name, l.name),
  }));
  const spec = smokeTestSpec(environment, functionStacks);
  const functions = spec.targets.flatMap((target) =>
    target.functions.map((f) => {
      const fn = config.functions.find((c) => c.name === f.name)!;
      return {
        name: f.name,
        stackName: target.stackName,
        output: f.output,
        runtime: fn.runtime,
        architecture: fn.architecture,
        layers: f.layers.map((l) => ({ name: l.name, fingerprintVariable: l.fingerprintVariable })),
      };
    }),
  );
  const stacks = [layerStack, ...functionStacks];
  const assembly = stacks[0].node.root as unknown as { synth(): import('aws-cdk-lib/cx-api').CloudAssembly };
  const synthesized = assembly.synth();
  const resourceTypes = new Map(
    stacks.map((s) => {
      const template = synthesized.getStackArtifact(s.artifactId).template as {
        Resources?: Record<string, { Type: string }>;
      };
      return [s.stackName, Object.values(template.Resources ?? {}).map((r) => r.Type)];
    }),
  );
  return { environment, place, layers, functions, stackNames: stacks.map((s) => s.stackName), resourceTypes };
}

/** The sandbox `name` of the project at `projectRoot`. */
export function sandboxExpectations(projectRoot: string, name: string): Expectations {
  const { sandbox } = createSandboxApp({
    projectRoot,
    context: { ...cdkJsonContext(projectRoot), [SANDBOX_CONTEXT_KEY]: name },
  });
  return expectationsOf(
    loadProjectConfig(projectRoot),
    sandbox.environment,
    sandbox.layersStack,
    sandbox.functionStacks,
  );
}

/** The pipeline environment `name` of the project at `projectRoot`. */
export function environmentExpectations(projectRoot: string, name: string): Expectations {
  const { pipelineStack } = createApp({ projectRoot, context: cdkJsonContext(projectRoot) });
  const stages = pipelineStack.environments.find((e) => e.environment.name === name);
  if (!stages) throw new Error(`no environment ${name} in ${projectRoot}/cdk.json`);
  return expectationsOf(
    loadProjectConfig(projectRoot),
    stages.environment,
    stages.layerStage.layersStack,
    stages.functionStages.flatMap((s) => s.functionStacks),
  );
}
