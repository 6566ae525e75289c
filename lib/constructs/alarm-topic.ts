import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { alarmNamePattern, alarmTopicName } from '../config/naming';

/** The service that publishes alarm state changes to the topic. */
export const ALARMS_PRINCIPAL = 'cloudwatch.amazonaws.com';

/** Props of {@link AlarmTopic}. */
export interface AlarmTopicProps {
  readonly appName: string;
  readonly environmentName: string;
  /** E-mail addresses subscribed to the topic (the environment's `alarms.notify`). */
  readonly emails: readonly string[];
  /**
   * Whether the topic's key outlives the stack (a sandbox keeps nothing).
   * @default true
   */
  readonly retainKey?: boolean;
}

/**
 * The topic every alarm of one environment notifies, when it goes off and when it is OK again: named
 * `<app>-<environment>-alarms`, encrypted with a rotated key of its own, HTTPS only. CloudWatch may publish to it and
 * use its key only for alarms of this account and region whose names start with `<app>-<environment>-`
 * (`aws:SourceAccount` and `aws:SourceArn`), not for any alarm of any account.
 */
export class AlarmTopic extends Construct {
  readonly topic: sns.Topic;
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const conditions = {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: {
        'aws:SourceArn': stack.formatArn({
          service: 'cloudwatch',
          resource: 'alarm',
          resourceName: alarmNamePattern(props.appName, props.environmentName),
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      },
    };
    const principals = [new iam.ServicePrincipal(ALARMS_PRINCIPAL)];
    this.key = new kms.Key(this, 'Key', {
      description: `Encrypts the alarm topic of ${props.appName} (${props.environmentName})`,
      enableKeyRotation: true,
      removalPolicy: props.retainKey === false ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AlarmsOfThisEnvironment',
        principals,
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions,
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', {
      topicName: alarmTopicName(props.appName, props.environmentName),
      displayName: `${props.appName} ${props.environmentName} alarms`,
      masterKey: this.key,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AlarmsOfThisEnvironment',
        principals,
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions,
      }),
    );
    for (const email of props.emails) this.topic.addSubscription(new subscriptions.EmailSubscription(email));
  }
}
