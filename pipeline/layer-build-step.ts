import * as fs from 'fs';
import * as path from 'path';
import { Duration } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import { CodeBuildStep, IFileSetProducer } from 'aws-cdk-lib/pipelines';
import { parse } from 'yaml';
import type { Architecture } from '../lib/config/runtimes';

/** The buildspec of the layer build, beside the project's other buildspecs. */
export const LAYER_BUILDSPEC = path.join(__dirname, '..', 'buildspecs', 'layer-build.yml');

/**
 * The layer build's buildspec, as the partial buildspec of a CodeBuild step (the layer build, or synth), with the
 * Python the layers are built for (`config.pipeline.python`) as its runtime version.
 */
export function layerBuildSpec(python: string): codebuild.BuildSpec {
  const buildspec = parse(fs.readFileSync(LAYER_BUILDSPEC, 'utf8'));
  const install = buildspec.phases.install;
  install['runtime-versions'] = { ...install['runtime-versions'], python };
  return codebuild.BuildSpec.fromObject(buildspec);
}

/** The Amazon Linux 2023 CodeBuild image of each architecture: the OS family Lambda runs on. */
export const LAYER_BUILD_IMAGES: Record<Architecture, codebuild.IBuildImage> = {
  x86_64: codebuild.LinuxBuildImage.AMAZON_LINUX_2023_5,
  arm64: codebuild.LinuxArmBuildImage.AMAZON_LINUX_2023_STANDARD_3_0,
};

/**
 * The buildspec's cache paths (pip's download cache, npm's) stay on the build host between builds: no bucket to
 * secure and pay for; a build that lands on a cold host downloads again, and builds the same layers.
 */
export const LAYER_BUILD_CACHE = codebuild.Cache.local(codebuild.LocalCacheMode.CUSTOM);

/** Props of {@link LayerBuildStep}. */
export interface LayerBuildStepProps {
  readonly input: IFileSetProducer;
  /** The layers whose first architecture is this one are built by this step. */
  readonly architecture: Architecture;
  /** Names of the layers this step builds (documentation in the console; the builder selects by architecture). */
  readonly layers: readonly string[];
  /** The Python the layers are built for (`config.pipeline.python`). */
  readonly python: string;
}

/**
 * Builds the layers of one architecture with `buildspecs/layer-build.yml` on Amazon Linux, so native wheels match
 * Lambda's. Its output, `build/layers`, goes into synth, so the assets are the built layers. Only architectures
 * other than the synth step's own need it: synth builds the layers of its own architecture itself.
 */
export class LayerBuildStep extends CodeBuildStep {
  constructor(id: string, props: LayerBuildStepProps) {
    super(id, {
      input: props.input,
      commands: [],
      partialBuildSpec: layerBuildSpec(props.python),
      env: { LAYER_ARCHITECTURE: props.architecture, LAYERS: props.layers.join(' ') },
      buildEnvironment: {
        buildImage: LAYER_BUILD_IMAGES[props.architecture],
        computeType: codebuild.ComputeType.MEDIUM,
      },
      timeout: Duration.minutes(30),
      cache: LAYER_BUILD_CACHE,
      primaryOutputDirectory: 'build/layers',
    });
  }
}
