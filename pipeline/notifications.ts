import { RemovalPolicy } from 'aws-cdk-lib';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { NotificationsConfig } from '../lib/config';

/** What the approvers and the team hear about: an approval waiting, and any failed execution. */
export const NOTIFIED_EVENTS = [
  codepipeline.PipelineNotificationEvents.MANUAL_APPROVAL_NEEDED,
  codepipeline.PipelineNotificationEvents.PIPELINE_EXECUTION_FAILED,
];

/** Props of {@link PipelineNotifications}. */
export interface PipelineNotificationsProps {
  readonly pipeline: codepipeline.IPipeline;
  readonly config: NotificationsConfig;
}

/**
 * Tells people when the pipeline waits for an approval and when an execution fails, through an SNS topic: an
 * existing one named by ARN (its policy must let `codestar-notifications.amazonaws.com` publish), or one created
 * here with e-mail subscriptions, encrypted with a rotated key that CodeStar Notifications may use, HTTPS only.
 */
export class PipelineNotifications extends Construct {
  readonly topic: sns.ITopic;

  constructor(scope: Construct, id: string, props: PipelineNotificationsProps) {
    super(scope, id);
    const { config } = props;
    this.topic = config.topicArn
      ? sns.Topic.fromTopicArn(this, 'Topic', config.topicArn)
      : this.createTopic(config.emails);
    props.pipeline.notifyOn('Notify', this.topic, { events: NOTIFIED_EVENTS });
  }

  private createTopic(emails: readonly string[]): sns.Topic {
    const key = new kms.Key(this, 'Key', {
      description: 'Encrypts the pipeline notifications topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    key.grant(new iam.ServicePrincipal('codestar-notifications.amazonaws.com'), 'kms:GenerateDataKey*', 'kms:Decrypt');
    const topic = new sns.Topic(this, 'Topic', {
      masterKey: key,
      enforceSSL: true,
      displayName: 'Pipeline approvals and failures',
    });
    for (const email of emails) topic.addSubscription(new subscriptions.EmailSubscription(email));
    return topic;
  }
}
