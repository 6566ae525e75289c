import { Duration } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import { CodeBuildStep, IFileSetProducer } from 'aws-cdk-lib/pipelines';
import { STRICT_LAYERS_CONTEXT_KEY } from '../lib/layer-content/layer-source';
import type { Architecture } from '../lib/config/runtimes';
import { dependencyAuditCommands } from './dependency-audit';
import { LAYER_BUILD_CACHE, LAYER_BUILD_IMAGES, layerBuildSpec, type LayerBuildStep } from './layer-build-step';

/** Props of {@link SynthStep}. */
export interface SynthStepProps {
  readonly input: IFileSetProducer;
  /**
   * The architecture of the synth host. Synth builds the layers of this architecture itself, with the layer build's
   * buildspec, on Amazon Linux 2023 of this architecture: one CodeBuild host fewer on the way to the first deploy.
   */
  readonly architecture: Architecture;
  /** The layer build of each other architecture in use, run before synth, in parallel with each other. */
  readonly layerBuilds: ReadonlyMap<Architecture, LayerBuildStep>;
  /** The Python the layers are built for (`config.pipeline.python`): the tests run on it. */
  readonly python: string;
}

/** Where each layer build's output is mounted in the synth step, before they are merged into `build/layers`. */
export function layerBuildMount(architecture: Architecture): string {
  return `build/layer-outputs/${architecture}`;
}

/**
 * Builds the layers of its own architecture (the layer build's own commands), takes those the other architectures'
 * builds made, audits the dependencies (npm's and the layers'), runs every unit test, and synthesizes in strict mode with the built layers: a failing test, or a
 * layer that was not built, stops the pipeline before anything deploys.
 */
export class SynthStep extends CodeBuildStep {
  constructor(id: string, props: SynthStepProps) {
    const others = [...props.layerBuilds.keys()];
    super(id, {
      input: props.input,
      additionalInputs: Object.fromEntries(others.map((a) => [layerBuildMount(a), props.layerBuilds.get(a)!])),
      // The layer buildspec installs (npm ci) and builds the layers of LAYER_ARCHITECTURE; these commands follow.
      partialBuildSpec: layerBuildSpec(props.python),
      env: { LAYER_ARCHITECTURE: props.architecture },
      commands: [
        ...others.map((a) => `cp -R ${layerBuildMount(a)}/. build/layers/`),
        ...dependencyAuditCommands(),
        'npm test',
        `npx cdk synth -c ${STRICT_LAYERS_CONTEXT_KEY}=true`,
      ],
      buildEnvironment: {
        buildImage: LAYER_BUILD_IMAGES[props.architecture],
        computeType: codebuild.ComputeType.MEDIUM,
      },
      cache: LAYER_BUILD_CACHE,
      timeout: Duration.minutes(30),
      primaryOutputDirectory: 'cdk.out',
    });
  }
}
