/**
 * What calls a function and how it runs in production, as `config.functions.<name>` sets it: HTTP routes, a schedule,
 * a queue, tracing, the on-failure queue of asynchronous calls, reserved concurrency and the log level. Parsed into
 * the typed {@link ServiceSettings} by the same checker as the rest of the configuration (see `parseConfig`), every
 * problem reported at once.
 */
import type { Checker } from './checker';
import { HttpRouteConfig, parseHttp } from './http-routes-config';
import { parseQueue, QueueConfig } from './queue-config';
import { parseSchedule, ScheduleConfig } from './schedule-config';

/** Lambda's application log levels, most detailed first. */
export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The settings of a function that say what calls it and how it runs in production. */
export interface ServiceSettings {
  /**
   * Routes of the stack's HTTP API to the function.
   * @default []
   */
  readonly http: readonly HttpRouteConfig[];
  /** @default - none */
  readonly schedule?: ScheduleConfig;
  /** @default - none */
  readonly queue?: QueueConfig;
  /**
   * X-Ray active tracing.
   * @default true
   */
  readonly tracing: boolean;
  /**
   * Concurrent executions reserved for the function (and its most).
   * @default - none: it shares the account's unreserved concurrency
   */
  readonly reservedConcurrency?: number;
  /**
   * Whether asynchronous invocations of the `live` alias that still fail after Lambda's two retries go to an
   * on-failure SQS queue.
   * @default - true when the function has a schedule (it is invoked asynchronously), false otherwise
   */
  readonly onFailure: boolean;
  /**
   * The lowest level of the function's own logs that reaches CloudWatch (Lambda's JSON log format).
   * @default 'INFO'
   */
  readonly logLevel: LogLevel;
}

export const SERVICE_DEFAULTS = { tracing: true, logLevel: 'INFO' as LogLevel } as const;

/** Settings of a function object besides these are unknown (a typo, usually). */
export const SERVICE_KEYS = [
  'http',
  'schedule',
  'queue',
  'tracing',
  'reservedConcurrency',
  'onFailure',
  'logLevel',
] as const;

/** Lambda's minimum of concurrency left unreserved in an account is 100; a function reserves at most the rest. */
const MAX_RESERVED_CONCURRENCY = 10000;

/**
 * Parses the service settings of `config.functions.<name>` (at `at`), whose timeout is `timeoutSeconds`: all of them,
 * or undefined when one is wrong, and the valid routes alone (so that routes two functions claim are reported even
 * beside other mistakes).
 */
export function parseServiceSettings(
  c: Checker,
  f: Record<string, unknown>,
  at: string,
  timeoutSeconds: number | undefined,
): { readonly settings?: ServiceSettings; readonly routes: readonly HttpRouteConfig[] } {
  const before = c.count();
  const http = parseHttp(c, f.http, `${at}.http`);
  const schedule = f.schedule === undefined ? undefined : parseSchedule(c, f.schedule, `${at}.schedule`);
  const queue = f.queue === undefined ? undefined : parseQueue(c, f.queue, `${at}.queue`, timeoutSeconds);
  const tracing = c.boolean(f.tracing, `${at}.tracing`, SERVICE_DEFAULTS.tracing);
  const reservedConcurrency =
    f.reservedConcurrency === undefined
      ? undefined
      : c.integer(f.reservedConcurrency, `${at}.reservedConcurrency`, 0, 1, MAX_RESERVED_CONCURRENCY, 'executions');
  const onFailure = c.boolean(f.onFailure, `${at}.onFailure`, f.schedule !== undefined);
  const logLevel =
    f.logLevel === undefined ? SERVICE_DEFAULTS.logLevel : c.oneOf(f.logLevel, `${at}.logLevel`, LOG_LEVELS);
  if (c.count() !== before || !logLevel) return { routes: http };
  return {
    routes: http,
    settings: {
      http,
      tracing,
      onFailure,
      logLevel,
      ...(schedule ? { schedule } : {}),
      ...(queue ? { queue } : {}),
      ...(reservedConcurrency ? { reservedConcurrency } : {}),
    },
  };
}
