import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CodePipeline } from 'aws-cdk-lib/pipelines';
import { Construct } from 'constructs';
import type { SourceConfig } from '../lib/config/pipeline-config';

/** How long the pipeline's build logs are kept. */
export const BUILD_LOG_RETENTION = logs.RetentionDays.ONE_YEAR;

/** Props of {@link PipelineHardening}. */
export interface PipelineHardeningProps {
  readonly pipeline: CodePipeline;
  readonly source: SourceConfig;
}

/**
 * Where CDK Pipelines' defaults are looser than a production pipeline wants, after `buildPipeline()`:
 * - the artifact bucket keeps object versions, so an overwritten or deleted artifact can be recovered and audited;
 * - every CodeBuild project logs to a log group of its own with a retention (CodeBuild's default group never
 *   expires), which only that project's role may write to;
 * - the asset-publishing role may not start or stop builds: CDK's shared asset role is granted both, but CodePipeline
 *   starts the asset build with its own action role, and the role is only ever assumed by CodeBuild itself;
 * - the source action may use the connection under the service's current name (`codeconnections:`) as well as
 *   the one CDK grants (`codestar-connections:`), so a connection ARN of either service keeps working.
 */
export class PipelineHardening extends Construct {
  /** The log group of each of the pipeline's CodeBuild projects. */
  readonly buildLogs: ReadonlyMap<codebuild.Project, logs.LogGroup>;

  constructor(scope: Construct, id: string, props: PipelineHardeningProps) {
    super(scope, id);
    const { pipeline } = props;

    const artifacts = pipeline.pipeline.artifactBucket.node.defaultChild as s3.CfnBucket;
    artifacts.versioningConfiguration = { status: 'Enabled' };

    const projects = pipeline.node.findAll().filter((c): c is codebuild.Project => c instanceof codebuild.Project);
    const buildLogs = new Map<codebuild.Project, logs.LogGroup>();
    for (const project of projects) {
      const group = new logs.LogGroup(
        this,
        `${Stack.of(this).getLogicalId(project.node.defaultChild as codebuild.CfnProject)}Logs`,
        {
          retention: BUILD_LOG_RETENTION,
          removalPolicy: RemovalPolicy.RETAIN,
        },
      );
      (project.node.defaultChild as codebuild.CfnProject).logsConfig = {
        cloudWatchLogs: { status: 'ENABLED', groupName: group.logGroupName },
      };
      if (project.role) group.grantWrite(project.role);
      buildLogs.set(project, group);
      if (project.node.path.includes('/Assets/')) {
        project.role?.addToPrincipalPolicy(
          new iam.PolicyStatement({
            sid: 'AssetsNeverStartBuilds',
            effect: iam.Effect.DENY,
            actions: ['codebuild:StartBuild', 'codebuild:StopBuild'],
            resources: ['*'],
          }),
        );
      }
    }
    this.buildLogs = buildLogs;

    if (props.source.type === 'codeconnections') {
      const connectionArn = props.source.connectionArn;
      const sourceRoles = pipeline.pipeline.node
        .findAll()
        .filter((c): c is iam.Role => c instanceof iam.Role && c.node.path.includes('/Source/'));
      for (const role of sourceRoles) {
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({ actions: ['codeconnections:UseConnection'], resources: [connectionArn] }),
        );
      }
    }
  }
}
