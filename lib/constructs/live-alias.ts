import { createHash } from 'crypto';
import { Annotations, CfnResource, Duration, Lazy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ALARM_DEFAULTS, type AlarmsConfig } from '../config/environments-config';
import type { DeploymentStrategy } from '../config/deployment-strategies';
import { acknowledge, RELEASE_ACKNOWLEDGEMENTS } from '../policy/nag-acknowledgements';

/** The alias every caller uses; CodeDeploy moves it from version to version. */
export const LIVE_ALIAS = 'live';

const DEPLOYMENT_CONFIGS: Record<DeploymentStrategy, codedeploy.ILambdaDeploymentConfig> = {
  AllAtOnce: codedeploy.LambdaDeploymentConfig.ALL_AT_ONCE,
  Canary10Percent5Minutes: codedeploy.LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES,
  Canary10Percent10Minutes: codedeploy.LambdaDeploymentConfig.CANARY_10PERCENT_10MINUTES,
  Canary10Percent15Minutes: codedeploy.LambdaDeploymentConfig.CANARY_10PERCENT_15MINUTES,
  Canary10Percent30Minutes: codedeploy.LambdaDeploymentConfig.CANARY_10PERCENT_30MINUTES,
  Linear10PercentEvery1Minute: codedeploy.LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_1MINUTE,
  Linear10PercentEvery2Minutes: codedeploy.LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_2MINUTES,
  Linear10PercentEvery3Minutes: codedeploy.LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_3MINUTES,
  Linear10PercentEvery10Minutes: codedeploy.LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_10MINUTES,
};

/**
 * How long each strategy lets the new version serve before it has all the traffic and the deployment ends: the
 * longest an alarm can take to stop the release. A canary waits its minutes at 10 percent; a linear strategy adds
 * 10 percent at once and then every interval, so all traffic is on the new version after nine intervals. All at once
 * leaves none: its alarms cannot stop a release.
 */
export const SHIFT_MINUTES: Record<DeploymentStrategy, number> = {
  AllAtOnce: 0,
  Canary10Percent5Minutes: 5,
  Canary10Percent10Minutes: 10,
  Canary10Percent15Minutes: 15,
  Canary10Percent30Minutes: 30,
  Linear10PercentEvery1Minute: 9,
  Linear10PercentEvery2Minutes: 18,
  Linear10PercentEvery3Minutes: 27,
  Linear10PercentEvery10Minutes: 90,
};

/** The id of the warning given when an environment's alarms take longer to go off than its deployment lasts. */
export const SLOW_ALARMS_WARNING = 'python-layers:release-alarms-slower-than-deployment';

/** Props of {@link LiveAlias}. */
export interface LiveAliasProps {
  readonly function: lambda.Function;
  /**
   * What identifies the published version of each of the function's layers (its fingerprint and description,
   * see `PythonLayer.versionKey`). The layers are attached by ARNs resolved at deploy, which the version's hash
   * cannot see; with these in it, a new layer version always publishes a new function version.
   */
  readonly layerVersionKeys: readonly string[];
  /** How CodeDeploy shifts traffic to a new version. */
  readonly strategy: DeploymentStrategy;
  /** The CodeDeploy application of the function's stack. */
  readonly application: codedeploy.ILambdaApplication;
  /**
   * When the new version's errors or throttles stop the release (the environment's `alarms` setting).
   * @default ALARM_DEFAULTS - the first error or throttle in a minute
   */
  readonly alarms?: AlarmsConfig;
  /**
   * The name of the on-call alarm on a metric (`Errors`, `Throttles`).
   * @default - names CloudFormation generates
   */
  readonly alarmNames?: (metric: string) => string;
  /**
   * The name of the release alarm on a metric for one release (`release`: 8 hex characters that change with every
   * new version). Each release gets new alarms, so the name must contain `release`.
   * @default - names CloudFormation generates
   */
  readonly releaseAlarmNames?: (metric: string, release: string) => string;
  /**
   * The topic the on-call alarms notify when they go off and when they are OK again.
   * @default - no notification
   */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * A function's safe release: a version published whenever its code, configuration or any layer's fingerprint
 * changes (and only then), the `live` alias on it, and a CodeDeploy deployment group that shifts the alias to a
 * new version by the environment's strategy. Two kinds of alarms watch the version's own calls through the alias
 * (Lambda's `ExecutedVersion` dimension), so the old version's traffic, most of it during a canary, can neither stop
 * a good release nor hide a bad one:
 *
 * - **Release alarms** (`releaseErrorsAlarm`, `releaseThrottlesAlarm`) gate CodeDeploy: either, during the shift,
 *   stops the deployment and moves the alias back. They are created anew for every version (their logical id and
 *   name carry a hash of the version's), so each release is judged by alarms that start in `INSUFFICIENT_DATA` and
 *   have seen only the new version's calls. They notify nobody.
 * - **On-call alarms** (`errorsAlarm`, `throttlesAlarm`) watch the live version between releases and notify the
 *   environment's alarm topic when they go off and when they are OK again. No deployment group lists them.
 *
 * Why separate: an alarm that CloudFormation updates keeps its state (`PutMetricAlarm`) until its next evaluation.
 * Were one alarm both, a fix pushed while the live version fails would meet it already in `ALARM`, re-pointed at the
 * fix but not yet evaluated: CodeDeploy would stop the fix at once (`DEPLOYMENT_STOP_ON_ALARM`) and CloudFormation
 * would roll the stack back onto the failing version. A new alarm has no state to carry.
 */
export class LiveAlias extends Construct {
  readonly alias: lambda.Alias;
  /** The on-call alarm on the live version's errors: notifies the alarm topic, gates nothing. */
  readonly errorsAlarm: cloudwatch.Alarm;
  /** The on-call alarm on the live version's throttles: notifies the alarm topic, gates nothing. */
  readonly throttlesAlarm: cloudwatch.Alarm;
  /** The release alarm on the new version's errors: created for this version, listed by the deployment group. */
  readonly releaseErrorsAlarm: cloudwatch.Alarm;
  /** The release alarm on the new version's throttles: created for this version, listed by the deployment group. */
  readonly releaseThrottlesAlarm: cloudwatch.Alarm;
  readonly deploymentGroup: codedeploy.LambdaDeploymentGroup;

  constructor(scope: Construct, id: string, props: LiveAliasProps) {
    super(scope, id);
    const fn = props.function;
    fn.invalidateVersionBasedOn(props.layerVersionKeys.join(','));
    const version = fn.currentVersion;
    this.alias = new lambda.Alias(this, 'Alias', {
      aliasName: LIVE_ALIAS,
      version,
      description: 'The version callers use; moved by CodeDeploy',
    });

    const alarms = props.alarms ?? ALARM_DEFAULTS;
    const metric = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/Lambda',
        metricName,
        dimensionsMap: {
          FunctionName: fn.functionName,
          Resource: `${fn.functionName}:${LIVE_ALIAS}`,
          ExecutedVersion: version.version,
        },
        period: Duration.minutes(alarms.periodMinutes),
        statistic: cloudwatch.Stats.SUM,
      });
    const alarmOn = (alarmId: string, metricName: string, threshold: number, name: string | undefined, role: string) =>
      new cloudwatch.Alarm(this, alarmId, {
        ...(name ? { alarmName: name } : {}),
        metric: metric(metricName),
        threshold,
        evaluationPeriods: alarms.evaluationPeriods,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription:
          `${metricName} of the version the ${LIVE_ALIAS} alias points to, its own calls through the alias only ` +
          `(ExecutedVersion): at least ${threshold} in each of ${alarms.evaluationPeriods} consecutive ` +
          `${alarms.periodMinutes}-minute period(s). ${role}`,
      });

    const gate = (alarmId: string, metricName: string, threshold: number) => {
      const alarm = alarmOn(
        alarmId,
        metricName,
        threshold,
        props.releaseAlarmNames?.(metricName, releaseTag(version, 8)),
        `Created for this version: while CodeDeploy shifts ${LIVE_ALIAS} to it, it stops the deployment and moves ` +
          `${LIVE_ALIAS} back to the previous version. The next version gets a new one; it notifies nobody.`,
      );
      // A logical id of its own for every version: CloudFormation creates the next release's alarm, never updates
      // this one (an updated alarm keeps its state), and deletes this one once the next release has succeeded.
      const cfn = alarm.node.defaultChild as cloudwatch.CfnAlarm;
      const original = Stack.of(this).resolve(cfn.logicalId) as string;
      cfn.overrideLogicalId(`${original.slice(0, 255 - 32)}${releaseTag(version, 32)}`);
      return alarm;
    };
    this.releaseErrorsAlarm = gate('ReleaseErrors', 'Errors', alarms.errors);
    this.releaseThrottlesAlarm = gate('ReleaseThrottles', 'Throttles', alarms.throttles);

    const onCall = (alarmId: string, metricName: string, threshold: number) =>
      alarmOn(
        alarmId,
        metricName,
        threshold,
        props.alarmNames?.(metricName),
        `On call: watches the live version between releases and gates no deployment` +
          (props.alarmTopic ? `; notifies the environment's alarm topic when it goes off and when it is OK again` : ''),
      );
    this.errorsAlarm = onCall('Errors', 'Errors', alarms.errors);
    this.throttlesAlarm = onCall('Throttles', 'Throttles', alarms.throttles);
    if (props.alarmTopic) {
      const notify = new actions.SnsAction(props.alarmTopic);
      for (const alarm of [this.errorsAlarm, this.throttlesAlarm]) {
        alarm.addAlarmAction(notify);
        alarm.addOkAction(notify);
      }
    }
    warnIfSlowerThanDeployment(this, alarms, props.strategy);

    this.deploymentGroup = new codedeploy.LambdaDeploymentGroup(this, 'Deployment', {
      application: props.application,
      alias: this.alias,
      deploymentConfig: DEPLOYMENT_CONFIGS[props.strategy],
      alarms: [this.releaseErrorsAlarm, this.releaseThrottlesAlarm],
      autoRollback: { failedDeployment: true, stoppedDeployment: true, deploymentInAlarm: true },
    });
    // The shift starts when CloudFormation updates the alias: by then the release's alarms exist and the deployment
    // group lists them, not the previous release's. (The alias resource only: what hangs on the alias, such as its
    // event source mappings, need not change with every release.)
    const cfnAlias = this.alias.node.defaultChild as lambda.CfnAlias;
    for (const before of [this.releaseErrorsAlarm, this.releaseThrottlesAlarm, this.deploymentGroup])
      cfnAlias.addResourceDependency(before.node.defaultChild as CfnResource);
    acknowledge(this.deploymentGroup.role, RELEASE_ACKNOWLEDGEMENTS.codeDeployManagedPolicy);
  }
}

/**
 * `length` hex characters that change with the version: a hash of the version's logical id, which aws-cdk-lib derives
 * from everything the version publishes (a new version is a new `AWS::Lambda::Version` resource). Computed at synth,
 * when the function is complete.
 */
function releaseTag(version: lambda.Version, length: number): string {
  const logicalId = (version.node.defaultChild as lambda.CfnVersion).logicalId;
  return Lazy.uncachedString({
    produce: (context) =>
      createHash('sha256')
        .update(String(context.resolve(logicalId)))
        .digest('hex')
        .slice(0, length),
  });
}

/** Warns when the alarms cannot go off before the deployment has moved all traffic to the new version. */
function warnIfSlowerThanDeployment(scope: Construct, alarms: AlarmsConfig, strategy: DeploymentStrategy): void {
  const shift = SHIFT_MINUTES[strategy];
  const window = alarms.periodMinutes * alarms.evaluationPeriods;
  if (shift === 0 || window <= shift) return;
  Annotations.of(scope).addWarningV2(
    SLOW_ALARMS_WARNING,
    `The release alarms need ${window} minutes (alarms.periodMinutes ${alarms.periodMinutes} times ` +
      `alarms.evaluationPeriods ${alarms.evaluationPeriods}) to go off, longer than the ${shift} minutes ${strategy} ` +
      `lets the new version serve before it has all the traffic: they can never stop a release. Set the ` +
      `environment's alarms to at most ${shift} minutes in all (e.g. "periodMinutes": 1, "evaluationPeriods": ` +
      `${Math.min(shift, alarms.evaluationPeriods)}), or choose a slower deployment.`,
  );
}
