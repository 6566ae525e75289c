import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';

/** CloudWatch's limit on the alarms one composite alarm's rule names (PutCompositeAlarm). */
export const MAX_COMPOSITE_CHILDREN = 100;

/** Props of {@link HealthAlarm}. */
export interface HealthAlarmProps {
  /** The composite alarm's name (see `naming.ts`: `stackHealthAlarmName`, `environmentHealthAlarmName`). */
  readonly alarmName: string;
  /** What it watches, in words: the start of its description. */
  readonly watches: string;
  /** The alarms it is made of: it is in ALARM while any of them is. */
  readonly alarms: readonly cloudwatch.IAlarm[];
}

/**
 * A composite alarm in ALARM while any of its alarms is, and OK otherwise: what the pipeline's stage conditions read
 * as "healthy" (CodePipeline's `CloudWatchAlarm` rule reads one alarm, by name). It notifies nobody: the alarms it
 * is made of already do.
 *
 * CloudWatch creates a composite only when every alarm its rule names exists, and deletes an alarm only when no
 * composite names it; so a composite lives in the stack of its alarms (a function stack's), or in a stack deployed
 * after theirs and never deleting them (an environment's health stack, over function stacks the pipeline never
 * deletes).
 */
export class HealthAlarm extends Construct {
  readonly alarm: cloudwatch.CompositeAlarm;

  constructor(scope: Construct, id: string, props: HealthAlarmProps) {
    super(scope, id);
    if (props.alarms.length === 0 || props.alarms.length > MAX_COMPOSITE_CHILDREN) {
      throw new Error(
        `${props.alarmName} would be made of ${props.alarms.length} alarms; CloudWatch takes 1 to ` +
          `${MAX_COMPOSITE_CHILDREN} in one composite alarm. Fix: split the functions across more stacks ` +
          '(config.functions.<name>.stack).',
      );
    }
    this.alarm = new cloudwatch.CompositeAlarm(this, 'Alarm', {
      compositeAlarmName: props.alarmName,
      alarmDescription: `${props.watches}: in ALARM while any of its ${props.alarms.length} alarm(s) is. Read by the pipeline's stage conditions (bake time, entry).`,
      alarmRule: cloudwatch.AlarmRule.anyOf(...props.alarms),
    });
  }
}
