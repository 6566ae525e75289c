import { Duration } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import { CodeBuildStep, IFileSetProducer } from 'aws-cdk-lib/pipelines';
import { STRICT_LAYERS_CONTEXT_KEY } from '../lib/layer-source';
import type { Architecture } from '../lib/runtimes';
import type { LayerBuildStep } from './layer-build-step';

/** Props of {@link SynthStep}. */
export interface SynthStepProps {
  readonly input: IFileSetProducer;
  /** The layer build of each architecture in use. */
  readonly layerBuilds: ReadonlyMap<Architecture, LayerBuildStep>;
}

/** Where each layer build's output is mounted in the synth step, before they are merged into `build/layers`. */
export function layerBuildMount(architecture: Architecture): string {
  return `build/layer-outputs/${architecture}`;
}

/**
 * Installs, runs every unit test, and synthesizes in strict mode with the built layers: a failing test, or a layer
 * that was not built, stops the pipeline before anything deploys.
 */
export class SynthStep extends CodeBuildStep {
  constructor(id: string, props: SynthStepProps) {
    const architectures = [...props.layerBuilds.keys()];
    super(id, {
      input: props.input,
      additionalInputs: Object.fromEntries(architectures.map((a) => [layerBuildMount(a), props.layerBuilds.get(a)!])),
      installCommands: ['npm ci --no-audit --no-fund'],
      commands: [
        'mkdir -p build/layers',
        ...architectures.map((a) => `cp -R ${layerBuildMount(a)}/. build/layers/`),
        'npm test',
        `npx cdk synth -c ${STRICT_LAYERS_CONTEXT_KEY}=true`,
      ],
      partialBuildSpec: codebuild.BuildSpec.fromObject({
        phases: { install: { 'runtime-versions': { nodejs: '20', python: '3.13' } } },
      }),
      buildEnvironment: {
        buildImage: codebuild.LinuxBuildImage.AMAZON_LINUX_2023_5,
        computeType: codebuild.ComputeType.MEDIUM,
      },
      timeout: Duration.minutes(30),
      primaryOutputDirectory: 'cdk.out',
    });
  }
}
