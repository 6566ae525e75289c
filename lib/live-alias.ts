import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { ALARM_DEFAULTS, type AlarmsConfig } from './config';
import type { DeploymentStrategy } from './deployment-strategies';
import { acknowledge, RELEASE_ACKNOWLEDGEMENTS } from './nag-acknowledgements';

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
   * When the new version's errors or throttles stop the release.
   * @default ALARM_DEFAULTS
   */
  readonly alarms?: AlarmsConfig;
}

/**
 * A function's safe release: a version published whenever its code, configuration or any layer's fingerprint
 * changes (and only then), the `live` alias on it, and a CodeDeploy deployment group that shifts the alias to a
 * new version by the environment's strategy. An alarm on the alias's errors or throttles during the shift stops
 * the deployment and rolls the alias back to the previous version; so does a failed or stopped deployment.
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
        metric: newVersionMetric(metricName),
        threshold,
        evaluationPeriods: alarms.evaluationPeriods,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription:
          `${metricName} of the version being released through the ${LIVE_ALIAS} alias, at least ${threshold} in ` +
          `${alarms.evaluationPeriods} period(s) of ${alarms.periodMinutes} minute(s): stops and rolls back the deployment`,
      });
    this.errorsAlarm = alarmOn('Errors', 'Errors', alarms.errors);
    this.throttlesAlarm = alarmOn('Throttles', 'Throttles', alarms.throttles);

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
