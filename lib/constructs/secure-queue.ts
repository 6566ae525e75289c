import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { acknowledge, QUEUE_ACKNOWLEDGEMENTS } from '../policy/nag-acknowledgements';

/** How long a dead-letter queue keeps what it caught: SQS's longest, two weeks to look and redrive. */
export const DEAD_LETTER_RETENTION = Duration.days(14);

/** An SQS queue encrypted at rest (SSE-SQS) whose policy refuses every request not made over TLS. */
export function secureQueue(scope: Construct, id: string, props: sqs.QueueProps = {}): sqs.Queue {
  return new sqs.Queue(scope, id, { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true, ...props });
}

/**
 * A secure queue that is itself a dead-letter queue, of `what` (a schedule, a function's asynchronous calls): kept
 * two weeks, and acknowledged as having no dead-letter queue of its own.
 */
export function deadLetterQueue(scope: Construct, id: string, what: string): sqs.Queue {
  const queue = secureQueue(scope, id, { retentionPeriod: DEAD_LETTER_RETENTION });
  acknowledge(queue.node.defaultChild!, QUEUE_ACKNOWLEDGEMENTS.deadLetterQueue(what));
  return queue;
}
