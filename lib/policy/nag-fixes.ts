/**
 * The one-line fix of each cdk-nag finding a service module is likely to meet, shown under the finding as its
 * "Suggested fix" (cdk synth, doctor) and listed in docs/services.md. Most are a property of the resource; where the
 * project has a construct that does it, that is the fix.
 */
import type { IPolicyValidationContext, IPolicyValidationPlugin, PolicyValidationPluginReport } from 'aws-cdk-lib';

/** Finding id -> the fix, as code a service module writes. */
export const NAG_FIXES: Readonly<Record<string, string>> = {
  'AwsSolutions-SNS2':
    'encrypt the topic: new sns.Topic(scope, id, { masterKey: key }) with a kms.Key whose policy lets the publishers use it',
  'AwsSolutions-SNS3': 'new sns.Topic(scope, id, { enforceSSL: true })',
  'AwsSolutions-SQS2':
    'secureQueue(scope, id) from lib/constructs/secure-queue.ts (or encryption: sqs.QueueEncryption.SQS_MANAGED)',
  'AwsSolutions-SQS3':
    'give it a dead-letter queue: secureQueue(scope, id, { deadLetterQueue: { queue: deadLetterQueue(scope, `${id}Dlq`, "<what>"), maxReceiveCount: 3 } }) from lib/constructs/secure-queue.ts',
  'AwsSolutions-SQS4': 'secureQueue(scope, id) from lib/constructs/secure-queue.ts (or enforceSSL: true)',
  'AwsSolutions-DDB3':
    'new dynamodb.Table(scope, id, { pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true } })',
  'AwsSolutions-S1':
    'log its accesses: new s3.Bucket(scope, id, { serverAccessLogsBucket: logs }) (a bucket that is itself the access-log bucket acknowledges S1 with that reason)',
  'AwsSolutions-S2': 'new s3.Bucket(scope, id, { blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL })',
  'AwsSolutions-S10': 'new s3.Bucket(scope, id, { enforceSSL: true })',
  'AwsSolutions-KMS5': 'new kms.Key(scope, id, { enableKeyRotation: true })',
  'AwsSolutions-IAM4':
    "grant with the resource's grant methods (table.grantReadWriteData(fn), queue.grantSendMessages(fn)) instead of an AWS managed policy",
  'AwsSolutions-IAM5':
    "grant on the resource itself (table.grantReadData(fn)) rather than '*'; a wildcard that cannot be narrowed is acknowledged on that one statement with the reason (lib/policy/nag-acknowledgements.ts)",
  'AwsSolutions-L1': "leave the runtime to config.functions.<name>.runtime (the project's PythonFunction sets it)",
  'AwsSolutions-APIG4':
    'an authorizer on the route, or "authorization": "iam" on its http entry in cdk.json (routes are declared there, not in a module)',
};

/** cdk-nag's pack, its findings carrying the fix of {@link NAG_FIXES} where one is known. */
export class NagWithFixes implements IPolicyValidationPlugin {
  readonly name: string;
  readonly version?: string;
  readonly ruleIds?: string[];

  constructor(private readonly pack: IPolicyValidationPlugin) {
    this.name = pack.name;
    this.version = pack.version;
    this.ruleIds = pack.ruleIds;
  }

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const report = this.pack.validate(context);
    return {
      ...report,
      violations: report.violations.map((v) =>
        NAG_FIXES[v.ruleName] && !v.fix ? { ...v, fix: NAG_FIXES[v.ruleName] } : v,
      ),
    };
  }
}
