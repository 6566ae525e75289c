import { Duration, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as iam from 'aws-cdk-lib/aws-iam';
import { CodePipeline } from 'aws-cdk-lib/pipelines';
import { Construct } from 'constructs';
import { synthArchitecture } from '../lib/config/build-images';
import type { AppConfig } from '../lib/config/app-config';
import type { SourceConfig } from '../lib/config/pipeline-config';
import type { LayerContent } from '../lib/layer-content/layer-source';
import { pascalCase, smokeTestRunnerRoleName } from '../lib/config/naming';
import type { Architecture } from '../lib/config/runtimes';
import type { Services } from '../lib/service';
import { AccessLogsBucket } from './access-logs';
import { publishAssetsWithPinnedCli } from './asset-publishing';
import { PipelineNotifications } from './notifications';
import { ChangeReviewStep } from './change-review-step';
import { createEnvironmentStages, EnvironmentStages } from './environment-stages';
import { secureCrossRegionSupport } from './cross-region-support';
import { PipelineHardening } from './pipeline-hardening';
import { LayerBuildStep } from './layer-build-step';
import { acknowledgePipelineFindings } from './pipeline-acknowledgements';
import { PromotionApproval } from './promotion-approval';
import { approvalStageName, GatedEnvironment } from './promotion-gates';
import { applyPromotionGates, pipelineStageOf } from './stage-conditions';
import { SmokeTestStep } from './smoke-test-step';
import { pipelineSource } from './source';
import { SynthStep } from './synth-step';

/**
 * CodePipeline allows 50 actions in a stage; a stack deploys with two (create and execute a change set), and the
 * wave's smoke test is one more. Function stacks beyond this many are split across consecutive waves of the same
 * environment; a stack's name never depends on its wave.
 */
export const MAX_STACKS_PER_WAVE = 24;

/**
 * A V2 trigger in place of the source action's own: a push to the branch runs the pipeline unless every file it
 * changes matches the source's `ignoredPaths` (documentation, by default).
 */
function skipPushesOf(pipeline: CodePipeline, source: SourceConfig): void {
  if (source.type !== 'codeconnections' || source.ignoredPaths.length === 0) return;
  pipeline.pipeline.addTrigger({
    providerType: codepipeline.ProviderType.CODE_STAR_SOURCE_CONNECTION,
    gitConfiguration: {
      sourceAction: pipeline.pipeline.stages[0].actions[0],
      pushFilter: [{ branchesIncludes: [source.branch], filePathsExcludes: [...source.ignoredPaths] }],
    },
  });
}

/** Props of {@link PipelineStack}. */
export interface PipelineStackProps extends StackProps {
  readonly config: AppConfig;
  /** Every layer, resolved once per synth (built or source). */
  readonly layers: readonly LayerContent[];
  /** The project's root folder. */
  readonly projectRoot: string;
  /** The CDK CLI version the pipeline runs: the project's own. */
  readonly cliVersion: string;
  /**
   * The service modules, by stack name (`lib/services/index.ts`).
   * @default - none
   */
  readonly services?: Services;
}

/**
 * The stack deployed once by hand (`cdk deploy PipelineStack`); from then on every push runs the pipeline, which
 * updates itself first. Source -> layer builds on Amazon Linux -> synth with the built layers -> self-mutation ->
 * assets (published by the pinned CDK CLI) -> for each environment: [review and approval], layers wave, function
 * wave(s), health; with the gates of each environment's `promotion` (bake time, deployment window, rollback) as stage
 * conditions.
 */
export class PipelineStack extends Stack {
  readonly pipeline: CodePipeline;
  readonly environments: readonly EnvironmentStages[];

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    const { config } = props;
    const source = pipelineSource(this, config.pipeline.source);

    // Each layer is built for its first architecture: synth builds those of its own, a step each the others.
    const buildArchitectures = config.layers.map((l) => l.architectures[0]);
    const architecture = synthArchitecture(buildArchitectures);
    const layerBuilds = new Map<Architecture, LayerBuildStep>();
    for (const other of [...new Set(buildArchitectures)].filter((a) => a !== architecture).sort()) {
      const layers = config.layers.filter((l) => l.architectures[0] === other).map((l) => l.name);
      layerBuilds.set(
        other,
        new LayerBuildStep(`BuildLayers-${other}`, {
          input: source,
          architecture: other,
          layers,
          python: config.pipeline.python,
        }),
      );
    }

    const synth = new SynthStep('Synth', { input: source, architecture, layerBuilds, python: config.pipeline.python });
    // Every CodeBuild step, self-mutation and asset publishing included, runs a supported Node.js.
    const partialBuildSpec = codebuild.BuildSpec.fromObject({
      phases: { install: { 'runtime-versions': { nodejs: config.pipeline.nodejs } } },
    });
    this.pipeline = new CodePipeline(this, 'Pipeline', {
      pipelineName: `${config.appName}-pipeline`,
      pipelineType: codepipeline.PipelineType.V2,
      synth,
      selfMutation: true,
      cliVersion: props.cliVersion,
      crossAccountKeys: true,
      enableKeyRotation: true,
      publishAssetsInParallel: false,
      useChangeSets: true,
      // Self-mutation, asset publishing and any step without its own settings: Amazon Linux 2023 like the rest,
      // the smallest compute (they run the CDK CLI), and a timeout that ends a hung build well before CodeBuild's hour.
      codeBuildDefaults: {
        partialBuildSpec,
        buildEnvironment: {
          buildImage: codebuild.LinuxBuildImage.AMAZON_LINUX_2023_5,
          computeType: codebuild.ComputeType.SMALL,
        },
        timeout: Duration.minutes(20),
      },
    });

    this.environments = createEnvironmentStages(this, { ...props, maxStacksPerWave: MAX_STACKS_PER_WAVE });
    const gated: GatedEnvironment[] = [];
    for (const { environment, layerStage, functionStages, functionWaves, healthStage } of this.environments) {
      let approvalStage: string | undefined;
      if (environment.requiresApproval) {
        const review = new ChangeReviewStep('ReviewChanges', {
          source,
          assembly: synth,
          environment,
          stages: [layerStage, ...functionStages, healthStage],
          cliVersion: props.cliVersion,
        });
        // A stage of their own: the layers' stage rolls back on failure, and a rollback must not ask again.
        approvalStage = approvalStageName(environment.name);
        this.pipeline.addWave(approvalStage, { pre: [review, new PromotionApproval(environment, source, review)] });
      }
      const layers = this.pipeline.addStage(layerStage);
      const smokeTestRunner = new iam.Role(this, `SmokeTestRunner-${pascalCase(environment.name)}`, {
        roleName: smokeTestRunnerRoleName(config.appName, environment.name),
        assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com'),
        description: `Runs the smoke tests of ${environment.name}: may assume its function stacks' smoke-test roles`,
      });
      const functionPipelineStages = functionWaves.map((wave) => {
        const deployment = this.pipeline.addWave(wave.name, {
          post: [new SmokeTestStep('SmokeTest', { input: source, stages: wave.stages, role: smokeTestRunner })],
        });
        for (const stage of wave.stages) deployment.addStage(stage);
        return pipelineStageOf(deployment);
      });
      const health = this.pipeline.addStage(healthStage);
      gated.push({
        environment,
        approvalStage,
        layersStage: layers.stageName,
        functionStages: functionPipelineStages,
        healthStage: health.stageName,
      });
    }
    this.pipeline.buildPipeline();
    publishAssetsWithPinnedCli(this.pipeline, {
      cliVersion: props.cliVersion,
      environments: this.environments,
      partialBuildSpec,
    });
    applyPromotionGates(this.pipeline, config.appName, gated);
    skipPushesOf(this.pipeline, config.pipeline.source);
    if (config.pipeline.notifications) {
      new PipelineNotifications(this, 'Notifications', {
        pipeline: this.pipeline.pipeline,
        config: config.pipeline.notifications,
      });
    }
    secureCrossRegionSupport(this.pipeline, config.appName);
    new PipelineHardening(this, 'Hardening', { pipeline: this.pipeline, source: config.pipeline.source });
    const artifactBucket = this.pipeline.pipeline.artifactBucket;
    new AccessLogsBucket(this, 'AccessLogs').logAccessesOf(artifactBucket, 'artifacts/');
    // The artifact bucket is retained; so is its key, or what the bucket keeps could never be read again.
    artifactBucket.encryptionKey?.applyRemovalPolicy(RemovalPolicy.RETAIN);
    acknowledgePipelineFindings(this.pipeline);
  }
}
