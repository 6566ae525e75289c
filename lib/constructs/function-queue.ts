import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEAD_LETTER_RETENTION, secureQueue } from './secure-queue';
import type { QueueConfig } from '../config/queue-config';

/** Props of {@link FunctionQueue}. */
export interface FunctionQueueProps {
  /** The function's `live` alias: what receives the messages. */
  readonly alias: lambda.IFunction;
  readonly config: QueueConfig;
}

/**
 * A queue the function's `live` alias receives in batches: encrypted, TLS only, its visibility timeout at least six
 * times the function's timeout plus the batching window, and a dead-letter queue that takes a message after
 * `maxReceiveCount` receives. The function reports partial batch failures (`batchItemFailures`), so one bad message
 * is retried alone, not with its whole batch.
 */
export class FunctionQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly eventSource: SqsEventSource;

  constructor(scope: Construct, id: string, props: FunctionQueueProps) {
    super(scope, id);
    const { config } = props;
    this.deadLetterQueue = secureQueue(this, 'DeadLetters', { retentionPeriod: DEAD_LETTER_RETENTION });
    this.queue = secureQueue(this, 'Queue', {
      visibilityTimeout: Duration.seconds(config.visibilityTimeoutSeconds),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: config.maxReceiveCount },
    });
    this.eventSource = new SqsEventSource(this.queue, {
      batchSize: config.batchSize,
      ...(config.maxBatchingWindowSeconds > 0
        ? { maxBatchingWindow: Duration.seconds(config.maxBatchingWindowSeconds) }
        : {}),
      reportBatchItemFailures: true,
    });
    props.alias.addEventSource(this.eventSource);
  }
}
