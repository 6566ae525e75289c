/** `config.functions.<name>.queue`: the SQS queue a function receives messages from, in batches. */
import type { Checker } from './checker';

/** An SQS queue the stack creates, whose messages the function's `live` alias receives in batches. */
export interface QueueConfig {
  /**
   * Messages per batch, 1 to 10000; above 10 needs `maxBatchingWindowSeconds` of at least 1.
   * @default 10
   */
  readonly batchSize: number;
  /**
   * How long Lambda gathers messages before it invokes with a partial batch, 0 to 300 seconds.
   * @default 0
   */
  readonly maxBatchingWindowSeconds: number;
  /**
   * Receives of a message before it moves to the queue's dead-letter queue, 1 to 1000.
   * @default 3
   */
  readonly maxReceiveCount: number;
  /**
   * The queue's visibility timeout: at least six times the function's timeout plus the batching window, as AWS
   * advises, at most 43200.
   * @default - six times the function's timeout plus the batching window
   */
  readonly visibilityTimeoutSeconds: number;
}

export const QUEUE_DEFAULTS = { batchSize: 10, maxBatchingWindowSeconds: 0, maxReceiveCount: 3 } as const;

/** SQS's longest visibility timeout: 12 hours. */
const MAX_VISIBILITY_TIMEOUT = 43200;

/**
 * Parses `config.functions.<name>.queue` (at `at`) of a function whose timeout is `timeoutSeconds`: the queue, or
 * undefined when it has a problem.
 */
export function parseQueue(
  c: Checker,
  raw: unknown,
  at: string,
  timeoutSeconds: number | undefined,
): QueueConfig | undefined {
  const q = c.object(raw, at, 'write { "batchSize": 10 }, or {} for the defaults');
  if (!q) return undefined;
  c.knownKeys(q, at, ['batchSize', 'maxBatchingWindowSeconds', 'maxReceiveCount', 'visibilityTimeoutSeconds']);
  const batchSize = c.integer(q.batchSize, `${at}.batchSize`, QUEUE_DEFAULTS.batchSize, 1, 10000, 'messages');
  const window = c.integer(
    q.maxBatchingWindowSeconds,
    `${at}.maxBatchingWindowSeconds`,
    QUEUE_DEFAULTS.maxBatchingWindowSeconds,
    0,
    300,
    'seconds',
  );
  const maxReceiveCount = c.integer(
    q.maxReceiveCount,
    `${at}.maxReceiveCount`,
    QUEUE_DEFAULTS.maxReceiveCount,
    1,
    1000,
    'receives',
  );
  if (batchSize !== undefined && batchSize > 10 && window === 0) {
    c.problem(
      `${at}.batchSize`,
      batchSize,
      'is above 10 without a batching window, which Lambda refuses for SQS',
      'set "maxBatchingWindowSeconds" to at least 1, or a batch size of at most 10',
    );
  }
  if (timeoutSeconds === undefined || window === undefined) return undefined;
  const least = 6 * timeoutSeconds + window;
  let visibilityTimeoutSeconds = Math.min(least, MAX_VISIBILITY_TIMEOUT);
  if (q.visibilityTimeoutSeconds !== undefined) {
    const set = c.integer(
      q.visibilityTimeoutSeconds,
      `${at}.visibilityTimeoutSeconds`,
      least,
      0,
      MAX_VISIBILITY_TIMEOUT,
      'seconds',
    );
    if (set !== undefined && set < Math.min(least, MAX_VISIBILITY_TIMEOUT)) {
      c.problem(
        `${at}.visibilityTimeoutSeconds`,
        set,
        `is below six times the function's timeout plus the batching window (${least} s): a message would be received again while a call still works on it`,
        `set at least ${Math.min(least, MAX_VISIBILITY_TIMEOUT)}, or leave it out for that`,
      );
    }
    if (set !== undefined) visibilityTimeoutSeconds = set;
  }
  if (!batchSize || !maxReceiveCount) return undefined;
  return { batchSize, maxBatchingWindowSeconds: window, maxReceiveCount, visibilityTimeoutSeconds };
}
