/**
 * The CodeBuild images the pipeline's steps run on, and the Node.js versions they offer: what `config.pipeline.nodejs`
 * is checked against. No CDK here, so the configuration can use it.
 */
import type { Architecture } from './runtimes';

/** One Amazon Linux 2023 standard image of CodeBuild: the OS family Lambda runs on. */
export interface BuildImage {
  /** As CodeBuild names it. */
  readonly name: string;
  /** The Node.js major versions its buildspec `runtime-versions` may ask for (the image's runtimes.yml). */
  readonly nodejs: readonly string[];
  /** The Python versions its buildspec `runtime-versions` may ask for (the image's runtimes.yml). */
  readonly python: readonly string[];
}

/**
 * The image of each architecture, with the runtimes its runtimes.yml lists: the file CodeBuild's image repository
 * (aws/aws-codebuild-docker-images, `al/<arch>/standard/<version>/runtimes.yml`, as of its commit 0c5eb16 of
 * 2026-04-07) builds into the image as `/codebuild/image/config/runtimes.yml`. A dated copy is in
 * `test/fixtures/codebuild-runtimes`, which the tests hold this table to; each pipeline build compares the image it
 * runs on with it and prints the differences (`bin/build-image.ts`). When CodeBuild changes an image, change both.
 */
export const BUILD_IMAGES: Readonly<Record<Architecture, BuildImage>> = {
  x86_64: {
    name: 'aws/codebuild/amazonlinux-x86_64-standard:5.0',
    nodejs: ['18', '20', '22', '24'],
    python: ['3.9', '3.10', '3.11', '3.12', '3.13', '3.14'],
  },
  arm64: {
    name: 'aws/codebuild/amazonlinux-aarch64-standard:3.0',
    nodejs: ['18', '20', '22', '24'],
    python: ['3.9', '3.10', '3.11', '3.12', '3.13', '3.14'],
  },
};

/**
 * The architecture of the steps that build nothing for Lambda (self-mutation, assets, the change review, the smoke
 * tests): CDK Pipelines' own steps run on x86_64.
 */
export const TOOLING_ARCHITECTURE: Architecture = 'x86_64';

/**
 * End of life of the Node.js major versions (the Node.js release schedule): from that day a version gets no security
 * fixes, and the AWS SDK stops supporting it soon after.
 */
export const NODE_END_OF_LIFE: Readonly<Record<string, string>> = {
  '18': '2025-04-30',
  '20': '2026-04-30',
  '22': '2027-04-30',
  '24': '2028-04-30',
};

/** The Node.js every CodeBuild step runs unless `config.pipeline.nodejs` says otherwise; the one to develop with. */
export const DEFAULT_NODEJS = '22';

/**
 * The architecture synth runs on: the one most layers are built for, arm64 (Graviton, the cheaper host) on a tie or
 * when there is no layer.
 */
export function synthArchitecture(layerArchitectures: readonly Architecture[]): Architecture {
  const count = (a: Architecture) => layerArchitectures.filter((x) => x === a).length;
  return count('x86_64') > count('arm64') ? 'x86_64' : 'arm64';
}

/**
 * The architectures of every CodeBuild step of a pipeline whose layers are built for these (first) architectures:
 * the tooling's, synth's, and one per other layer architecture.
 */
export function pipelineBuildArchitectures(layerArchitectures: readonly Architecture[]): Architecture[] {
  return [
    ...new Set<Architecture>([TOOLING_ARCHITECTURE, synthArchitecture(layerArchitectures), ...layerArchitectures]),
  ].sort();
}
