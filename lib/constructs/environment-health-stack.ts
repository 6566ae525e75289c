import { ArnFormat, Stack, StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { alarmReaderRoleName, environmentHealthAlarmName, pascalCase, stackHealthAlarmName } from '../config/naming';
import { HealthAlarm } from './health-alarm';

/** The IAM actions through which CodePipeline's `CloudWatchAlarm` rule reads an alarm's state and its changes. */
export const ALARM_READER_ACTIONS = ['cloudwatch:DescribeAlarms', 'cloudwatch:DescribeAlarmHistory'];

/** Props of {@link EnvironmentHealthStack}. */
export interface EnvironmentHealthStackProps extends StackProps {
  readonly appName: string;
  readonly environmentName: string;
  /** The environment's function stacks, by their configured names: each has its health alarm. */
  readonly stacks: readonly string[];
  /** The pipeline's account, whose stage conditions read the health alarm. */
  readonly pipelineAccount: string;
}

/**
 * An environment's health, deployed after its function stacks: one composite alarm, `<app>-<environment>-health`,
 * in ALARM while any function stack's health alarm is (each of those while any of its functions' error alarms is),
 * and the role through which the pipeline's stage conditions read it from the pipeline's account
 * (`<app>-<environment>-alarm-reader`: it may read this alarm's state and history, nothing else).
 */
export class EnvironmentHealthStack extends Stack {
  readonly healthAlarm: cloudwatch.CompositeAlarm;
  readonly alarmReader: iam.Role;

  constructor(scope: Construct, id: string, props: EnvironmentHealthStackProps) {
    super(scope, id, props);
    const stackAlarms = props.stacks.map((stack) =>
      cloudwatch.CompositeAlarm.fromCompositeAlarmName(
        this,
        `${pascalCase(stack)}Health`,
        stackHealthAlarmName(props.appName, props.environmentName, stack),
      ),
    );
    this.healthAlarm = new HealthAlarm(this, 'Health', {
      alarmName: environmentHealthAlarmName(props.appName, props.environmentName),
      watches: `The functions of ${props.appName} in ${props.environmentName}`,
      alarms: stackAlarms,
    }).alarm;
    this.alarmReader = new iam.Role(this, 'AlarmReader', {
      roleName: alarmReaderRoleName(props.appName, props.environmentName),
      // The pipeline's role assumes it for a stage condition's CloudWatchAlarm rule (the rule's RoleArn).
      assumedBy: new iam.AccountPrincipal(props.pipelineAccount),
      description: `Lets the pipeline's stage conditions read the health alarm of ${props.environmentName}`,
      inlinePolicies: {
        ReadTheHealthAlarm: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              actions: ALARM_READER_ACTIONS,
              resources: [
                this.formatArn({
                  service: 'cloudwatch',
                  resource: 'alarm',
                  resourceName: environmentHealthAlarmName(props.appName, props.environmentName),
                  arnFormat: ArnFormat.COLON_RESOURCE_NAME,
                }),
              ],
            }),
          ],
        }),
      },
    });
  }
}
