/**
 * The cdk-nag findings on the roles that CDK Pipelines generates, acknowledged one finding id at a time with why
 * each is safe. Applied after `buildPipeline()`, on each generated role's default policy.
 */
import { CfnElement, Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import { CodePipeline } from 'aws-cdk-lib/pipelines';
import { IConstruct } from 'constructs';
import { acknowledge, NagAcknowledgement } from '../lib/policy/nag-acknowledgements';
import { replicationBucketName } from './cross-region-support';

const ARTIFACT_ACTIONS = ['s3:Abort*', 's3:DeleteObject*', 's3:GetBucket*', 's3:GetObject*', 's3:List*'];
const ARTIFACT_READ_ACTIONS = ['s3:GetBucket*', 's3:GetObject*', 's3:List*'];
const KEY_ACTIONS = ['kms:GenerateDataKey*', 'kms:ReEncrypt*'];

/** Acknowledges the findings of every role the pipeline generated. */
export function acknowledgePipelineFindings(pipeline: CodePipeline): void {
  const stack = Stack.of(pipeline);
  const logicalId = (c: IConstruct) => stack.getLogicalId(c.node.defaultChild as CfnElement);
  const artifactBucket = `<${logicalId(pipeline.pipeline.artifactBucket)}.Arn>`;
  const { account, region } = stack;

  const artifacts = (actions: string[]): NagAcknowledgement[] => [
    ...actions.map((action) => ({
      id: `AwsSolutions-IAM5[Action::${action}]`,
      reason: `CDK's bucket grant (${action}) on the pipeline's own artifact bucket, the only bucket it names; the pipeline passes artifacts between actions there.`,
    })),
    {
      id: `AwsSolutions-IAM5[Resource::${artifactBucket}/*]`,
      reason:
        "Objects of the pipeline's own artifact bucket: artifact names are generated per execution, so no narrower key prefix exists.",
    },
  ];
  const artifactKey: NagAcknowledgement[] = KEY_ACTIONS.map((action) => ({
    id: `AwsSolutions-IAM5[Action::${action}]`,
    reason: `CDK's key grant (${action}) on the pipeline's own artifact key only (a single key ARN), needed to encrypt and decrypt artifacts.`,
  }));

  const policyOf = (role: iam.IRole | undefined) => role?.node.tryFindChild('DefaultPolicy');
  const on = (role: iam.IRole | undefined, ...acks: NagAcknowledgement[]) => {
    const policy = policyOf(role);
    if (policy) acknowledge(policy, ...acks);
  };

  // Environments in other regions than the pipeline's: CDK's replication bucket and key of each such region.
  const replication = Object.entries(pipeline.pipeline.crossRegionSupport).flatMap(
    ([region, { replicationBucket }]): NagAcknowledgement[] => [
      {
        id: `AwsSolutions-IAM5[Resource::arn:aws:s3:::${replicationBucketName(stack, replicationBucket)}/*]`,
        reason: `Objects of the pipeline's own replication bucket for ${region}, which carries artifacts to the environments there: artifact names are generated per execution.`,
      },
    ],
  );
  const replicationKeys: NagAcknowledgement[] =
    replication.length > 0
      ? [
          {
            id: 'AwsSolutions-IAM5[Resource::*]',
            reason:
              "CDK grants the pipeline's role use of each region's replication key through the key's alias, which lives in the support stack of that region, so IAM gets no key ARN; each such key's own policy admits only the pipeline account and the target environment's deploy role.",
          },
        ]
      : [];
  on(pipeline.pipeline.role, ...artifacts(ARTIFACT_ACTIONS), ...artifactKey, ...replication, ...replicationKeys);
  // The source action's role: artifact access only.
  for (const role of pipeline.pipeline.node.findAll().filter((c): c is iam.Role => c instanceof iam.Role)) {
    if (role.node.path.includes('/Source/')) on(role, ...artifacts(ARTIFACT_ACTIONS), ...artifactKey);
  }

  for (const project of pipeline.node.findAll().filter((c): c is codebuild.Project => c instanceof codebuild.Project)) {
    const id = `<${logicalId(project)}>`;
    const isAssets = project.node.path.includes('/Assets/');
    const own: NagAcknowledgement[] = isAssets
      ? [
          {
            id: 'AwsSolutions-IAM5[Resource::*]',
            reason:
              'CDK grants its asset publishing role codebuild:BatchGetBuilds, StartBuild and StopBuild on every project; StartBuild and StopBuild are denied to it (statement AssetsNeverStartBuilds: CodePipeline starts the build with its own action role), which leaves reading build status.',
          },
          {
            id: `AwsSolutions-IAM5[Resource::arn:aws:logs:${region}:${account}:log-group:/aws/codebuild/*]`,
            reason:
              'The asset publishing role is shared by the asset projects CDK generates; it writes to their CodeBuild log groups only.',
          },
          {
            id: `AwsSolutions-IAM5[Resource::arn:aws:codebuild:${region}:${account}:report-group/*]`,
            reason:
              'The asset publishing role is shared by the asset projects CDK generates; it writes to their report groups only.',
          },
        ]
      : [
          {
            id: `AwsSolutions-IAM5[Resource::arn:aws:logs:${region}:${account}:log-group:/aws/codebuild/${id}:*]`,
            reason: "Log streams of this CodeBuild project's own log group, whose names CodeBuild generates per build.",
          },
          {
            id: `AwsSolutions-IAM5[Resource::arn:aws:codebuild:${region}:${account}:report-group/${id}-*]`,
            reason:
              'Report groups of this CodeBuild project only, whose names CodeBuild derives from the project name.',
          },
        ];
    const selfMutation = project.node.path.includes('/UpdatePipeline/')
      ? [
          {
            id: `AwsSolutions-IAM5[Resource::arn:*:iam::${account}:role/*]`,
            reason:
              'Self-mutation assumes the CDK bootstrap roles of the pipeline account to deploy the pipeline stack; the statement is restricted to roles tagged aws-cdk:bootstrap-role.',
          },
          {
            id: 'AwsSolutions-IAM5[Resource::*]',
            reason:
              'Self-mutation reads stack descriptions (cloudformation:DescribeStacks) and bucket locations, which IAM does not scope by resource.',
          },
        ]
      : [];
    on(
      project.role,
      ...artifacts(isAssets ? ARTIFACT_READ_ACTIONS : ARTIFACT_ACTIONS),
      ...(isAssets ? [] : artifactKey),
      ...own,
      ...selfMutation,
    );
  }
}
