import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge } from '../lib/policy/nag-acknowledgements';

/** Props of {@link AccessLogsBucket}. */
export interface AccessLogsBucketProps {
  /**
   * How long access logs are kept.
   * @default Duration.days(365)
   */
  readonly retention?: Duration;
}

/** The bucket that receives the S3 server access logs of the pipeline's buckets. */
export class AccessLogsBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: AccessLogsBucketProps = {}) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: false,
      lifecycleRules: [{ expiration: props.retention ?? Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(this.bucket, {
      id: 'AwsSolutions-S1',
      reason: 'This is the server access log bucket itself; logging its own accesses into itself would loop.',
    });
  }

  /** Sends the server access logs of `source` (a bucket created elsewhere, e.g. by CDK Pipelines) here. */
  logAccessesOf(source: s3.IBucket, prefix: string): void {
    const cfnSource = source.node.defaultChild as s3.CfnBucket;
    cfnSource.loggingConfiguration = { destinationBucketName: this.bucket.bucketName, logFilePrefix: prefix };
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `AccessLogsOf${prefix.replace(/[^A-Za-z0-9]/g, '')}`,
        principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects(`${prefix}*`)],
        conditions: {
          ArnLike: { 'aws:SourceArn': source.bucketArn },
          StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
        },
      }),
    );
  }
}
