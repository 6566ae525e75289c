import { Duration, TimeZone } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { deadLetterQueue } from './secure-queue';
import type { ScheduleConfig } from '../config/schedule-config';

/** Props of {@link FunctionSchedule}. */
export interface FunctionScheduleProps {
  readonly functionName: string;
  /** The function's `live` alias: what the schedule invokes. */
  readonly alias: lambda.IFunction;
  readonly config: ScheduleConfig;
}

/**
 * An EventBridge Scheduler schedule that invokes a function's `live` alias (asynchronously), retrying an invocation
 * Lambda did not accept, and moving one it never accepted to a dead-letter queue of its own. The event is the
 * configured `input`, or `{ "scheduledTime": "<the time the run was scheduled for>" }`. (What fails inside the
 * function goes to its on-failure queue, which a scheduled function has by default.)
 */
export class FunctionSchedule extends Construct {
  readonly schedule: scheduler.Schedule;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: FunctionScheduleProps) {
    super(scope, id);
    const { config } = props;
    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetters', `the schedule of ${props.functionName}`);
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      schedule: scheduler.ScheduleExpression.expression(config.expression, TimeZone.of(config.timezone)),
      description: `Invokes ${props.functionName} (live) ${config.expression}`,
      target: new targets.LambdaInvoke(props.alias, {
        input: scheduler.ScheduleTargetInput.fromObject(
          config.input ?? { scheduledTime: scheduler.ContextAttribute.scheduledTime },
        ),
        retryAttempts: config.retryAttempts,
        maxEventAge: Duration.seconds(config.maxEventAgeSeconds),
        deadLetterQueue: this.deadLetterQueue,
      }),
    });
  }
}
