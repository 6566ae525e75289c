import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import type * as notifications from 'aws-cdk-lib/aws-codestarnotifications';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { NotificationsConfig } from '../lib/config/pipeline-config';

/** What the approvers and the team hear about: an approval waiting, and any failed execution. */
export const NOTIFIED_EVENTS = [
  codepipeline.PipelineNotificationEvents.MANUAL_APPROVAL_NEEDED,
  codepipeline.PipelineNotificationEvents.PIPELINE_EXECUTION_FAILED,
];

/** The service that publishes the pipeline's notifications to the topic. */
export const NOTIFICATIONS_PRINCIPAL = 'codestar-notifications.amazonaws.com';

/** Props of {@link PipelineNotifications}. */
export interface PipelineNotificationsProps {
  readonly pipeline: codepipeline.IPipeline;
  readonly config: NotificationsConfig;
}

/**
 * Tells people when the pipeline waits for an approval and when an execution fails, through an SNS topic: an
 * existing one named by ARN (its policy must let `codestar-notifications.amazonaws.com` publish), or one created
 * here with e-mail subscriptions, encrypted with a rotated key, HTTPS only. CodeStar Notifications may publish to the
 * created topic and use its key only on behalf of the pipeline's own account (`aws:SourceAccount`), not of every
 * account's notification rules as CDK's own grants allow; its `aws:SourceArn` is not documented, so the grants do not
 * rely on it.
 */
export class PipelineNotifications extends Construct {
  readonly topic: sns.ITopic;

  constructor(scope: Construct, id: string, props: PipelineNotificationsProps) {
    super(scope, id);
    const { config } = props;
    this.topic = config.topicArn
      ? sns.Topic.fromTopicArn(this, 'Topic', config.topicArn)
      : this.createTopic(config.emails);
    props.pipeline.notifyOn('Notify', new OwnAccountTarget(this.topic), { events: NOTIFIED_EVENTS });
  }

  private createTopic(emails: readonly string[]): sns.Topic {
    const key = new kms.Key(this, 'Key', {
      description: 'Encrypts the pipeline notifications topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'PipelineNotificationsOfThisAccount',
        principals: [new iam.ServicePrincipal(NOTIFICATIONS_PRINCIPAL)],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: ownAccount(this),
      }),
    );
    const topic = new sns.Topic(this, 'Topic', {
      masterKey: key,
      enforceSSL: true,
      displayName: 'Pipeline approvals and failures',
    });
    for (const email of emails) topic.addSubscription(new subscriptions.EmailSubscription(email));
    return topic;
  }
}

/** The condition that limits a service's grant to calls on behalf of this stack's account. */
function ownAccount(scope: Construct): Record<string, Record<string, string>> {
  return { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } };
}

/**
 * The topic as a notification rule's target, which lets CodeStar Notifications publish on behalf of this account's
 * rules only (the topic's own `bindAsNotificationRuleTarget` allows every account's). An imported topic's policy is
 * its owner's to set.
 */
class OwnAccountTarget implements notifications.INotificationRuleTarget {
  constructor(private readonly topic: sns.ITopic) {}

  bindAsNotificationRuleTarget(scope: Construct): notifications.NotificationRuleTargetConfig {
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'PipelineNotificationsOfThisAccount',
        principals: [new iam.ServicePrincipal(NOTIFICATIONS_PRINCIPAL)],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: ownAccount(scope),
      }),
    );
    return { targetType: 'SNS', targetAddress: this.topic.topicArn };
  }
}
