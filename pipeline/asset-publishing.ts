import * as fs from 'fs';
import * as path from 'path';
import { Fn, Stack, Stage } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AssetType, CodePipeline } from 'aws-cdk-lib/pipelines';
import { ConfigError } from '../lib/config/config-error';
import { installCdkCli } from './cdk-cli';
import { environmentStacksSelector } from './change-review-step';
import type { EnvironmentStages } from './environment-stages';

/** The CLI feature the asset step opts in to: `cdk publish-assets` is marked unstable in the pinned CLI. */
export const PUBLISH_ASSETS_FEATURE = 'publish-assets';

/**
 * The shell commands of the asset step, from the cloud assembly's root: for each environment, in promotion order, the
 * pinned CLI publishes every asset of every stack of the environment (`cdk publish-assets`, which skips what is already
 * in the bucket). The commands name stacks by pattern, never an asset hash, so the step's buildspec does not change
 * when code does, and stays far below CodeBuild's 25,600 characters of an inline buildspec however many stacks there
 * are.
 */
export function assetPublishingCommands(selectors: readonly string[]): string[] {
  return selectors.map(
    (selector) =>
      `cdk publish-assets -a . --unstable=${PUBLISH_ASSETS_FEATURE} --exclusively --no-notices '${selector}'`,
  );
}

/** Props of {@link publishAssetsWithPinnedCli}. */
export interface PinnedAssetPublishingProps {
  /** The CDK CLI version the pipeline runs (the project's own). */
  readonly cliVersion: string;
  /** Every environment's stages, in promotion order. */
  readonly environments: readonly EnvironmentStages[];
  /** The buildspec every CodeBuild step of the pipeline starts from (`codeBuildDefaults.partialBuildSpec`). */
  readonly partialBuildSpec: codebuild.BuildSpec;
}

/**
 * CDK Pipelines publishes assets with `npm install -g cdk-assets@<cdkAssetsCliVersion, by default latest>` and one
 * `cdk-assets ... publish <hash>:<destination>` per asset and target: a tool installed unpinned, with write access to
 * every environment's asset bucket. No published cdk-assets reads this project's cloud assembly (cdk-assets 4.7.3
 * reads schema 54, aws-cdk-lib 2.276 writes 55), so it cannot be pinned either. After `buildPipeline()`, this gives
 * each asset project the pinned CDK CLI instead: it installs `aws-cdk@<cliVersion>` and runs
 * {@link assetPublishingCommands}, in the Assets stage, once, before any environment (built once, deployed to every
 * stage). The buildspec file CDK Pipelines wrote into the cloud assembly for the project is removed, unused.
 *
 * What the CLI does, per stack: it assumes the stack's deploy role in the target account (read only: the bootstrap
 * version in SSM, the bootstrap stack), zips each file asset, and uploads it through the file-publishing role the
 * asset manifest names (a stack's template too, beside its code). So the asset role may also assume the deploy role
 * of every target account and region, which CodePipeline's deploy actions already use; CDK Pipelines' grants of the
 * file-publishing roles stay. The CLI builds container images only with Docker, which the step does not have: a
 * container image asset is refused here, naming its stack.
 */
export function publishAssetsWithPinnedCli(pipeline: CodePipeline, props: PinnedAssetPublishingProps): void {
  const stacks = pipeline.waves.flatMap((wave) => wave.stages.flatMap((stage) => stage.stacks));
  const images = stacks.flatMap((stack) =>
    stack.assets
      .filter((asset) => asset.assetType === AssetType.DOCKER_IMAGE)
      .map((asset) => ({
        setting: `the stack ${stack.constructPath}`,
        value: asset.displayName ?? asset.assetId,
        message: 'is a container image asset, which the pipeline does not publish (its asset step has no Docker)',
        fix: 'give the function its code as a zip (Code.fromAsset of a folder), or publish the image with a step of your own',
      })),
  );
  if (images.length > 0) throw new ConfigError(images, "The pipeline's asset publishing");

  const projects = pipeline.node
    .findAll()
    .filter((c): c is codebuild.Project => c instanceof codebuild.Project && c.node.path.includes('/Assets/'));
  if (projects.length === 0) return;
  const selectors = props.environments.map(({ environment, layerStage, functionStages }) =>
    environmentStacksSelector(environment, [layerStage, ...functionStages]),
  );
  const buildSpec = codebuild.mergeBuildSpecs(
    props.partialBuildSpec,
    codebuild.BuildSpec.fromObject({
      version: '0.2',
      phases: {
        install: { commands: [installCdkCli(props.cliVersion)] },
        build: { commands: assetPublishingCommands(selectors) },
      },
    }),
  );
  const deployRoles = [...new Set(stacks.flatMap((stack) => (stack.assumeRoleArn ? [stack.assumeRoleArn] : [])))];
  for (const project of projects) {
    const cfn = project.node.defaultChild as codebuild.CfnProject;
    const source = Stack.of(project).resolve(cfn.source) as codebuild.CfnProject.SourceProperty;
    cfn.source = { ...source, buildSpec: buildSpec.toBuildSpec(project) };
    // CDK Pipelines writes the buildspec of a single asset step into the cloud assembly and names the file here.
    if (source.buildSpec && !source.buildSpec.trimStart().startsWith('{')) {
      fs.rmSync(path.join(Stage.of(project)!.outdir, source.buildSpec), { force: true });
    }
    if (deployRoles.length > 0) {
      project.role?.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'PublishAssetsReadsTheBootstrapVersion',
          actions: ['sts:AssumeRole'],
          resources: deployRoles.map((arn) => Fn.sub(arn)),
        }),
      );
    }
  }
}
