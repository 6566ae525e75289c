import { Annotations, Duration } from 'aws-cdk-lib';
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
   * The name of the alarm on a metric (`Errors`, `Throttles`).
   * @default - names CloudFormation generates
   */
  readonly alarmNames?: (metric: string) => string;
  /**
   * The topic the alarms notify when they go off and when they are OK again, during a release or not.
   * @default - no notification
   */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * A function's safe release: a version published whenever its code, configuration or any layer's fingerprint
 * changes (and only then), the `live` alias on it, and a CodeDeploy deployment group that shifts the alias to a
 * new version by the environment's strategy. Two alarms watch the new version's own errors and throttles through
 * the alias (Lambda's `ExecutedVersion` dimension): either, during the shift, stops the deployment and moves the
 * alias back to the previous version; so does a failed or stopped deployment. The old version's traffic, most of it
 * during a canary, can neither stop a good release nor hide a bad one. Outside a release the same alarms watch every
 * call of the live version, and notify the environment's alarm topic when they go off and when they are OK again.
 */
export class LiveAlias extends Construct {
  readonly alias: lambda.Alias;
  readonly errorsAlarm: cloudwatch.Alarm;
  readonly throttlesAlarm: cloudwatch.Alarm;
  readonly deploymentGroup: codedeploy.LambdaDeploymentGroup;

  constructor(scope: Construct, id: string, props: LiveAliasProps) {
    super(scope, id);
    const fn = props.function;
    fn.invalidateVersionBasedOn(props.layerVersionKeys.join(','));
    this.alias = new lambda.Alias(this, 'Alias', {
      aliasName: LIVE_ALIAS,
      version: fn.currentVersion,
      description: 'The version callers use; moved by CodeDeploy',
    });

    const alarms = props.alarms ?? ALARM_DEFAULTS;
    // The new version's own calls through the alias: during a canary the old version's traffic, still most of it,
    // can neither stop the release nor hide the new version's failures (Lambda's ExecutedVersion dimension).
    const newVersionMetric = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/Lambda',
        metricName,
        dimensionsMap: {
          FunctionName: fn.functionName,
          Resource: `${fn.functionName}:${LIVE_ALIAS}`,
          ExecutedVersion: fn.currentVersion.version,
        },
        period: Duration.minutes(alarms.periodMinutes),
        statistic: cloudwatch.Stats.SUM,
      });
    const alarmOn = (alarmId: string, metricName: string, threshold: number) =>
      new cloudwatch.Alarm(this, alarmId, {
        ...(props.alarmNames ? { alarmName: props.alarmNames(metricName) } : {}),
        metric: newVersionMetric(metricName),
        threshold,
        evaluationPeriods: alarms.evaluationPeriods,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription:
          `${metricName} of the version the ${LIVE_ALIAS} alias points to, its own calls through the alias only ` +
          `(ExecutedVersion): at least ${threshold} in each of ${alarms.evaluationPeriods} consecutive ` +
          `${alarms.periodMinutes}-minute period(s). While CodeDeploy shifts ${LIVE_ALIAS} to this version, it ` +
          `stops the deployment and moves ${LIVE_ALIAS} back to the previous version` +
          (props.alarmTopic ? `. It notifies the environment's alarm topic, during a release or not` : ''),
      });
    this.errorsAlarm = alarmOn('Errors', 'Errors', alarms.errors);
    this.throttlesAlarm = alarmOn('Throttles', 'Throttles', alarms.throttles);
    if (props.alarmTopic) {
      const notify = new actions.SnsAction(props.alarmTopic);
      for (const alarm of [this.errorsAlarm, this.throttlesAlarm]) {
        alarm.addAlarmAction(notify);
        alarm.addOkAction(notify);
      }
    }
    // CloudFormation moves the alarms to the new version before it updates the alias, which starts the shift: they
    // do not watch the old version while CodeDeploy moves traffic off it. (An updated alarm keeps its state until its
    // next evaluation, at most a period later.)
    this.alias.node.addDependency(this.errorsAlarm, this.throttlesAlarm);
    warnIfSlowerThanDeployment(this, alarms, props.strategy);

    this.deploymentGroup = new codedeploy.LambdaDeploymentGroup(this, 'Deployment', {
      application: props.application,
      alias: this.alias,
      deploymentConfig: DEPLOYMENT_CONFIGS[props.strategy],
      alarms: [this.errorsAlarm, this.throttlesAlarm],
      autoRollback: { failedDeployment: true, stoppedDeployment: true, deploymentInAlarm: true },
    });
    acknowledge(this.deploymentGroup.role, RELEASE_ACKNOWLEDGEMENTS.codeDeployManagedPolicy);
  }
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
