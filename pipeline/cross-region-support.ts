import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CodePipeline } from 'aws-cdk-lib/pipelines';
import { APP_TAG_KEY } from '../lib/config/naming';
import { AccessLogsBucket } from './access-logs';

/**
 * The support stacks CDK Pipelines creates in the pipeline's account for every region an environment deploys to
 * other than the pipeline's own (`cross-region-stack-<account>:<region>`): each holds the replication bucket that
 * carries the pipeline's artifacts into that region, and the key that encrypts them.
 *
 * They get what the pipeline's own artifact store has: the app's tag, the key retained like the bucket (a retained
 * bucket whose key is gone could never be read again), and server access logs into a log bucket of their region.
 * Call after `buildPipeline()`: the stacks exist only from then on.
 */
export function secureCrossRegionSupport(pipeline: CodePipeline, appName: string): void {
  for (const { stack, replicationBucket } of Object.values(pipeline.pipeline.crossRegionSupport)) {
    stack.tags.setTag(APP_TAG_KEY, appName);
    // The bucket names its key through an alias; the key behind it is what must outlive the stack.
    const key = replicationBucket.encryptionKey;
    (key instanceof kms.Alias ? key.aliasTargetKey : key)?.applyRemovalPolicy(RemovalPolicy.RETAIN);
    new AccessLogsBucket(stack, 'AccessLogs').logAccessesOf(replicationBucket, 'replication/');
  }
}

/**
 * The name CDK generated for a support stack's replication bucket, as the pipeline stack's policies name it: from
 * another region, a physical name rather than a reference.
 */
export function replicationBucketName(pipelineStack: Stack, bucket: s3.IBucket): string {
  const name: unknown = pipelineStack.resolve(bucket.bucketName);
  if (typeof name !== 'string') throw new Error(`the replication bucket ${bucket.node.path} has no physical name`);
  return name;
}
